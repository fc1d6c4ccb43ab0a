"""Load the sample events and schemas kept in the repository's ``events/`` folder.

The same files feed ``sam local invoke -e``, ``aws events put-events`` and the
tests, so a test that loads a sample checks what users actually send.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

EVENTS_DIR: Final[Path] = Path(__file__).resolve().parents[2] / "events"
"""The repository's ``events/`` folder."""

SCHEMA_DIR: Final[Path] = EVENTS_DIR / "schema"
"""The JSON Schemas (draft 4) of the change request and the result."""

EVENTBRIDGE_REQUEST_SAMPLES: Final[tuple[str, ...]] = (
    "eventbridge-request",
    "eventbridge-plan",
    "eventbridge-client-change",
    "eventbridge-cross-account",
    "eventbridge-add-attributes",
    "eventbridge-restore",
    "eventbridge-restore-bundle",
    "eventbridge-resource-server",
)
"""The samples that are valid "User Pool Change Requested" events (intake queues each)."""


def _load_json_object(folder: Path, name: str) -> dict[str, Any]:
    """Read ``folder/name`` (``.json`` optional) as a JSON object, refusing names that leave ``folder``."""
    file_name = name if name.endswith(".json") else f"{name}.json"
    path = (folder / file_name).resolve()
    if not path.is_relative_to(folder):
        raise ValueError(f"{name!r} is outside {folder}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def load_event(name: str) -> dict[str, Any]:
    """Return the sample ``events/<name>`` (``.json`` optional) as a fresh dict.

    Each call reads the file again, so callers may mutate the result freely.
    """
    return _load_json_object(EVENTS_DIR, name)


def load_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema ``events/schema/<name>`` (``.json`` optional), e.g. ``"change-request"``."""
    return _load_json_object(SCHEMA_DIR, name)
