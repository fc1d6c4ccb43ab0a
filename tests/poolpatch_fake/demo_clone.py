"""``make run``, part 5: a create-only setting changed by cloning the pool (design.md, "Whole-pool bundle,
diff and clone").

A pool created case-sensitive (``UsernameConfiguration.CaseSensitive`` true: only ``CreateUserPool`` sets
it) with Lambda triggers, tags, a prefix domain and two app clients. ``poolpatch plan`` with a pool patch on
``UsernameConfiguration`` is refused (``ImmutableSetting``); ``poolpatch clone --patch`` makes a new pool
with the setting changed, and the checks compare the new pool's raw ``DescribeUserPool`` and
``DescribeUserPoolClient`` reads with the source's. ``poolpatch diff`` then shows the one difference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

    from poolpatch_fake.demo import Checks, Cli, Screen

CASE_INSENSITIVE = {"createOnly": {"UsernameConfiguration": {"CaseSensitive": False}}}
CLONE_OF_TAG = "poolpatch:clone-of"  # design.md: the tag naming a clone's source pool


def seed_case_sensitive(cognito: CognitoIdentityProviderClient, trigger_arn: str) -> str:
    """A case-sensitive pool with triggers, tags, a prefix domain and two app clients; return its id."""
    pool_id = cognito.create_user_pool(
        PoolName="acme-members-prod",
        UsernameConfiguration={"CaseSensitive": True},
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireNumbers": True, "RequireSymbols": True}},
        LambdaConfig={
            "PreSignUp": trigger_arn % "pre-sign-up",
            "PostConfirmation": trigger_arn % "post-confirmation",
        },
        UserPoolTags={"team": "members", "environment": "prod"},
    )["UserPool"]["Id"]
    cognito.create_user_pool_domain(
        Domain=f"acme-members-{pool_id.rsplit('_', 1)[-1][:12].lower()}",
        UserPoolId=pool_id,
        ManagedLoginVersion=2,
    )
    cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="acme-members-web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )
    cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="acme-members-mobile", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"]
    )
    return pool_id


def _clients(cognito: CognitoIdentityProviderClient, pool_id: str) -> dict[str, dict[str, Any]]:
    """The pool's app clients as DescribeUserPoolClient returns them, by client id."""
    listed = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    return {
        item["ClientId"]: dict(
            cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=item["ClientId"])["UserPoolClient"]
        )
        for item in listed
    }


