"""Running the ``poolpatch`` command line in-process, as the bundle tests do."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

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
