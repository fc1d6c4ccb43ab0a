"""Ownership (design.md, "Ownership"): a pool a CloudFormation stack created belongs to that stack.

The stack's next update of the pool writes its template's whole document and reverts whatever poolpatch
changed, so every plan and result for such a pool names its owner, the CLI warns, and drift corrects it
only where a document says ``correctOwned``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The tag CloudFormation puts on every pool it creates.
STACK_TAG = "aws:cloudformation:stack-name"


def owner_of(tags: Mapping[str, Any] | None) -> dict[str, str] | None:
    """``{"type": "cloudformation", "stack": NAME}`` for a pool a stack owns, else ``None``."""
    stack = (tags or {}).get(STACK_TAG)
    return {"type": "cloudformation", "stack": str(stack)} if stack else None


def warning(owner: Mapping[str, str], subject: str) -> str:
    """What the CLI prints for an owned target."""
    return (
        f"warning: {subject} is owned by CloudFormation stack {owner.get('stack')}: the stack's next update "
        "writes its template's configuration back and reverts this change; change the template too"
    )
