"""A sweep's report (design.md, "Report"): ``report.json``, ``targets.jsonl`` and ``summary.md``.

The same three files come out of the stack (``s3://{bucket}/drift-reports/{sweepId}/``) and the CLI
(``--report-dir``), built here from the final target lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from poolpatch import model
from poolpatch.drift.check import Line
from poolpatch.drift.sweep import STATUSES, totals

REPORT_PREFIX = "drift-reports/"
#: Targets listed by name in summary.md per section (the rest are counted; targets.jsonl has them all).
SUMMARY_LIMIT = 100


@dataclass
class Report:
    """Everything a sweep's report holds."""

    sweep_id: str
    trigger: str
    started: datetime
    finished: datetime
    lines: Sequence[Line]
    documents: Sequence[Mapping[str, Any]]
    location: str = ""
    halted: bool = False
    correction: str = "enabled"
    limit_percent: float | None = None
    throttled: int = 0
    #: Every account and Region the sweep covered (one with no targets still gets its counts).
    unit_keys: Sequence[tuple[str, str]] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """``report.json``."""
        out: dict[str, Any] = {
            "sweepId": self.sweep_id,
            "trigger": self.trigger,
            "startedAt": _iso(self.started),
            "finishedAt": _iso(self.finished),
            "totals": {**totals(self.lines), "throttled": self.throttled},
            "halted": self.halted,
            "correction": self.correction,
            "limitPercent": self.limit_percent,
            "units": unit_counts(self.lines, self.unit_keys),
            "documents": list(self.documents),
        }
        if self.location:
            out["location"] = self.location
        return out

    def targets_jsonl(self) -> str:
        """``targets.jsonl``: one line per target, in account, Region, pool, client order."""
        return "".join(dumps(line) + "\n" for line in sorted_lines(self.lines))

    def summary_md(self) -> str:
        """``summary.md``: the sweep for people."""
        counts = totals(self.lines)
        invalid = [d for d in self.documents if not d.get("valid")]
        out = [
            f"# poolpatch drift sweep {self.sweep_id}",
            "",
            f"{self.trigger} sweep, {_iso(self.started)} to {_iso(self.finished)}: "
            f"{counts['targets']} targets checked with {len(self.documents) - len(invalid)} valid documents"
            f"{f' ({len(invalid)} invalid)' if invalid else ''}.",
            "",
        ]
        if self.halted:
            out += [
                f"**Halted**: more than {self.limit_percent:g} % of the targets would have been corrected, "
                "so no correction was queued. Review the documents; the drift below is reported only.",
                "",
            ]
        if self.correction == "disabled":
            out += ["Correction is turned off for this stack (DriftCorrection): drift is reported only.", ""]
        elif self.correction != "enabled":
            out += [f"Drift is reported only: correction {self.correction}.", ""]
        out += ["| status | targets |", "|---|---:|"]
        out += [f"| {status} | {counts[status]} |" for status in STATUSES if counts[status]]
        out.append("")
        if invalid:
            out += ["## Invalid documents (never applied)", ""]
            for document in invalid:
                error = document["error"]
                out.append(
                    f"- {_code(document['key'])}: {_text(error['code'])} at {_code(error.get('path', ''))}: "
                    f"{_text(error['message'])}"
                )
            out.append("")
        for status, title in (
            ("correction-queued", "Corrections queued"),
            ("corrected", "Corrected"),
            ("drifted", "Drifted (reported)"),
            ("owned", "Drifted, owned by a CloudFormation stack (not corrected)"),
            ("suppressed", "Suppressed (corrected twice within 24 h)"),
            ("conflict", "Conflicts (neither value written)"),
            ("error", "Could not be checked"),
        ):
            chosen = [line for line in sorted_lines(self.lines) if line["status"] == status]
            if not chosen:
                continue
            out += [f"## {title}", ""]
            for line in chosen[:SUMMARY_LIMIT]:
                out.extend(_summary_entry(line))
            if len(chosen) > SUMMARY_LIMIT:
                out.append(f"- … and {len(chosen) - SUMMARY_LIMIT} more (targets.jsonl lists every one)")
            out.append("")
        if self.location:
            out += [f"Full report: {_code(self.location)}", ""]
        return "\n".join(out)


def unit_counts(lines: Sequence[Line], keys: Sequence[tuple[str, str]] = ()) -> list[dict[str, Any]]:
    """Per account and Region (the lines', and ``keys``): targets and counts by status, and the unit's
    error if it had one."""
    units: dict[tuple[str, str], dict[str, Any]] = {
        key: {"accountId": key[0], "region": key[1], "targets": 0, "counts": {}} for key in keys
    }
    for line in lines:
        target = line["target"]
        key = (str(target.get("accountId", "")), str(target.get("region", "")))
        unit = units.setdefault(key, {"accountId": key[0], "region": key[1], "targets": 0, "counts": {}})
        if "userPoolId" in target:
            unit["targets"] += 1
            unit["counts"][line["status"]] = unit["counts"].get(line["status"], 0) + 1
        else:
            unit["error"] = line.get("error")
    return [units[key] for key in sorted(units)]


def sorted_lines(lines: Sequence[Line]) -> list[Line]:
    """Lines in account, Region, pool, client, kind and name order."""

    def order(line: Line) -> tuple[str, ...]:
        target = line["target"]
        keys = ("accountId", "region", "userPoolId", "clientId", "kind", "name")
        return tuple(str(target.get(k, "")) for k in keys)

    return sorted(lines, key=order)


def dumps(value: Any) -> str:
    """Compact JSON with the model's encoding of timestamps."""
    return json.dumps(value, default=model.json_default, separators=(",", ":"), ensure_ascii=False)


def _summary_entry(line: Line) -> list[str]:
    target = line["target"]
    name = "/".join(str(target[k]) for k in ("accountId", "region", "userPoolId", "clientId") if k in target)
    if target.get("kind"):  # a kind other than the pool or app client itself
        name += f" {target['kind']}" + (f" {target['name']}" if target.get("name") is not None else "")
    head = f"- {_code(name)}"
    if line.get("owner"):
        head += f" (owned by stack {_code(str(line['owner'].get('stack')))})"
    if line.get("error"):
        return [f"{head}: {line['error']['code']}: {line['error']['message']}"]
    out = [head]
    for entry in line.get("drift", []):
        out.append(
            f"  - {_code(entry['path'])}: live {_short(entry.get('live'))}, "
            f"desired {_short(entry.get('desired'))}"
            f" ({_text(str(entry.get('document')))})"
        )
    for conflict in line.get("conflicts", []):
        names = ", ".join(_code(name) for name in conflict["documents"])
        out.append(f"  - conflict at {_code(conflict['path'])} between {names}")
    if line.get("correction"):
        out.append(f"  - correction {_code(line['correction']['requestId'])}")
    return out


def _short(value: Any) -> str:
    text = dumps(value) if value is not None else "(absent)"
    return _code(text if len(text) <= 60 else f"{text[:57]}…")


def _code(text: str) -> str:
    """``text`` as a Markdown code span that nothing in it can close (a value or a name is data)."""
    text = " ".join(str(text).split())  # no line breaks: a name must not start a new Markdown block
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if "`" in text else f"{fence}{text}{fence}"


def _text(text: str) -> str:
    """Free text (an error message) with Markdown's markup characters escaped, on one line."""
    return re.sub(r"([\\`*_{}\[\]()<>#|!~])", r"\\\1", " ".join(str(text).split()))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
