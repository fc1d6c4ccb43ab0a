"""``make run``: poolpatch end to end on the embedded default, explained as it goes.

A moto server with the faithful Cognito fake starts on 127.0.0.1 (a free port) in this process; a
realistic user pool and OAuth app client are seeded on it. Then:

Part 1, the command line: ``poolpatch export``, ``plan``, ``apply`` (pool and client) run as real
processes of the installed console script with ``--endpoint-url``; the snapshot files are listed; a check
table proves the triggers, SES, MFA, tags and the client's OAuth settings survived; and a "careless
update" with plain boto3 on a second pool shows what poolpatch prevents.

Part 4 (after part 3, drift), configuration kinds beyond the pool and the client, through the same
console script with ``--kind`` and ``--name``: MFA turned on with the ``mfa`` kind after the pool patch that
tries it is refused; a resource server scope added with the others kept; an identity provider's attribute
mapping changed from its export, whose ``client_secret`` is ``"<redacted>"``, keeping the secret, which no
output of the part shows.

Part 5 (last), a create-only setting changed by cloning the pool (``demo_clone``): a case-sensitive pool;
``poolpatch plan`` with a pool patch on ``UsernameConfiguration`` refused (``ImmutableSetting``, with its
remedy); ``poolpatch clone --patch`` making a case-insensitive copy, its report, checks on the new pool's
raw reads, and ``poolpatch diff`` of the two pools showing that one difference.

Part 2, the event-driven path (``poolpatch_fake.stack.EmbeddedStack``): the resources template.yaml
creates, a change request put on the bus, the real intake and apply handlers invoked with the events moto
delivers, the plan, the snapshots in S3, the result events, and the proof nothing else changed.

Exit code 0 when every check passes, 1 otherwise (130 on Ctrl-C). The server stops in every case. No
client secret is printed: the check table compares it without showing it.

    .venv/bin/python -m poolpatch_fake.demo [--snapshot-dir DIR] [--no-color] [--verbose]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION: Final = "eu-west-1"
ACCOUNT: Final = "123456789012"
#: Child processes and boto3 clients use moto's test credentials, never the user's.
CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
TRIGGER_ARN: Final = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-auth-%s"
OUTPUT_HEAD_LINES: Final = 24
_ANSI: Final = re.compile(r"\x1b\[[0-9;]*m")

POOL_PATCH: Final[dict[str, Any]] = {
    "Policies": {"PasswordPolicy": {"MinimumLength": 14}},
    "UserPoolTags": {"data-classification": "confidential"},
    "LambdaConfig": {"PostAuthentication": TRIGGER_ARN % "post-authentication"},
}
NEW_CALLBACK: Final = "https://admin.acme.example.com/auth/callback"
NEW_LOGOUT: Final = "https://admin.acme.example.com/signed-out"
MFA_ON: Final[dict[str, Any]] = {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}
NEW_SCOPE: Final = {"ScopeName": "refunds.write", "ScopeDescription": "Allows refunds.write"}
PIPELINE_PATCH: Final[dict[str, Any]] = {
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
    "LambdaConfig": {"PreAuthentication": TRIGGER_ARN % "pre-authentication"},
}


# --- presentation ---------------------------------------------------------------------------------


class Screen:
    """What the demo prints: headings, commands, indented output, the check table."""

    def __init__(self, out: TextIO, *, color: bool) -> None:
        self.out = out
        self.color = color

    def paint(self, text: str, code: str) -> str:
        """``text`` in ANSI ``code`` when colours are on."""
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def line(self, text: str = "") -> None:
        """One line."""
        self.out.write(text + "\n")
        self.out.flush()

    def part(self, title: str) -> None:
        """A part banner."""
        bar = "=" * 100
        self.line()
        self.line(self.paint(bar, "1"))
        self.line(self.paint(title, "1;36"))
        self.line(self.paint(bar, "1"))

    def step(self, title: str, *explanation: str) -> None:
        """A numbered step with its explanation."""
        self.line()
        self.line(self.paint(f"--- {title} ", "1") + self.paint("-" * max(3, 95 - len(title)), "2"))
        for text in explanation:
            self.line(self.paint(f"    {text}", "2"))

    def block(self, text: str, *, head: int | None = None) -> None:
        """Indented output, optionally cut to its first ``head`` lines."""
        lines = text.rstrip("\n").splitlines()
        shown = lines if head is None or len(lines) <= head else lines[:head]
        for item in shown:
            self.line(f"    {item}")
        if len(shown) < len(lines):
            self.line(self.paint(f"    ... ({len(lines) - len(shown)} more lines)", "2"))


@dataclass
class Checks:
    """The check table: each line PASS or FAIL."""

    screen: Screen
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        """Record one check."""
        self.rows.append((name, bool(ok), detail))
        return bool(ok)

    def show(self, first: int = 0) -> None:
        """Print the rows from ``first`` on."""
        for name, ok, detail in self.rows[first:]:
            mark = self.screen.paint("PASS", "32") if ok else self.screen.paint("FAIL", "1;31")
            suffix = self.screen.paint(f"  ({detail})", "2") if detail else ""
            self.screen.line(f"    [{mark}] {name}{suffix}")

    @property
    def failed(self) -> list[str]:
        """Names of the failed checks."""
        return [name for name, ok, _ in self.rows if not ok]


# --- the command line as a real process -----------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    """A finished ``poolpatch`` process."""

    code: int
    out: str
    err: str

    @property
    def plain(self) -> str:
        """stdout and stderr without ANSI colours, for the checks."""
        return _ANSI.sub("", self.out + self.err)


@dataclass
class Cli:
    """Runs the installed ``poolpatch`` console script against the embedded server."""

    endpoint_url: str
    color: bool
    outputs: list[str] = field(default_factory=list)

    def command(self) -> list[str]:
        """The console script next to this interpreter (``python -m poolpatch.cli`` if absent)."""
        script = Path(sys.executable).parent / "poolpatch"
        return [str(script)] if script.exists() else [sys.executable, "-m", "poolpatch.cli"]

    def environment(self) -> dict[str, str]:
        """This environment with test credentials, no profile, and the colour choice made explicit."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "NO_COLOR", "FORCE_COLOR"}
        }
        env.update(CREDENTIALS)
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = REGION
        env["FORCE_COLOR" if self.color else "NO_COLOR"] = "1"
        return env

    def run(self, *argv: str) -> Proc:
        """Run ``poolpatch argv --endpoint-url URL --region R``; keep the output for the secret scan."""
        done = subprocess.run(
            [*self.command(), *argv, "--endpoint-url", self.endpoint_url, "--region", REGION],
            capture_output=True,
            text=True,
            env=self.environment(),
            timeout=60,
            check=False,
        )
        self.outputs.extend((done.stdout, done.stderr))
        return Proc(done.returncode, done.stdout, done.stderr)


