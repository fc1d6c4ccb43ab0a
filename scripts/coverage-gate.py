#!/usr/bin/env python3
"""Fail unless branch coverage alone (not the statement+branch blend) of the last test run reaches a floor.

coverage.py's ``--fail-under`` judges one figure that mixes statements and branches; the project's gate is
on branches. Run after ``pytest --cov`` (``make test`` does), from the repository root:

    python scripts/coverage-gate.py --branches 90
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import coverage


def main(argv: list[str] | None = None) -> int:
    """Print the branch and blended figures; exit 1 when branches are under the floor."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--branches", type=float, required=True, help="minimum branch coverage, percent")
    args = parser.parse_args(argv)
    data = coverage.Coverage()
    data.load()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "coverage.json"
        data.json_report(outfile=str(report))
        totals = json.loads(report.read_text())["totals"]
    branches, covered = int(totals["num_branches"]), int(totals["covered_branches"])
    percent = 100.0 * covered / branches if branches else 100.0
    verdict = "PASS" if percent >= args.branches else "FAIL"
    print(
        f"branch coverage of layers/: {covered}/{branches} = {percent:.2f}% "
        f"(floor {args.branches:g}%) {verdict}; statements and branches together "
        f"{totals['percent_covered']:.2f}%"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
