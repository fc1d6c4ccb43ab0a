"""``make run``, part 3: drift for a fleet on the embedded stack (design.md, "Drift").

Ten pools share a tag; a baseline document (mode ``correct``) wants a 12-character password minimum on
all of them, and a team's document wants 16 on its own pool, at the same precedence: a conflict. One
pool has drifted to 8. The scheduled sweep runs through the real drift handler (start, then its unit
from the work queue); the correction goes through the change queue and the apply handler; the summary
is printed as the sweep wrote it to S3. Then a team runs the same documents with ``poolpatch drift``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from poolpatch_fake.demo import Checks, Cli, Screen

FLEET_TAG = {"fleet": "demo"}
BASELINE = {
    "version": "2",
    "name": "fleet-password-baseline",
    "selector": {"poolTags": FLEET_TAG},
    "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}},
    "mode": "correct",
}
PAYMENTS = {
    "version": "2",
    "name": "payments-passwords",
    "selector": {"poolTags": {"team": "payments"}},
    "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 16}}},
    "mode": "correct",
}


def _length(cognito: CognitoIdentityProviderClient, pool_id: str) -> int:
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return int(pool["Policies"]["PasswordPolicy"]["MinimumLength"])


def part_three(
    screen: Screen,
    checks: Checks,
    *,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    endpoint_url: str,
    workdir: Path,
    verbose: bool,
) -> None:
    """Drift: a sweep that corrects one pool and reports one conflict, then the same with the CLI."""
    from poolpatch_fake.demo import quiet_handlers, run_shown
    from poolpatch_fake.stack import EmbeddedStack

    first = len(checks.rows)
    screen.part("Part 3 - drift for a fleet (schedule -> sweep -> units -> corrections -> report)")
    if not verbose:
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    pools = []
    for index in range(10):
        tags = {**FLEET_TAG, **({"team": "payments"} if index == 6 else {})}
        length = {3: 8, 6: 10}.get(index, 12)
        created = cognito.create_user_pool(
            PoolName=f"fleet-{index}",
            Policies={"PasswordPolicy": {"MinimumLength": length}},
            UserPoolTags=tags,
        )
        pools.append(created["UserPool"]["Id"])
    drifted, contested = pools[3], pools[6]
    screen.step(
        "1. ten pools tagged fleet=demo, and two desired-state documents in s3://<bucket>/desired/",
        f"{drifted} has drifted to MinimumLength 8; {contested} (team=payments) has 10.",
        "fleet-password-baseline wants 12 on the fleet; payments-passwords wants 16 on payments pools.",
        "Both select by tag: equal precedence, so the payments pool's length is a conflict.",
    )
    screen.block(json.dumps(BASELINE, indent=2))
    with EmbeddedStack(endpoint_url, log_level="INFO" if verbose else "WARNING") as stack:
        stack.put_desired("fleet/password-baseline.json", BASELINE)
        stack.put_desired("teams/payments.json", PAYMENTS)
        screen.step(
            "2. the scheduled sweep: start, one unit per account and Region from DriftWorkQueue, finalise",
            f"paced at DriftReadsPerSecond; report in s3://{stack.bucket}/drift-reports/<sweepId>/",
        )
        with quiet_handlers(verbose):
            sweep_id = stack.drift_sweep()
            report = stack.drift_report(sweep_id)
        screen.line(screen.paint("    summary.md:", "2"))
        screen.block(report["summary"], head=40)
        lines = {line["target"]["userPoolId"]: line for line in report["targets"]}
        checks.check(
            "sweep: 10 targets, the drifted pool's correction queued, the conflict reported",
            report["totals"]["targets"] == 10
            and lines[drifted]["status"] == "correction-queued"
            and lines[contested]["status"] == "conflict"
            and lines[contested]["conflicts"][0]["documents"]
            == ["fleet-password-baseline", "payments-passwords"],
        )
        screen.step("3. apply drains the change queue: the correction is an ordinary change request")
        with quiet_handlers(verbose):
            stack.run_apply()
        applied = [e["detail"] for e in stack.results() if e["detail-type"] == "User Pool Change Applied"]
        for result in applied:
            screen.line(f"    {result['requestId']}: {result['status']}, {result['changes']}")
        checks.check(
            "drifted pool corrected to 12 through the change queue; the conflict left at 10",
            _length(cognito, drifted) == 12 and _length(cognito, contested) == 10 and len(applied) == 1,
        )
        screen.step("4. the next sweep: the fleet in sync, the conflict still reported and never written")
        with quiet_handlers(verbose):
            again = stack.drift_report(stack.drift_sweep())
        screen.line(f"    totals: {json.dumps({k: v for k, v in again['totals'].items() if v})}")
        resolved = [e for e in stack.results() if e["detail-type"] == "User Pool Drift Resolved"]
        checks.check(
            "second sweep: 9 in sync, 1 conflict, 'User Pool Drift Resolved' for the corrected pool",
            again["totals"]["in-sync"] == 9
            and again["totals"]["conflict"] == 1
            and [e["detail"]["target"]["userPoolId"] for e in resolved] == [drifted],
        )
    folder = workdir / "desired"
    (folder / "teams").mkdir(parents=True, exist_ok=True)
    (folder / "password-baseline.json").write_text(json.dumps(BASELINE))
    (folder / "teams" / "payments.json").write_text(json.dumps(PAYMENTS))
    screen.step(
        "5. a team runs the same documents locally before committing them (own account, nothing written)"
    )
    proc = run_shown(screen, cli, "drift", "--desired", str(folder), "--reads-per-second", "50", head=24)
    checks.check("poolpatch drift: exit 2 (drift found: the conflict), nothing written", proc.code == 2)
    checks.show(first)