def shown_command(argv: Sequence[str]) -> str:
    """The command line as a user would type it (JSON arguments quoted)."""
    words = ["poolpatch"]
    for word in argv:
        words.append(f"'{word}'" if any(ch in word for ch in ' {}[]"') else word)
    return " ".join(words) + " --endpoint-url $ENDPOINT"


def run_shown(screen: Screen, cli: Cli, *argv: str, head: int | None = None) -> Proc:
    """Print the command, run it, print its output and exit code."""
    screen.line(screen.paint(f"  $ {shown_command(argv)}", "1;34"))
    proc = cli.run(*argv)
    screen.block(proc.out, head=head)
    if proc.err.strip():
        screen.line(screen.paint("    stderr:", "2"))
        screen.block(screen.paint(proc.err.rstrip(), "33"))
    screen.line(screen.paint(f"    (exit code {proc.code})", "2"))
    return proc


# --- describing and comparing ---------------------------------------------------------------------


def cognito_client(endpoint_url: str) -> CognitoIdentityProviderClient:
    """boto3 Cognito on the embedded server."""
    import boto3

    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def describe_pool(cognito: CognitoIdentityProviderClient, pool_id: str) -> dict[str, Any]:
    """DescribeUserPool as a plain dict."""
    return dict(cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"])


def describe_client(cognito: CognitoIdentityProviderClient, pool_id: str, client_id: str) -> dict[str, Any]:
    """DescribeUserPoolClient as a plain dict."""
    return dict(cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"])


def changed_paths(kind: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Paths of the update document that differ between two descriptions (poolpatch's own projection)."""
    from poolpatch.pipeline import live_document
    from poolpatch.plan import diff

    return [change.path for change in diff(live_document(kind, before), live_document(kind, after))]  # type: ignore[arg-type]


def short(value: Any, width: int = 70) -> str:
    """A value as compact JSON, cut to ``width``."""
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= width else text[: width - 3] + "..."


def describe_change(change: Mapping[str, Any]) -> str:
    """One ``changes[]`` item as a diff line: ``+`` added, ``-`` removed, ``~`` changed."""
    if "before" not in change:
        return f"+ {change['path']}: {short(change.get('after'))}"
    if "after" not in change:
        return f"- {change['path']}: was {short(change.get('before'))}"
    return f"~ {change['path']}: {short(change['before'], 40)} -> {short(change['after'], 50)}"


def triggers(lambda_config: Mapping[str, Any]) -> list[str]:
    """The names of the configured triggers."""
    return sorted(name for name, value in lambda_config.items() if value and name != "KMSKeyID")


# --- part 1 ---------------------------------------------------------------------------------------


@dataclass
class Seeded:
    """The seeded pools."""

    pool_id: str
    client_id: str
    careless_pool_id: str


def part_one(
    *,
    screen: Screen,
    checks: Checks,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    seeded: Seeded,
    snapshot_dir: Path,
    workdir: Path,
) -> None:
    """The command line: export, plan, apply (pool and client), snapshots, checks, the careless update."""
    pool_id, client_id = seeded.pool_id, seeded.client_id
    pool_before = describe_pool(cognito, pool_id)
    client_before = describe_client(cognito, pool_id, client_id)
    mfa_before = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
    first = len(checks.rows)
    screen.part("Part 1 - the command line (each command is a real `poolpatch` process)")

    screen.step(
        "1. export: the live configuration as an update-ready document",
        "What `aws cognito-idp update-user-pool --cli-input-json` accepts: PoolName (not Name), no read-only",
        "members, no create-only ones, the CloudFormation `aws:` tag left out. Shown abridged.",
    )
    exported = run_shown(screen, cli, "export", "--user-pool-id", pool_id, head=OUTPUT_HEAD_LINES)
    document = json.loads(exported.out) if exported.code == 0 else {}
    checks.check(
        "export: exit 0, UserPoolId + PoolName, no Name",
        exported.code == 0
        and document.get("UserPoolId") == pool_id
        and "PoolName" in document
        and "Name" not in document,
    )
    client_export = cli.run("export", "--user-pool-id", pool_id, "--client-id", client_id)
    checks.check(
        "export client: exit 0, no ClientSecret",
        client_export.code == 0 and "ClientSecret" not in client_export.out,
    )

    patch_file = workdir / "pool-patch.json"
    patch_file.write_text(json.dumps(POOL_PATCH, indent=2) + "\n")
    screen.step(
        "2. plan: what a merge patch would change (nothing is written)",
        f"The patch ({patch_file.name}): " + json.dumps(POOL_PATCH),
        "--detailed-exitcode: 2 means 'there are changes'.",
    )
    plan = run_shown(
        screen,
        cli,
        "plan",
        "--user-pool-id",
        pool_id,
        "--patch",
        f"file://{patch_file}",
        "--detailed-exitcode",
    )
    checks.check(
        "plan --detailed-exitcode: exit 2, 3 changes", plan.code == 2 and "3 change(s)" in plan.plain
    )
    checks.check("plan wrote nothing", describe_pool(cognito, pool_id) == pool_before)

    screen.step(
        "3. apply the same patch",
        "Describe, before snapshot, one complete UpdateUserPool, describe again to verify, after snapshot.",
    )
    applied = run_shown(
        screen,
        cli,
        "apply",
        "--user-pool-id",
        pool_id,
        "--patch",
        f"file://{patch_file}",
        "--snapshot-dir",
        str(snapshot_dir),
        "--reason",
        "SEC-142 longer passwords",
        "--requested-by",
        "demo",
    )
    checks.check(
        "apply pool: exit 0, applied and verified",
        applied.code == 0 and "status: applied" in applied.plain and "equals the plan" in applied.plain,
    )

    client_patch = {
        "CallbackURLs": [*client_before.get("CallbackURLs", []), NEW_CALLBACK],
        "LogoutURLs": [*client_before.get("LogoutURLs", []), NEW_LOGOUT],
    }
    screen.step(
        "4. apply a change to the OAuth app client",
        "UpdateUserPoolClient resets every omitted member (flows, scopes, token validity...) to its default;",
        "poolpatch sends the whole client back with only the URLs added.",
    )
    client_applied = run_shown(
        screen,
        cli,
        "apply",
        "--user-pool-id",
        pool_id,
        "--client-id",
        client_id,
        "--patch",
        json.dumps(client_patch),
        "--snapshot-dir",
        str(snapshot_dir),
    )
    checks.check(
        "apply client: exit 0, applied and verified",
        client_applied.code == 0
        and "status: applied" in client_applied.plain
        and "equals the plan" in client_applied.plain,
    )

    screen.step(
        "5. a change that can never succeed is refused before any write",
        "Sign-in attributes are fixed when a pool is created: exit 1, a stable error code, the remedy.",
    )
    refused = run_shown(
        screen,
        cli,
        "apply",
        "--user-pool-id",
        pool_id,
        "--patch",
        '{"UsernameAttributes": ["phone_number"]}',
        "--snapshot-dir",
        str(snapshot_dir),
    )
    checks.check(
        "immutable setting refused: exit 1, ImmutableSetting",
        refused.code == 1 and "ImmutableSetting" in refused.plain,
    )

    screen.step(
        "6. the snapshot files",
        f"Under {snapshot_dir}, with the S3 key layout:",
        "snapshots/{account}/{region}/{pool}/{pool|client-ID}/{UTC time}-{requestId}/{before|after}.json",
    )
    files = sorted(path for path in snapshot_dir.rglob("*.json"))
    for path in files:
        screen.line(f"    {path.relative_to(snapshot_dir)}  ({path.stat().st_size} bytes)")
    checks.check("4 snapshot files (pool and client, before and after)", len(files) == 4)

    pool_after = describe_pool(cognito, pool_id)
    client_after = describe_client(cognito, pool_id, client_id)
    mfa_after = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
    lambda_before, lambda_after = pool_before["LambdaConfig"], pool_after["LambdaConfig"]
    screen.step("7. what survived: the check table", "Live configuration after the CLI, against before it.")
    for name in triggers(lambda_before):
        checks.check(f"trigger {name} kept", lambda_after.get(name) == lambda_before[name])
    checks.check(
        "PreTokenGenerationConfig still V2_0",
        lambda_after.get("PreTokenGenerationConfig", {}).get("LambdaVersion") == "V2_0",
    )
    checks.check(
        "trigger PostAuthentication added",
        lambda_after.get("PostAuthentication") == POOL_PATCH["LambdaConfig"]["PostAuthentication"],
    )
    policy_before = pool_before["Policies"]["PasswordPolicy"]
    checks.check(
        "password MinimumLength 14, rest of the policy kept",
        pool_after["Policies"]["PasswordPolicy"] == {**policy_before, "MinimumLength": 14},
    )
    for member in (
        "EmailConfiguration",
        "MfaConfiguration",
        "SmsConfiguration",
        "DeletionProtection",
        "VerificationMessageTemplate",
        "AdminCreateUserConfig",
        "SchemaAttributes",
    ):
        checks.check(
            f"{member} kept",
            pool_after.get(member) == pool_before.get(member),
            "" if member == "SmsConfiguration" else short(pool_after.get(member), 50),
        )
    checks.check(
        "MFA: SMS + TOTP config kept",
        {k: v for k, v in mfa_after.items() if k != "ResponseMetadata"}
        == {k: v for k, v in mfa_before.items() if k != "ResponseMetadata"},
    )
    checks.check(
        "tags kept (incl. aws:cloudformation:*), new tag added",
        pool_after.get("UserPoolTags")
        == {**pool_before.get("UserPoolTags", {}), **POOL_PATCH["UserPoolTags"]},
    )
    for member in (
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "AllowedOAuthFlowsUserPoolClient",
        "ExplicitAuthFlows",
        "AccessTokenValidity",
        "IdTokenValidity",
        "RefreshTokenValidity",
        "TokenValidityUnits",
        "DefaultRedirectURI",
        "SupportedIdentityProviders",
        "ReadAttributes",
        "WriteAttributes",
        "PreventUserExistenceErrors",
        "EnableTokenRevocation",
        "AuthSessionValidity",
    ):
        checks.check(
            f"client {member} kept",
            client_after.get(member) == client_before.get(member),
            short(client_after.get(member), 50),
        )
    checks.check(
        "client callback + logout URLs added",
        client_after.get("CallbackURLs") == client_patch["CallbackURLs"]
        and client_after.get("LogoutURLs") == client_patch["LogoutURLs"],
    )
    secret = str(client_before.get("ClientSecret", ""))
    checks.check(
        "client secret unchanged (compared, never shown)", client_after.get("ClientSecret") == secret
    )
    leaked = bool(secret) and (
        any(secret in text for text in cli.outputs) or any(secret in path.read_text() for path in files)
    )
    checks.check("client secret in no output and no snapshot", not leaked)
    checks.show(first)

    careless(screen, checks, cognito, seeded.careless_pool_id)


def careless(screen: Screen, checks: Checks, cognito: CognitoIdentityProviderClient, pool_id: str) -> None:
    """The same password change with plain boto3 on the second pool: what poolpatch exists to prevent."""
    first = len(checks.rows)
    before = describe_pool(cognito, pool_id)
    screen.step(
        "8. for comparison: the careless update, with plain boto3 on a second, identical pool",
        "cognito.update_user_pool(UserPoolId=..., Policies={'PasswordPolicy': {..., 'MinimumLength': 14}})",
        "UpdateUserPool replaces the whole configuration: everything omitted goes back to its default.",
    )
    policy = {**before["Policies"]["PasswordPolicy"], "MinimumLength": 14}
    cognito.update_user_pool(UserPoolId=pool_id, Policies={"PasswordPolicy": policy})  # type: ignore[misc,arg-type]
    after = describe_pool(cognito, pool_id)
    rows = [
        ("triggers", triggers(before.get("LambdaConfig", {})), triggers(after.get("LambdaConfig", {}))),
        (
            "EmailConfiguration.SourceArn",
            before.get("EmailConfiguration", {}).get("SourceArn"),
            after.get("EmailConfiguration", {}).get("SourceArn"),
        ),
        (
            "UserPoolTags (keys)",
            sorted(before.get("UserPoolTags", {})),
            sorted(after.get("UserPoolTags", {})),
        ),
        (
            "VerificationMessageTemplate.EmailSubject",
            before.get("VerificationMessageTemplate", {}).get("EmailSubject"),
            after.get("VerificationMessageTemplate", {}).get("EmailSubject"),
        ),
        (
            "MinimumLength",
            before["Policies"]["PasswordPolicy"]["MinimumLength"],
            after["Policies"]["PasswordPolicy"]["MinimumLength"],
        ),
    ]
    for name, old, new in rows:
        marker = screen.paint("LOST", "1;31") if old != new and name != "MinimumLength" else "    "
        screen.line(f"    {marker} {name:<42} {short(old, 48):<50} -> {short(new, 48)}")
    lost = sorted(
        set(triggers(before.get("LambdaConfig", {}))) - set(triggers(after.get("LambdaConfig", {})))
    )
    checks.check(
        "careless boto3 update silently dropped the triggers (the fake behaves like Cognito)",
        bool(lost),
        ", ".join(lost),
    )
    checks.show(first)


# --- part 2 ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def quiet_handlers(verbose: bool) -> Iterator[io.StringIO]:
    """Capture what the handlers print (Powertools JSON logs and metrics) unless ``verbose``."""
    buffer = io.StringIO()
    if verbose:
        yield buffer
        return
    with contextlib.redirect_stdout(buffer):
        yield buffer


def part_two(
    screen: Screen,
    checks: Checks,
    cognito: CognitoIdentityProviderClient,
    seeded: Seeded,
    endpoint_url: str,
    *,
    verbose: bool,
) -> None:
    """The event-driven path through the real intake and apply handlers."""
    first = len(checks.rows)
    screen.part("Part 2 - the event-driven path (EventBridge -> intake -> ChangeQueue.fifo -> apply)")
    try:
        from poolpatch_fake.stack import EmbeddedStack, change_request
    except ImportError as exc:
        screen.line(f"    poolpatch_fake.stack is not available ({exc}); skipping the event-driven path.")
        checks.check("event-driven path available", False, str(exc))
        return
    if not verbose:
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    pool_id = seeded.pool_id
    screen.step(
        "1. the stack, as template.yaml creates it, on the same moto server",
        "Versioned, encrypted snapshot bucket; ChangeQueue.fifo with its DLQ; the idempotency table;",
        "an event bus whose rule delivers 'User Pool Change Requested' events to intake; a rule on results.",
    )
    with EmbeddedStack(endpoint_url, log_level="INFO" if verbose else "WARNING") as stack:
        screen.line(
            f"    bus {stack.event_bus_name}, queue {stack.queue_url.rsplit('/', 1)[-1]}, "
            f"bucket {stack.bucket}, table {stack.table}"
        )
        before = describe_pool(cognito, pool_id)
        run = _pipeline(screen, stack, verbose)

        plan_request = change_request(
            pool_id,
            PIPELINE_PATCH,
            request_id="demo-invite-only-plan",
            mode="plan",
            reason="SEC-7: invite-only sign-up, pre-authentication checks",
        )
        screen.step("2. a plan-mode request on the bus", "detail: " + short(plan_request, 96))
        planned = run(plan_request)
        plan_events = [event for event in planned if event.get("detail-type") == "User Pool Change Planned"]
        for change in plan_events[0]["detail"]["changes"] if plan_events else []:
            screen.line(f"    {describe_change(change)}")
        checks.check(
            "plan request -> 'User Pool Change Planned', 2 changes, nothing written",
            len(plan_events) == 1
            and len(plan_events[0]["detail"]["changes"]) == 2
            and describe_pool(cognito, pool_id) == before,
        )

        request = {**plan_request, "requestId": "demo-invite-only", "mode": "apply", "requestedBy": "demo"}
        screen.step("3. the same change in apply mode", "detail: " + short(request, 96))
        applied = run(request)
        events = [event for event in applied if event.get("detail-type") == "User Pool Change Applied"]
        detail = events[0]["detail"] if events else {}
        screen.line("    result event:")
        screen.block(
            json.dumps(
                {"detail-type": events[0]["detail-type"], "source": events[0]["source"], "detail": detail},
                indent=2,
            )
            if events
            else "(none)",
            head=40,
        )
        checks.check(
            "apply request -> 'User Pool Change Applied', status applied, verified",
            detail.get("status") == "applied" and detail.get("verification") == {"differences": []},
        )

        screen.step("4. the snapshots in S3", f"s3://{stack.bucket}/")
        keys = stack.snapshot_keys()
        for key in keys:
            screen.line(f"    {key}")
        references = detail.get("snapshots", {})
        checks.check(
            "before + after snapshots in S3, as the result reports them",
            len(keys) == 2 and {f"s3://{stack.bucket}/{key}" for key in keys} == set(references.values()),
        )
        if references.get("before"):
            snapshot = stack.snapshot(references["before"])
            screen.line(
                f"    before.json: request {snapshot['request'].get('requestId')!r}, reason "
                f"{snapshot['request'].get('reason')!r}, {len(snapshot['updateDocument'])} update members"
            )

        screen.step(
            "5. proof that nothing else changed",
            "The pool's update document before and after, compared path by path:",
        )
        after = describe_pool(cognito, pool_id)
        paths = changed_paths("pool", before, after)
        for path in paths:
            screen.line(f"    changed: {path}")
        wanted = ["/AdminCreateUserConfig/AllowAdminCreateUserOnly", "/LambdaConfig/PreAuthentication"]
        checks.check("only the two requested paths changed", sorted(paths) == wanted, ", ".join(paths))
        checks.check(
            "all triggers of before still there",
            all(after["LambdaConfig"].get(k) == v for k, v in before["LambdaConfig"].items()),
        )

        screen.step(
            "6. the same requestId again", "Redelivery must not write twice (FIFO dedup + idempotency)."
        )
        again = run(request)
        statuses = [event.get("detail", {}).get("status") for event in again] or "none"
        screen.line(
            f"    result events: {statuses} (the recorded result, replayed); "
            f"snapshot objects still: {len(stack.snapshot_keys())}"
        )
        checks.check(
            "repeat wrote nothing new",
            len(stack.snapshot_keys()) == 2
            and describe_pool(cognito, pool_id)["LastModifiedDate"] == after["LastModifiedDate"],
        )
        dlq = stack.dlq_messages()
        checks.check("queue drained, DLQ empty", stack.queue_depth() == 0 and not dlq)
    checks.show(first)


def _pipeline(
    screen: Screen, stack: Any, verbose: bool
) -> Callable[[Mapping[str, Any]], list[dict[str, Any]]]:
    def run(detail: Mapping[str, Any]) -> list[dict[str, Any]]:
        event_id = stack.put_request(dict(detail))
        with quiet_handlers(verbose) as captured:
            intake = stack.run_intake()
            batches = stack.run_apply()
        records = sum(len(batch.message_ids) for batch in batches)
        failed = sum(len(batch.failed_ids) for batch in batches)
        logs = len(captured.getvalue().splitlines())
        screen.line(
            screen.paint(
                f"    PutEvents -> event {event_id}; intake ran {len(intake)}x; apply ran "
                f"{len(batches)} batch(es), {records} record(s), {failed} failed"
                + (f"; {logs} handler log lines captured" if logs else ""),
                "2",
            )
        )
        return stack.results()  # type: ignore[no-any-return]

    return run


# --- part 4 ---------------------------------------------------------------------------------------


class Recorder(io.TextIOBase):
    """Writes through to ``inner`` and keeps a copy: what the part printed, scanned for the secret."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        """Record, then write through."""
        self.parts.append(text)
        return self.inner.write(text)

    def flush(self) -> None:
        """Flush the stream written through."""
        self.inner.flush()

    def text(self) -> str:
        """Everything written so far."""
        return "".join(self.parts)


def _plain(document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "ResponseMetadata"}


def part_four(
    *,
    screen: Screen,
    checks: Checks,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    snapshot_dir: Path,
    workdir: Path,
) -> None:
    """Configuration kinds: MFA, a resource server scope, an identity provider with its secret kept."""
    from poolpatch_fake import seed

    first = len(checks.rows)
    secret = f"demo-oidc-{secrets.token_hex(16)}"  # planted, compared, never printed
    recorder = Recorder(screen.out)
    screen.out = recorder  # type: ignore[assignment]
    outputs_from = len(cli.outputs)
    try:
        screen.part("Part 4 - configuration kinds beyond the pool and the client (--kind, --name)")
        staff = cognito.create_user_pool(PoolName="acme-staff-dev")["UserPool"]["Id"]
        full = seed.full_pool(cognito, oidc_client_secret=secret)
        screen.line(
            f"    seeded user pool {staff} (acme-staff-dev, MFA OFF) and {full.user_pool_id} "
            f"(acme-partners-prod, every kind: domain {full.domain}, "
            f"identity providers {', '.join(full.identity_providers)}, "
            f"resource server {full.resource_server}, groups, risk, UI, branding, log delivery)"
        )
        _mfa_steps(screen, checks, cli=cli, cognito=cognito, pool_id=staff, snapshot_dir=snapshot_dir)
        _resource_server_steps(screen, checks, cli=cli, cognito=cognito, full=full, snapshot_dir=snapshot_dir)
        _identity_provider_steps(
            screen, checks, cli=cli, cognito=cognito, full=full, snapshot_dir=snapshot_dir, workdir=workdir
        )
    finally:
        screen.out = recorder.inner
    written = (
        [path for path in snapshot_dir.rglob("*.json") if f"/{full.user_pool_id}/" in str(path)]
        if snapshot_dir.exists()
        else []
    )
    printed = recorder.text() + "".join(cli.outputs[outputs_from:])
    checks.check(
        "identity provider secret in no output of this part (compared, never shown)",
        bool(printed) and secret not in printed,
    )
    checks.check(
        "identity provider secret in none of its snapshots",
        bool(written) and all(secret not in path.read_text() for path in written),
        f"{len(written)} files",
    )
    checks.show(first)


def _mfa_steps(
    screen: Screen,
    checks: Checks,
    *,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    pool_id: str,
    snapshot_dir: Path,
) -> None:
    pool_before = describe_pool(cognito, pool_id)
    mfa_before = _plain(cognito.get_user_pool_mfa_config(UserPoolId=pool_id))
    screen.step(
        "1. MFA cannot be turned on with a pool patch",
        "UpdateUserPool refuses OFF -> ON; poolpatch refuses it before any write and names the `mfa` kind.",
    )
    refused = run_shown(
        screen, cli, "apply", "--user-pool-id", pool_id, "--patch", '{"MfaConfiguration": "ON"}',
        "--snapshot-dir", str(snapshot_dir),
    )  # fmt: skip
    checks.check(
        "pool patch MfaConfiguration ON refused: exit 1, ImmutableSetting, remedy --kind mfa",
        refused.code == 1 and "ImmutableSetting" in refused.plain and "--kind mfa" in refused.plain,
    )
    checks.check(
        "refused: DescribeUserPool unchanged (MFA OFF)",
        describe_pool(cognito, pool_id) == pool_before and pool_before.get("MfaConfiguration") == "OFF",
    )
    screen.step(
        "2. the mfa kind: SetUserPoolMfaConfig with a factor",
        "GetUserPoolMfaConfig -> merge the patch -> SetUserPoolMfaConfig (a full replace) -> read back.",
    )
    applied = run_shown(
        screen, cli, "apply", "--user-pool-id", pool_id, "--kind", "mfa", "--patch", json.dumps(MFA_ON),
        "--snapshot-dir", str(snapshot_dir),
    )  # fmt: skip
    checks.check(
        "apply --kind mfa: exit 0, applied and verified",
        applied.code == 0 and "status: applied" in applied.plain and "equals the plan" in applied.plain,
    )
    mfa_after = _plain(cognito.get_user_pool_mfa_config(UserPoolId=pool_id))
    checks.check(
        "GetUserPoolMfaConfig: MfaConfiguration ON, TOTP enabled",
        mfa_after.get("MfaConfiguration") == "ON"
        and mfa_after.get("SoftwareTokenMfaConfiguration") == {"Enabled": True},
        f"was {short(mfa_before, 60)}",
    )
    checks.check(
        "DescribeUserPool: MfaConfiguration ON",
        describe_pool(cognito, pool_id).get("MfaConfiguration") == "ON",
    )


def _resource_server_steps(
    screen: Screen,
    checks: Checks,
    *,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    full: Any,
    snapshot_dir: Path,
) -> None:
    target = ["--user-pool-id", full.user_pool_id, "--kind", "resourceServer", "--name", full.resource_server]
    before: dict[str, Any] = dict(
        cognito.describe_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)[
            "ResourceServer"
        ]
    )
    screen.step(
        "3. a resource server: add a scope, keep the others",
        "UpdateResourceServer resets omitted Scopes; in a merge patch a list replaces the whole list, so the",
        "patch is the exported Scopes plus the new one.",
    )
    exported = run_shown(screen, cli, "export", *target)
    scopes = json.loads(exported.out).get("Scopes", []) if exported.code == 0 else []
    patch = {"Scopes": [*scopes, NEW_SCOPE]}
    screen.line(screen.paint(f"    patch: {short(patch, 90)}", "2"))
    applied = run_shown(
        screen, cli, "apply", *target, "--patch", json.dumps(patch), "--snapshot-dir", str(snapshot_dir)
    )
    after: dict[str, Any] = dict(
        cognito.describe_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)[
            "ResourceServer"
        ]
    )
    checks.check(
        "apply --kind resourceServer: exit 0, applied and verified",
        applied.code == 0 and "status: applied" in applied.plain and "equals the plan" in applied.plain,
    )
    checks.check(
        "DescribeResourceServer: the scopes before, then refunds.write",
        after.get("Scopes") == [*before.get("Scopes", []), NEW_SCOPE] and len(before.get("Scopes", [])) == 3,
        ", ".join(scope["ScopeName"] for scope in after.get("Scopes", [])),
    )
    checks.check("DescribeResourceServer: Name kept", after.get("Name") == before.get("Name"))


def _identity_provider_steps(
    screen: Screen,
    checks: Checks,
    *,
    cli: Cli,
    cognito: CognitoIdentityProviderClient,
    full: Any,
    snapshot_dir: Path,
    workdir: Path,
) -> None:
    name = full.identity_providers[0]
    target = ["--user-pool-id", full.user_pool_id, "--kind", "identityProvider", "--name", name]

    def describe() -> dict[str, Any]:
        response = cognito.describe_identity_provider(UserPoolId=full.user_pool_id, ProviderName=name)
        return dict(response["IdentityProvider"])

    before = describe()
    screen.step(
        "4. an identity provider: export it, change an attribute mapping, apply the export back",
        'DescribeIdentityProvider returns the OIDC client_secret in plain text; export shows "<redacted>",',
        "and \"<redacted>\" in a patch means 'keep the live value': the secret never leaves AWS.",
    )
    exported = run_shown(screen, cli, "export", *target)
    document = json.loads(exported.out) if exported.code == 0 else {}
    checks.check(
        "export --kind identityProvider: client_secret shown as <redacted>",
        document.get("ProviderDetails", {}).get("client_secret") == "<redacted>",
    )
    patch = {key: value for key, value in document.items() if key not in {"UserPoolId", "ProviderName"}}
    patch["AttributeMapping"] = {**patch.get("AttributeMapping", {}), "name": "preferred_username"}
    patch_file = workdir / "idp-patch.json"
    patch_file.write_text(json.dumps(patch, indent=2) + "\n")
    screen.line(
        screen.paint(f"    {patch_file.name}: the export without its ids, AttributeMapping.name edited", "2")
    )
    applied = run_shown(
        screen, cli, "apply", *target, "--patch", f"file://{patch_file}", "--snapshot-dir", str(snapshot_dir)
    )
    after = describe()
    checks.check(
        "apply --kind identityProvider: exit 0, one change (/AttributeMapping/name), verified",
        applied.code == 0
        and "status: applied" in applied.plain
        and "1 change(s)" in applied.plain
        and "~ /AttributeMapping/name" in applied.plain
        and "equals the plan" in applied.plain,
    )
    checks.check(
        "DescribeIdentityProvider: AttributeMapping.name changed, the rest kept",
        after.get("AttributeMapping") == {**before.get("AttributeMapping", {}), "name": "preferred_username"},
        short(after.get("AttributeMapping"), 60),
    )
    checks.check(
        "DescribeIdentityProvider: ProviderDetails kept, client_secret included (compared, never shown)",
        after.get("ProviderDetails") == before.get("ProviderDetails")
        and bool(before.get("ProviderDetails", {}).get("client_secret")),
    )


# --- main -----------------------------------------------------------------------------------------


def _use_color(no_color: bool) -> bool:
    if no_color or os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the walkthrough; 0 when every check passes, 1 otherwise, 130 on Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m poolpatch_fake.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--snapshot-dir", help="keep the CLI's snapshots here (default: a temporary folder)")
    parser.add_argument("--no-color", action="store_true", help="plain output (also NO_COLOR=1)")
    parser.add_argument("--verbose", action="store_true", help="show the handlers' Powertools logs")
    args = parser.parse_args(argv)
    screen = Screen(sys.stdout, color=_use_color(args.no_color))
    checks = Checks(screen)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="poolpatch-demo-"))
    snapshot_dir = Path(args.snapshot_dir).resolve() if args.snapshot_dir else workdir / "cli-snapshots"
    for name, value in {**CREDENTIALS, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}.items():
        os.environ[name] = value
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    try:
        from poolpatch_fake import seed
        from poolpatch_fake.server import FakeServer

        with FakeServer() as server:
            screen.part("poolpatch - safe changes to Amazon Cognito user pools, on the embedded default")
            screen.line(f"    moto server with the faithful Cognito fake: ENDPOINT={server.endpoint_url}")
            cognito = cognito_client(server.endpoint_url)
            pool_id, client_id = seed.realistic_pool(cognito)
            careless_pool_id, _ = seed.realistic_pool(cognito)
            pool = describe_pool(cognito, pool_id)
            screen.line(
                f"    seeded user pool {pool_id} ({pool['Name']}): triggers "
                f"{', '.join(triggers(pool['LambdaConfig']))}; SES email; MFA {pool['MfaConfiguration']}; "
                f"tags {sorted(pool.get('UserPoolTags', {}))}"
            )
            screen.line(
                f"    seeded OAuth app client {client_id} (code flow, openid/email/profile, token units); "
                f"a second identical pool {careless_pool_id} for the comparison"
            )
            seeded = Seeded(pool_id, client_id, careless_pool_id)
            cli = Cli(server.endpoint_url, screen.color)
            part_one(
                screen=screen,
                checks=checks,
                cli=cli,
                cognito=cognito,
                seeded=seeded,
                snapshot_dir=snapshot_dir,
                workdir=workdir,
            )
            part_two(screen, checks, cognito, seeded, server.endpoint_url, verbose=args.verbose)
            from poolpatch_fake.demo_drift import part_three

            part_three(
                screen,
                checks,
                cli=cli,
                cognito=cognito,
                endpoint_url=server.endpoint_url,
                workdir=workdir,
                verbose=args.verbose,
            )
            part_four(
                screen=screen,
                checks=checks,
                cli=cli,
                cognito=cognito,
                snapshot_dir=snapshot_dir,
                workdir=workdir,
            )
            from poolpatch_fake.demo_clone import part_five

            part_five(
                screen, checks, cli=cli, cognito=cognito, snapshot_dir=snapshot_dir, trigger_arn=TRIGGER_ARN
            )
    except KeyboardInterrupt:
        screen.line("\ninterrupted: the server is stopped.")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    screen.part("Summary")
    failed = checks.failed
    total = len(checks.rows)
    elapsed = time.monotonic() - started
    if failed:
        screen.line(screen.paint(f"    {len(failed)} of {total} checks FAILED in {elapsed:.1f}s:", "1;31"))
        for name in failed:
            screen.line(f"      - {name}")
        return 1
    screen.line(
        screen.paint(f"    all {total} checks PASS in {elapsed:.1f}s; the server is stopped.", "1;32")
    )
    if args.snapshot_dir:
        screen.line(f"    the CLI's snapshots are kept in {snapshot_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
