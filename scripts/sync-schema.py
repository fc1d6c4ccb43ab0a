#!/usr/bin/env python3
"""Copy the JSON Schemas of events/schema/ into template.yaml's schema registry resources.

events/schema/change-request.json -> ChangeRequestSchema, events/schema/desired-state.json ->
DesiredStateSchema. CloudFormation cannot read the schema files, so the template carries a copy under
`Content: |` (indented 8 spaces); tests/unit/test_template.py fails when they differ. Run this after
editing a schema file:

    python3 scripts/sync-schema.py          # rewrite template.yaml if needed
    python3 scripts/sync-schema.py --check  # exit 1 if template.yaml is out of date

Only the lines of that one literal block change; the rest of template.yaml is
kept byte for byte.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
SCHEMAS = {
    "  ChangeRequestSchema:\n": ROOT / "events" / "schema" / "change-request.json",
    "  DesiredStateSchema:\n": ROOT / "events" / "schema" / "desired-state.json",
}
CONTENT = "      Content: |\n"
INDENT = " " * 8


def synced(template: str, schema: str, resource: str = "  ChangeRequestSchema:\n") -> str:
    """`template` with the Content block of `resource` replaced by `schema`."""
    start = template.index(CONTENT, template.index(resource)) + len(CONTENT)
    end = start
    lines = template[start:].splitlines(keepends=True)
    for line in lines:
        if line.strip() and not line.startswith(INDENT):
            break
        end += len(line)
    # Trailing blank lines belong to the gap before the next resource, not to the block.
    block = template[start:end]
    gap = block[len(block.rstrip("\n")) :][1:]
    body = "".join(INDENT + line if line.strip() else line for line in schema.rstrip("\n").splitlines(True))
    return template[:start] + body + "\n" + gap + template[end:]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only report whether template.yaml is in sync")
    args = parser.parse_args()
    template = TEMPLATE.read_text(encoding="utf-8")
    updated = template
    for resource, schema in SCHEMAS.items():
        updated = synced(updated, schema.read_text(encoding="utf-8"), resource)
    names = ", ".join(str(schema.relative_to(ROOT)) for schema in SCHEMAS.values())
    if updated == template:
        print(f"sync-schema: template.yaml already carries {names}")
        return 0
    if args.check:
        print(f"sync-schema: template.yaml differs from {names}", file=sys.stderr)
        return 1
    TEMPLATE.write_text(updated, encoding="utf-8")
    print(f"sync-schema: copied {names} into template.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
