"""Running the ``poolpatch`` command line in-process, as the bundle tests do."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest

from poolpatch import cli_bundle
from poolpatch.cli import main


@dataclass(frozen=True)
class Run:
    """One invocation: exit code and captured streams."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


def cli(*argv: str) -> Run:
    """Run ``poolpatch argv`` in-process and capture its streams."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundle commands read live pools without their per-operation pace (5 reads per second by default).

    For tests of what is read and written, not of the pace: each export would otherwise sleep about half a
    second on the fake. The pace is measured by bench/bundle.py and tested in test_fleet_pacer.py.
    """
    monkeypatch.setattr(cli_bundle, "DEFAULT_READS_PER_SECOND", 10_000.0)