def part_five(
    screen: Screen,
    checks: Checks,
    *,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    snapshot_dir: Path,
    trigger_arn: str,
) -> None:
    """Case sensitivity changed by clone: refused as a patch, done by ``clone``, checked on raw reads."""
    from poolpatch_fake.demo import describe_pool, run_shown, shown_command

    first = len(checks.rows)
    screen.part("Part 5 - a create-only setting: change username case sensitivity by cloning the pool")
    source = seed_case_sensitive(cognito, trigger_arn)
    before = describe_pool(cognito, source)
    source_clients = _clients(cognito, source)
    screen.line(
        f"    seeded user pool {source} (acme-members-prod): UsernameConfiguration "
        f"{json.dumps(before.get('UsernameConfiguration'))}, triggers "
        f"{', '.join(sorted(before.get('LambdaConfig', {})))}, app clients "
        f"{', '.join(sorted(item['ClientName'] for item in source_clients.values()))}"
    )

    screen.step(
        "1. a pool patch cannot change it",
        "UsernameConfiguration is create-only (CreateUserPool takes it, UpdateUserPool does not):",
        "poolpatch refuses the patch before any write and says what to do instead.",
    )
    refused = run_shown(
        screen, cli, "plan", "--user-pool-id", source, "--patch",
        '{"UsernameConfiguration": {"CaseSensitive": false}}',
    )  # fmt: skip
    remedy = next((line for line in refused.err.splitlines() if "Remedy:" in line), "")
    screen.line(f"    the remedy: {remedy.split('Remedy:', 1)[1].strip() if remedy else '(none printed)'}")
    checks.check(
        "plan with a pool patch on UsernameConfiguration refused: exit 1, ImmutableSetting",
        refused.code == 1 and "ImmutableSetting" in refused.plain,
    )
    checks.check("refused: DescribeUserPool unchanged", describe_pool(cognito, source) == before)

    screen.step(
        "2. clone the pool with the setting changed",
        "The source is read whole (the bundle, paced at 5 reads per second per operation); the patch is a",
        "merge patch over the bundle; the new pool gets the clients (new ids), the triggers, the tags and",
        "a new prefix domain; the report lists what a clone cannot carry.",
    )
    cloned = run_shown(
        screen, cli, "clone", "--user-pool-id", source, "--pool-name", "acme-members-prod-ci",
        "--patch", json.dumps(CASE_INSENSITIVE), "--domain-prefix", f"acme-members-{source[-8:].lower()}",
        "--snapshot-dir", str(snapshot_dir), "--output", "json",
    )  # fmt: skip
    report: dict[str, Any] = {}
    try:
        report = json.loads(cloned.out) if cloned.code == 0 else {}
    except ValueError:
        report = {}
    new_pool = str(report.get("userPoolId") or "")
    client_ids: dict[str, str] = dict(report.get("clientIds") or {})
    screen.line(screen.paint("    the report:", "2"))
    screen.line(f"      status {report.get('status')}, request id {report.get('requestId')}")
    screen.line(f"      progress {report.get('progress')}")
    screen.line(f"      new user pool {new_pool}")
    for old, new in client_ids.items():
        screen.line(f"      app client {old} ({source_clients.get(old, {}).get('ClientName')}) -> {new}")
    for item in report.get("notCarried") or []:
        screen.line(f"      not carried: {item.get('part')}: {item.get('reason')}")
    checks.check(
        "clone: exit 0, status created, a new pool id",
        cloned.code == 0 and report.get("status") == "created" and bool(new_pool) and new_pool != source,
        new_pool,
    )
    after = describe_pool(cognito, new_pool) if new_pool else {}
    checks.check(
        "DescribeUserPool (new pool): UsernameConfiguration.CaseSensitive false",
        after.get("UsernameConfiguration") == {"CaseSensitive": False},
        f"source {json.dumps(before.get('UsernameConfiguration'))}",
    )
    checks.check(
        "DescribeUserPool (new pool): LambdaConfig equal to the source's",
        bool(before.get("LambdaConfig")) and after.get("LambdaConfig") == before.get("LambdaConfig"),
        ", ".join(sorted(after.get("LambdaConfig") or {})),
    )
    checks.check(
        f"DescribeUserPool (new pool): tag {CLONE_OF_TAG} = {source}, the source's tags kept",
        (after.get("UserPoolTags") or {}).get(CLONE_OF_TAG) == source
        and all((after.get("UserPoolTags") or {}).get(k) == v for k, v in before["UserPoolTags"].items()),
    )
    new_clients = _clients(cognito, new_pool) if new_pool else {}
    checks.check(
        "DescribeUserPoolClient (new pool): every mapped client exists with the source client's name",
        bool(client_ids)
        and set(client_ids) == set(source_clients)
        and all(
            new_clients.get(new, {}).get("ClientName") == source_clients[old]["ClientName"]
            for old, new in client_ids.items()
        )
        and len(new_clients) == len(source_clients),
        f"{len(new_clients)} of {len(source_clients)}",
    )
    checks.check(
        "clone report: notCarried names the users and the triggers' permissions",
        any(item.get("part") == "users" for item in report.get("notCarried") or [])
        and any("LambdaConfig" in str(item.get("part")) for item in report.get("notCarried") or []),
    )
    checks.check("source pool unchanged by the clone", describe_pool(cognito, source) == before)

    screen.step(
        "3. diff the source and the clone",
        "Ids, names, poolpatch: tags and the capture details are not configuration: the one difference is",
        "the setting the patch changed.",
    )
    diffed = run_shown(screen, cli, "diff", source, new_pool or "missing", "--output", "json")
    differences: list[dict[str, Any]] = []
    try:
        differences = list(json.loads(diffed.out).get("differences") or [])
    except ValueError:
        differences = []
    checks.check(
        "diff SOURCE NEW: exit 2, only createOnly /UsernameConfiguration/CaseSensitive (true -> false)",
        diffed.code == 2
        and [(item.get("part"), item.get("path")) for item in differences]
        == [("createOnly", "/UsernameConfiguration/CaseSensitive")]
        and differences[0].get("a") is True
        and differences[0].get("b") is False,
        shown_command(["diff", source, new_pool]).removeprefix("poolpatch "),
    )
    checks.show(first)
