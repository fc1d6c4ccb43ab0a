"""The ``poolpatch`` command line in-process, against moto with the faithful Cognito fake installed.

Every command and option of design.md "Command line" is exercised through :func:`poolpatch.cli.main`
with captured stdout/stderr; ``--endpoint-url`` stays unset so ``mock_aws`` serves every call. Runs of
the installed console script as a real process live in tests/integration/test_cli_http.py.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.cli import Run
from helpers.events import load_event
from poolpatch import model
from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.adapters.session import AwsContext
from poolpatch.cli import build_parser, main
from poolpatch.request import Target
from poolpatch_fake import seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_s3 import S3Client

REGION: Final = "eu-west-1"
ACCOUNT = seed.ACCOUNT_ID
ANSI = "\x1b["
POST_AUTH = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-auth-post-authentication"
PATCH: dict[str, Any] = {
    "Policies": {"PasswordPolicy": {"MinimumLength": 14}},
    "UserPoolTags": {"owner": "platform"},
    "LambdaConfig": {"PostAuthentication": POST_AUTH},
}
STAMPED_DIR = r"\d{8}T\d{6}Z-"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def cli(*argv: str, tty: bool = False) -> Run:
    """Run ``poolpatch argv`` in-process."""
    out: io.StringIO = _Tty() if tty else io.StringIO()
    err = io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class Seeded:
    """The realistic pool and its OAuth client, with a boto3 client to look at them."""

    cognito: CognitoIdentityProviderClient
    pool_id: str
    client_id: str

    def pool(self) -> dict[str, Any]:
        """DescribeUserPool."""
        return dict(self.cognito.describe_user_pool(UserPoolId=self.pool_id)["UserPool"])

    def client(self) -> dict[str, Any]:
        """DescribeUserPoolClient."""
        response = self.cognito.describe_user_pool_client(UserPoolId=self.pool_id, ClientId=self.client_id)
        return dict(response["UserPoolClient"])


@pytest.fixture
def seeded() -> Iterator[Seeded]:
    """moto + the fake, with the realistic pool seeded."""
    with mock_aws(), poolpatch_fake.installed():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id, client_id = seed.realistic_pool(cognito)
        yield Seeded(cognito, pool_id, client_id)


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    """An empty local snapshot folder."""
    return tmp_path / "snapshots-root"


@pytest.fixture
def bucket(seeded: Seeded) -> tuple[S3Client, str]:
    """A moto S3 bucket for snapshots."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="poolpatch-snapshots-test", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return s3, "poolpatch-snapshots-test"


def files_under(root: Path) -> list[str]:
    """Relative paths of the files below ``root``, sorted."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def pointer_lines(text: str) -> list[str]:
    """The diff's path lines (``+ /a``, ``- /a``, ``~ /a``)."""
    return [line.strip() for line in text.splitlines() if re.match(r"^\s+[+~-] /", line)]


def pool_apply(seeded: Seeded, root: Path, patch: Mapping[str, Any], *extra: str) -> Run:
    """``poolpatch apply`` of a pool patch, snapshots under ``root``."""
    return cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        json.dumps(patch),
        "--snapshot-dir",
        str(root),
        *extra,
    )


# --- export ---------------------------------------------------------------------------------------


def test_export_pool_is_update_ready_and_round_trips(seeded: Seeded) -> None:
    # Given the realistic pool
    before = seeded.pool()

    # When it is exported
    run = cli("export", "--user-pool-id", seeded.pool_id)

    # Then the document names the pool, uses PoolName, and UpdateUserPool accepts it as-is
    assert run.code == 0, run.err
    exported = run.json()
    assert exported["UserPoolId"] == seeded.pool_id
    assert exported["PoolName"] == "acme-customers-prod"
    assert "Name" not in exported
    assert not {"Id", "Arn", "CreationDate", "LastModifiedDate", "SchemaAttributes"} & exported.keys()
    assert set(exported) - {"UserPoolId"} <= set(model.update_members("pool"))
    assert exported["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert "aws:cloudformation:stack-name" not in exported["UserPoolTags"]
    seeded.cognito.update_user_pool(**exported)  # botocore validates the parameters first
    after = seeded.pool()
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert changed == {"LastModifiedDate"}
    # ... and with no secret in it, no redaction warning
    assert "<redacted>" not in run.err


def test_export_client_has_no_secret_and_round_trips(seeded: Seeded) -> None:
    # Given the OAuth client, which has a secret
    secret = seeded.client()["ClientSecret"]
    before = seeded.client()

    # When it is exported
    run = cli("export", "--user-pool-id", seeded.pool_id, "--client-id", seeded.client_id)

    # Then both ids are there, the secret is not, and UpdateUserPoolClient accepts the document unchanged
    assert run.code == 0, run.err
    exported = run.json()
    assert (exported["UserPoolId"], exported["ClientId"]) == (seeded.pool_id, seeded.client_id)
    assert "ClientSecret" not in run.out
    assert secret not in run.out + run.err
    assert set(exported) - {"UserPoolId", "ClientId"} <= set(model.update_members("client"))
    seeded.cognito.update_user_pool_client(**exported)
    after = seeded.client()
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert changed == {"LastModifiedDate"}


def test_export_prints_last_modified_date_on_stderr_for_the_precondition(
    seeded: Seeded, snapshots: Path
) -> None:
    # Given an exported pool (stdout stays pure JSON; the date goes to stderr)
    run = cli("export", "--user-pool-id", seeded.pool_id)
    assert run.code == 0
    json.loads(run.out)
    match = re.fullmatch(r'LastModifiedDate: "([^"]+)"\n', run.err)
    assert match is not None, run.err

    # When that date is the precondition of a change
    applied = pool_apply(seeded, snapshots, PATCH, "--expected-last-modified-date", match.group(1))

    # Then the change goes through
    assert applied.code == 0, applied.out
    assert "status: applied" in applied.out


def test_export_unknown_pool_exits_1_with_code(seeded: Seeded) -> None:
    # Given a pool id that does not exist
    # When it is exported
    run = cli("export", "--user-pool-id", f"{REGION}_doesNotExist1")

    # Then exit 1, NotFound on stderr, nothing on stdout
    assert run.code == 1
    assert run.err.startswith("error: NotFound:")
    assert run.out == ""


# --- skeleton -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pool", "client"])
def test_skeleton_is_json_covering_every_update_member(kind: str) -> None:
    # Given nothing but the service model
    # When the skeleton is printed
    run = cli("skeleton", kind)

    # Then it is JSON with every member of the update input except the ids
    assert run.code == 0
    skeleton = run.json()
    assert set(skeleton) == set(model.update_members(kind))
    assert not {"UserPoolId", "ClientId"} & skeleton.keys()


def test_skeleton_pool_nests_structures() -> None:
    # Given the pool skeleton
    # When it is printed
    skeleton = cli("skeleton", "pool").json()

    # Then nested structures are spelled out (triggers, the V2 trigger config, password policy)
    assert "PostAuthentication" in skeleton["LambdaConfig"]
    assert "LambdaVersion" in skeleton["LambdaConfig"]["PreTokenGenerationConfig"]
    assert "MinimumLength" in skeleton["Policies"]["PasswordPolicy"]


def test_skeleton_rejects_other_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a kind that is neither pool nor client
    # When it is asked for
    with pytest.raises(SystemExit) as exited:
        cli("skeleton", "identity-pool")

    # Then it is a usage error: exit 1 (2 means "changes planned")
    assert exited.value.code == 1
    assert "invalid choice" in capsys.readouterr().err


# --- plan -----------------------------------------------------------------------------------------


def test_plan_text_is_a_readable_diff_and_writes_nothing(seeded: Seeded, snapshots: Path) -> None:
    # Given the realistic pool
    before = seeded.pool()

    # When a patch is planned (plain text, not a terminal)
    run = cli(
        "plan",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        json.dumps(PATCH),
        "--snapshot-dir",
        str(snapshots),
    )

    # Then each changed path is a +/~ line with its values, the status is planned, nothing was written
    assert run.code == 0, run.err
    assert pointer_lines(run.out) == [
        "~ /Policies/PasswordPolicy/MinimumLength",
        "+ /LambdaConfig/PostAuthentication",
        "+ /UserPoolTags/owner",
    ]
    assert "- 12" in run.out
    assert "+ 14" in run.out
    assert f'+ "{POST_AUTH}"' in run.out
    assert "status: planned" in run.out
    assert "3 change(s)" in run.out
    assert ANSI not in run.out
    assert seeded.pool() == before
    assert not snapshots.exists()


def test_plan_shows_removals_with_minus(seeded: Seeded) -> None:
    # Given a pool with a CustomMessage trigger
    # When a patch removes it (null)
    run = cli(
        "plan", "--user-pool-id", seeded.pool_id, "--patch", '{"LambdaConfig": {"CustomMessage": null}}'
    )

    # Then the diff shows a "-" line with the old value
    assert run.code == 0, run.err
    assert pointer_lines(run.out) == ["- /LambdaConfig/CustomMessage"]
    assert "acme-auth-custom-message" in run.out


def test_plan_is_colored_when_forced(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given FORCE_COLOR=1 and no NO_COLOR
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")

    # When a patch is planned to a non-terminal
    run = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH))

    # Then the diff carries ANSI colours (green additions, yellow changes)
    assert run.code == 0, run.err
    assert "\x1b[32m  + /LambdaConfig/PostAuthentication" in run.out
    assert "\x1b[33m  ~ /Policies/PasswordPolicy/MinimumLength" in run.out


def test_plan_is_colored_on_a_terminal(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no colour variables at all
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    # When a patch is planned to a terminal, and to a pipe
    on_tty = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH), tty=True)
    piped = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH))

    # Then only the terminal gets colours
    assert ANSI in on_tty.out
    assert ANSI not in piped.out


@pytest.mark.parametrize(
    ("env", "flag"), [({"NO_COLOR": "1", "FORCE_COLOR": "1"}, ()), ({"FORCE_COLOR": "1"}, ("--no-color",))]
)
def test_no_color_wins(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], flag: tuple[str, ...]
) -> None:
    # Given NO_COLOR or --no-color, even with FORCE_COLOR and a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    # When a patch is planned
    run = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH), *flag, tty=True)

    # Then the diff is plain
    assert run.code == 0, run.err
    assert ANSI not in run.out
    assert "~ /Policies/PasswordPolicy/MinimumLength" in run.out


def test_plan_json_is_the_result_document(seeded: Seeded) -> None:
    # Given the realistic pool
    # When a patch is planned with --output json
    run = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH), "--output", "json")

    # Then stdout is the result document: planned, the target resolved, before/after per path, no snapshots
    assert run.code == 0, run.err
    result = run.json()
    assert result["status"] == "planned"
    assert result["target"] == {"userPoolId": seeded.pool_id, "accountId": ACCOUNT, "region": REGION}
    assert result["requestId"].startswith("cli-")
    assert {"path": "/Policies/PasswordPolicy/MinimumLength", "before": 12, "after": 14} in result["changes"]
    assert {"path": "/LambdaConfig/PostAuthentication", "after": POST_AUTH} in result["changes"]
    assert "snapshots" not in result
    assert "error" not in result


def test_plan_detailed_exitcode(seeded: Seeded) -> None:
    # Given one patch that changes something and one that restates the live value
    same = {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}}

    # When both are planned with --detailed-exitcode, and the changing one without it
    changing = cli(
        "plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH), "--detailed-exitcode"
    )
    no_op = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(same), "--detailed-exitcode")
    plain = cli("plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH))

    # Then 2 with changes, 0 without, and 0 when the flag is absent
    assert changing.code == 2
    assert no_op.code == 0
    assert "status: unchanged" in no_op.out
    assert plain.code == 0


def test_plan_rejected_patch_exits_1_even_with_detailed_exitcode(seeded: Seeded) -> None:
    # Given an immutable member in the patch
    # When it is planned with --detailed-exitcode
    run = cli(
        "plan",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        '{"UsernameAttributes": ["phone_number"]}',
        "--detailed-exitcode",
    )

    # Then exit 1 with the code, not 2
    assert run.code == 1
    assert "ImmutableSetting" in run.out


def test_plan_request_document_is_forced_to_plan_mode(seeded: Seeded, tmp_path: Path) -> None:
    # Given a full request in apply mode
    request = load_event("request-pool")
    request["target"]["userPoolId"] = seeded.pool_id
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    before = seeded.pool()

    # When it is given to plan
    run = cli("plan", "--request", f"file://{path}", "--output", "json")

    # Then it is planned under its own request id, and nothing is written
    assert run.code == 0, run.err
    assert run.json()["status"] == "planned"
    assert run.json()["requestId"] == request["requestId"]
    assert seeded.pool() == before


# --- apply ----------------------------------------------------------------------------------------


def test_apply_patch_json_changes_only_what_it_names(seeded: Seeded, snapshots: Path) -> None:
    # Given the realistic pool
    before = seeded.pool()

    # When the patch is applied as JSON text
    run = pool_apply(seeded, snapshots, PATCH)

    # Then it is applied and verified, and every other setting survived (triggers, SES, MFA, tags)
    assert run.code == 0, run.err
    assert "status: applied" in run.out
    assert "verification: the live configuration equals the plan" in run.out
    # (the seeded pool is a stack's: its ownership warning is the only thing on stderr)
    assert run.err.splitlines() == [
        line for line in run.err.splitlines() if "owned by CloudFormation stack" in line
    ]
    assert len(run.err.splitlines()) == 1
    after = seeded.pool()
    assert after["Policies"]["PasswordPolicy"] == {
        **before["Policies"]["PasswordPolicy"],
        "MinimumLength": 14,
    }
    assert after["LambdaConfig"] == {**before["LambdaConfig"], "PostAuthentication": POST_AUTH}
    assert after["UserPoolTags"] == {**before["UserPoolTags"], "owner": "platform"}
    for member in (
        "EmailConfiguration",
        "MfaConfiguration",
        "SmsConfiguration",
        "DeletionProtection",
        "VerificationMessageTemplate",
        "AdminCreateUserConfig",
        "SchemaAttributes",
    ):
        assert after[member] == before[member], member


def test_apply_writes_local_snapshots_with_the_design_key_layout(seeded: Seeded, snapshots: Path) -> None:
    # Given an empty snapshot folder and a fixed request id
    # When a patch is applied with --reason, --requested-by and --request-id
    run = pool_apply(
        seeded,
        snapshots,
        PATCH,
        "--request-id",
        "chg-42",
        "--reason",
        "SEC-1 longer passwords",
        "--requested-by",
        "alice@example.com",
        "--output",
        "json",
    )

    # Then before.json and after.json sit under snapshots/{account}/{region}/{pool}/pool/{stamp}-{id}/
    assert run.code == 0, run.err
    files = files_under(snapshots)
    prefix = rf"snapshots/{ACCOUNT}/{REGION}/{re.escape(seeded.pool_id)}/pool/{STAMPED_DIR}chg-42/"
    assert len(files) == 2
    assert re.fullmatch(prefix + "after.json", files[0])
    assert re.fullmatch(prefix + "before.json", files[1])
    result = run.json()
    assert result["snapshots"]["before"] == (snapshots / files[1]).resolve().as_uri()
    assert result["snapshots"]["after"] == (snapshots / files[0]).resolve().as_uri()
    before_doc = json.loads((snapshots / files[1]).read_text())
    after_doc = json.loads((snapshots / files[0]).read_text())
    assert before_doc["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert after_doc["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert before_doc["request"]["reason"] == "SEC-1 longer passwords"
    assert before_doc["request"]["requestedBy"] == "alice@example.com"


def test_apply_patch_from_file(seeded: Seeded, snapshots: Path, tmp_path: Path) -> None:
    # Given the patch in a file
    path = tmp_path / "patch.json"
    path.write_text(json.dumps(PATCH))

    # When it is applied with file://PATH
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        f"file://{path}",
        "--snapshot-dir",
        str(snapshots),
        "--output",
        "json",
    )

    # Then it is applied as if given inline
    assert run.code == 0, run.err
    assert run.json()["status"] == "applied"
    assert seeded.pool()["LambdaConfig"]["PostAuthentication"] == POST_AUTH


def test_apply_patch_from_missing_file_is_invalid_request(seeded: Seeded, tmp_path: Path) -> None:
    # Given a file:// path that does not exist
    # When it is applied
    run = cli("apply", "--user-pool-id", seeded.pool_id, "--patch", f"file://{tmp_path}/absent.json")

    # Then exit 1, InvalidRequest on stderr
    assert run.code == 1
    assert run.err.startswith("error: InvalidRequest:")


def test_apply_request_file(seeded: Seeded, snapshots: Path, tmp_path: Path) -> None:
    # Given events/request-pool.json aimed at the seeded pool
    request = load_event("request-pool")
    request["target"]["userPoolId"] = seeded.pool_id
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    before = seeded.pool()

    # When it is applied with --request file://PATH
    run = cli("apply", "--request", f"file://{path}", "--snapshot-dir", str(snapshots), "--output", "json")

    # Then it is applied under its request id, with its reason in the snapshot, and the rest survived
    assert run.code == 0, run.err
    result = run.json()
    assert result["status"] == "applied"
    assert result["requestId"] == request["requestId"]
    after = seeded.pool()
    assert after["Policies"]["PasswordPolicy"]["MinimumLength"] == 14
    assert after["Policies"]["PasswordPolicy"]["RequireSymbols"] is True
    assert after["LambdaConfig"]["PostConfirmation"] == request["patch"]["LambdaConfig"]["PostConfirmation"]
    assert (
        after["LambdaConfig"]["PreTokenGenerationConfig"]
        == before["LambdaConfig"]["PreTokenGenerationConfig"]
    )
    assert after["UserPoolTags"]["cost-center"] == "identity-platform"
    before_doc = json.loads(Path(result["snapshots"]["before"].removeprefix("file://")).read_text())
    assert before_doc["request"]["reason"] == request["reason"]
    assert request["requestId"] in result["snapshots"]["before"]


def test_apply_request_that_is_not_an_object_is_invalid(seeded: Seeded) -> None:
    # Given a JSON list as the request
    # When it is applied
    run = cli("apply", "--request", "[1, 2]")

    # Then exit 1, InvalidRequest
    assert run.code == 1
    assert "InvalidRequest" in run.err


def test_apply_client_patch(seeded: Seeded, snapshots: Path) -> None:
    # Given the OAuth client and its secret
    before = seeded.client()
    secret = before["ClientSecret"]
    patch = {
        "CallbackURLs": [*before["CallbackURLs"], "https://admin.acme.example.com/auth/callback"],
        "LogoutURLs": [*before["LogoutURLs"], "https://admin.acme.example.com/signed-out"],
    }

    # When the client patch is applied
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--client-id",
        seeded.client_id,
        "--patch",
        json.dumps(patch),
        "--snapshot-dir",
        str(snapshots),
        "--output",
        "json",
    )

    # Then the URLs changed, every OAuth setting survived, and the secret is nowhere in output or snapshots
    assert run.code == 0, run.err
    after = seeded.client()
    assert after["CallbackURLs"] == patch["CallbackURLs"]
    assert after["LogoutURLs"] == patch["LogoutURLs"]
    for member in (
        "AllowedOAuthFlows",
        "AllowedOAuthScopes",
        "AllowedOAuthFlowsUserPoolClient",
        "ExplicitAuthFlows",
        "TokenValidityUnits",
        "AccessTokenValidity",
        "IdTokenValidity",
        "RefreshTokenValidity",
        "DefaultRedirectURI",
        "ReadAttributes",
        "WriteAttributes",
    ):
        assert after[member] == before[member], member
    assert after["ClientSecret"] == secret
    files = files_under(snapshots)
    prefix = (
        rf"snapshots/{ACCOUNT}/{REGION}/{re.escape(seeded.pool_id)}/client-{seeded.client_id}/{STAMPED_DIR}"
    )
    assert [bool(re.match(prefix, name)) for name in files] == [True, True]
    for name in files:
        text = (snapshots / name).read_text()
        assert secret not in text
        assert "ClientSecret" not in text
    assert secret not in run.out + run.err


def test_apply_restore_puts_the_snapshot_back(seeded: Seeded, snapshots: Path) -> None:
    # Given a change applied with its before snapshot
    original = seeded.pool()
    applied = pool_apply(seeded, snapshots, PATCH, "--output", "json").json()
    assert seeded.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 14

    # When the before snapshot is restored by its reference
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--restore",
        applied["snapshots"]["before"],
        "--snapshot-dir",
        str(snapshots),
        "--output",
        "json",
    )

    # Then the three changes are reversed and the pool equals the original again
    assert run.code == 0, run.err
    result = run.json()
    assert result["status"] == "applied"
    paths = {change["path"] for change in result["changes"]}
    assert paths == {
        "/Policies/PasswordPolicy/MinimumLength",
        "/LambdaConfig/PostAuthentication",
        "/UserPoolTags/owner",
    }
    restored = seeded.pool()
    for member in ("Policies", "LambdaConfig", "UserPoolTags", "EmailConfiguration", "MfaConfiguration"):
        assert restored[member] == original[member], member


def test_apply_restore_of_another_target_is_rejected(seeded: Seeded, snapshots: Path) -> None:
    # Given a snapshot of the client
    client_patch = {"LogoutURLs": ["https://app.acme.example.com/bye"]}
    applied = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--client-id",
        seeded.client_id,
        "--patch",
        json.dumps(client_patch),
        "--snapshot-dir",
        str(snapshots),
        "--output",
        "json",
    ).json()

    # When it is restored onto the pool
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--restore",
        applied["snapshots"]["before"],
        "--snapshot-dir",
        str(snapshots),
    )

    # Then it is refused
    assert run.code == 1
    assert "InvalidRequest" in run.out


def test_apply_add_custom_attributes(seeded: Seeded, snapshots: Path) -> None:
    # Given a new custom attribute definition
    attribute = [{"Name": "plan", "AttributeDataType": "String", "Mutable": True}]

    # When it is added, then added again, then added with another definition
    first = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        "{}",
        "--add-custom-attributes",
        json.dumps(attribute),
        "--snapshot-dir",
        str(snapshots),
    )
    again = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        "{}",
        "--add-custom-attributes",
        json.dumps(attribute),
        "--snapshot-dir",
        str(snapshots),
    )
    changed = [{**attribute[0], "Mutable": False}]
    different = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        "{}",
        "--add-custom-attributes",
        json.dumps(changed),
        "--snapshot-dir",
        str(snapshots),
    )

    # Then it exists once, the repeat is unchanged, the redefinition is ImmutableSetting
    assert first.code == 0, first.out
    assert "+ /SchemaAttributes/custom:plan" in first.out
    names = [item["Name"] for item in seeded.pool()["SchemaAttributes"]]
    assert names.count("custom:plan") == 1
    assert again.code == 0
    assert "status: unchanged" in again.out
    assert different.code == 1
    assert "ImmutableSetting" in different.out


def test_apply_no_op_is_unchanged_exit_0_and_writes_no_snapshot(seeded: Seeded, snapshots: Path) -> None:
    # Given a patch restating the live value
    before = seeded.pool()

    # When it is applied
    run = pool_apply(seeded, snapshots, {"MfaConfiguration": "OPTIONAL"}, "--output", "json")

    # Then unchanged, exit 0, no snapshot, no write
    assert run.code == 0
    assert run.json()["status"] == "unchanged"
    assert "snapshots" not in run.json()
    assert not snapshots.exists()
    assert seeded.pool()["LastModifiedDate"] == before["LastModifiedDate"]


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"UsernameAttributes": ["phone_number"]}, "ImmutableSetting"),
        ({"MfaConfigurationX": "ON"}, "UnknownField"),
        ({"Policies": {"PasswordPolicy": {"MinimumLength": 200}}}, "InvalidValue"),
        ({"Arn": "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/x"}, "ReadOnlyField"),
    ],
)
def test_apply_rejected_exits_1_with_the_code(
    seeded: Seeded, snapshots: Path, patch: dict[str, Any], code: str
) -> None:
    # Given a patch that can never succeed
    before = seeded.pool()

    # When it is applied, in text and in JSON
    text = pool_apply(seeded, snapshots, patch)
    as_json = pool_apply(seeded, snapshots, patch, "--output", "json")

    # Then exit 1, the code printed, the JSON result rejected with the code, nothing written
    assert text.code == 1
    assert f"error: {code}:" in text.out
    assert "status: rejected" in text.out
    assert as_json.code == 1
    assert as_json.json()["status"] == "rejected"
    assert as_json.json()["error"]["code"] == code
    assert not snapshots.exists()
    assert seeded.pool()["LastModifiedDate"] == before["LastModifiedDate"]


def test_apply_rejected_prints_the_code_on_stderr(seeded: Seeded, snapshots: Path) -> None:
    # Given an immutable member in the patch
    # When it is applied
    run = pool_apply(seeded, snapshots, {"UsernameAttributes": ["phone_number"]})

    # Then the code is on stderr
    assert run.code == 1
    assert "ImmutableSetting" in run.err


def test_apply_stale_precondition_is_rejected(seeded: Seeded, snapshots: Path) -> None:
    # Given an expected LastModifiedDate in the past
    # When a change is applied with it
    run = pool_apply(seeded, snapshots, PATCH, "--expected-last-modified-date", "2020-01-01T00:00:00Z")

    # Then PreconditionFailed and nothing written
    assert run.code == 1
    assert "PreconditionFailed" in run.out
    assert seeded.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 12


def test_apply_current_precondition_is_accepted(seeded: Seeded, snapshots: Path) -> None:
    # Given the live LastModifiedDate
    stamp = seeded.pool()["LastModifiedDate"].isoformat()

    # When a change is applied with it
    run = pool_apply(seeded, snapshots, PATCH, "--expected-last-modified-date", stamp)

    # Then it is applied
    assert run.code == 0, run.out
    assert seeded.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 14


# --- usage errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["apply", "--user-pool-id", "eu-west-1_x"],  # no --patch / --request / --restore
        ["apply", "--patch", "{}", "--request", "{}"],  # mutually exclusive
        ["plan", "--patch", "{}", "--output", "yaml"],
        ["export"],  # --user-pool-id required
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_1(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # Given a malformed command line
    # When it is parsed
    with pytest.raises(SystemExit) as exited:
        cli(*argv)

    # Then exit 1 (2 is reserved for "changes planned") with a usage message
    assert exited.value.code == 1
    assert "usage: poolpatch" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["apply", "--patch", "{}"], "InvalidRequest"),  # no --user-pool-id
        (["apply", "--user-pool-id", "eu-west-1_x", "--patch", "{not json"], "InvalidRequest"),
        (["apply", "--user-pool-id", "eu-west-1_x", "--patch", "[]"], "InvalidRequest"),
    ],
)
def test_invalid_requests_exit_1_on_stderr(argv: list[str], code: str) -> None:
    # Given a request that cannot be parsed (no AWS call is needed to refuse it)
    # When it is run
    run = cli(*argv)

    # Then exit 1 with the code on stderr
    assert run.code == 1
    assert run.err.startswith(f"error: {code}:")


def test_invalid_request_with_json_output_is_a_result_document() -> None:
    # Given bad JSON and --output json
    # When it is applied
    run = cli("apply", "--user-pool-id", "eu-west-1_x", "--patch", "{not json", "--output", "json")

    # Then stdout is a rejected result document
    assert run.code == 1
    assert run.json()["status"] == "rejected"
    assert run.json()["error"]["code"] == "InvalidRequest"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    # Given --version
    # When it is parsed
    with pytest.raises(SystemExit) as exited:
        cli("--version")

    # Then it prints the version and exits 0
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("poolpatch ")


# --- common options -------------------------------------------------------------------------------


def test_common_options_after_the_subcommand(seeded: Seeded, snapshots: Path) -> None:
    # Given --output and --region after the subcommand, as with the AWS CLI
    # When a change is applied
    run = cli(
        "apply",
        "--output",
        "json",
        "--region",
        REGION,
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        json.dumps(PATCH),
        "--snapshot-dir",
        str(snapshots),
    )

    # Then they take effect
    assert run.code == 0, run.err
    assert run.json()["status"] == "applied"
    assert run.json()["target"]["region"] == REGION


def test_common_options_before_the_subcommand(seeded: Seeded) -> None:
    # Given --output before the subcommand
    # When a patch is planned
    run = cli("--output", "json", "plan", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH))

    # Then the output is JSON
    assert run.code == 0
    assert run.json()["status"] == "planned"


def test_region_option_selects_the_region(seeded: Seeded) -> None:
    # Given a pool in eu-west-1
    # When it is exported from another Region
    run = cli("export", "--user-pool-id", seeded.pool_id, "--region", "us-east-1")

    # Then it is not found there
    assert run.code == 1
    assert "NotFound" in run.err


def test_profile_option_is_used(seeded: Seeded) -> None:
    # Given no such profile in the (empty) AWS config
    # When it is named
    run = cli("export", "--user-pool-id", seeded.pool_id, "--profile", "no-such-profile")

    # Then the session cannot be created: AccessDenied naming the remedy
    assert run.code == 1
    assert run.err.startswith("error: AccessDenied:")
    assert "--profile" in run.err


def test_aws_endpoint_url_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given AWS_ENDPOINT_URL in the environment
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")

    # When the CLI builds its clients without --endpoint-url, and with one
    from_env = build_parser().parse_args(["export", "--user-pool-id", "eu-west-1_x"])
    explicit = build_parser().parse_args(
        ["export", "--user-pool-id", "eu-west-1_x", "--endpoint-url", "http://127.0.0.1:5000"]
    )

    # Then the environment is the default and the option wins over it, for every client
    assert from_env.endpoint_url == "http://127.0.0.1:4566"
    context = AwsContext.from_cli(from_env)
    assert context.client("cognito-idp").meta.endpoint_url == "http://127.0.0.1:4566"
    assert context.client("s3").meta.endpoint_url == "http://127.0.0.1:4566"
    assert AwsContext.from_cli(explicit).client("cognito-idp").meta.endpoint_url == "http://127.0.0.1:5000"


# --- S3 snapshots ---------------------------------------------------------------------------------


def test_apply_snapshots_to_s3_bucket_option(
    seeded: Seeded, bucket: tuple[S3Client, str], tmp_path: Path
) -> None:
    # Given a snapshot bucket
    s3, name = bucket
    local = tmp_path / "local"

    # When a change is applied with --snapshot-bucket
    run = pool_apply(
        seeded, local, PATCH, "--snapshot-bucket", name, "--request-id", "chg-s3", "--output", "json"
    )

    # Then both snapshots are in S3 under the design's key layout, and none locally
    assert run.code == 0, run.out
    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=name)["Contents"])
    prefix = rf"snapshots/{ACCOUNT}/{REGION}/{re.escape(seeded.pool_id)}/pool/{STAMPED_DIR}chg-s3/"
    assert len(keys) == 2
    assert re.fullmatch(prefix + "after.json", keys[0])
    assert re.fullmatch(prefix + "before.json", keys[1])
    assert run.json()["snapshots"]["before"] == f"s3://{name}/{keys[1]}"
    body = json.loads(s3.get_object(Bucket=name, Key=keys[1])["Body"].read())
    assert body["updateDocument"]["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert not local.exists()


def test_apply_snapshots_to_s3_from_environment_and_restore(
    seeded: Seeded, bucket: tuple[S3Client, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given POOLPATCH_SNAPSHOT_BUCKET
    s3, name = bucket
    monkeypatch.setenv("POOLPATCH_SNAPSHOT_BUCKET", name)

    # When a change is applied, then restored from its s3:// before snapshot
    applied = cli("apply", "--user-pool-id", seeded.pool_id, "--patch", json.dumps(PATCH), "--output", "json")
    reference = applied.json()["snapshots"]["before"]
    restored = cli("apply", "--user-pool-id", seeded.pool_id, "--restore", reference, "--output", "json")

    # Then the snapshots went to S3 and the restore brought the pool back
    assert applied.code == 0, applied.out
    assert reference.startswith(f"s3://{name}/snapshots/{ACCOUNT}/{REGION}/")
    assert restored.code == 0, restored.out
    assert restored.json()["snapshots"]["after"].startswith(f"s3://{name}/")
    assert len(s3.list_objects_v2(Bucket=name)["Contents"]) == 4
    assert seeded.pool()["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert "PostAuthentication" not in seeded.pool()["LambdaConfig"]


def test_apply_to_missing_bucket_writes_nothing(seeded: Seeded) -> None:
    # Given a bucket that does not exist
    before = seeded.pool()

    # When a change is applied with it
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        json.dumps(PATCH),
        "--snapshot-bucket",
        "no-such-bucket-here",
        "--output",
        "json",
    )

    # Then the before snapshot failed, so nothing was written to Cognito
    assert run.code == 1
    assert run.json()["error"]["code"] == "SnapshotFailed"
    assert seeded.pool()["LastModifiedDate"] == before["LastModifiedDate"]


# --- verification ---------------------------------------------------------------------------------


def test_verification_difference_prints_a_warning(
    seeded: Seeded, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a service that ignores part of the write (the client name comes back different)
    original = Boto3Cognito.update

    def normalising_update(self: Boto3Cognito, target: Target, document: Mapping[str, Any]) -> None:
        original(self, target, {**document, "ClientName": "renamed-by-someone-else"})

    monkeypatch.setattr(Boto3Cognito, "update", normalising_update)

    # When a client change is applied
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--client-id",
        seeded.client_id,
        "--patch",
        '{"LogoutURLs": ["https://app.acme.example.com/bye"]}',
        "--snapshot-dir",
        str(snapshots),
    )

    # Then the status stays applied (exit 0), the diff lists the difference, stderr warns
    assert run.code == 0, run.out
    assert "status: applied" in run.out
    assert "verification: WARNING, 1 difference(s)" in run.out
    assert '/ClientName: expected "acme-web", live "renamed-by-someone-else"' in run.out
    assert run.err.startswith("warning: the live configuration differs from the plan at 1 path(s)")


def _names(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(change["path"]) for change in changes]


def test_verification_difference_in_json_output(
    seeded: Seeded, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the same normalising service
    original = Boto3Cognito.update

    def normalising_update(self: Boto3Cognito, target: Target, document: Mapping[str, Any]) -> None:
        original(self, target, {**document, "ClientName": "renamed-by-someone-else"})

    monkeypatch.setattr(Boto3Cognito, "update", normalising_update)

    # When applied with --output json
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--client-id",
        seeded.client_id,
        "--patch",
        '{"LogoutURLs": ["https://app.acme.example.com/bye"]}',
        "--snapshot-dir",
        str(snapshots),
        "--output",
        "json",
    )

    # Then the result carries verification.differences, and stderr still warns
    differences = run.json()["verification"]["differences"]
    assert _names(differences) == ["/ClientName"]
    assert differences[0] == {
        "path": "/ClientName",
        "expected": "acme-web",
        "actual": "renamed-by-someone-else",
    }
    assert "warning:" in run.err


def test_a_request_refused_before_the_engine_still_prints_a_valid_result_document(snapshots: Path) -> None:
    # Given a patch that is not JSON, with JSON output
    run = cli("apply", "--output", "json", "--user-pool-id", "eu-west-1_AbC", "--patch", "{not json")
    # Then exit 1, the code on stderr, and stdout a result document the published schema accepts
    import jsonschema

    from helpers.events import load_schema

    assert run.code == 1
    assert "InvalidRequest" in run.err
    document = run.json()
    jsonschema.Draft4Validator(load_schema("result")).validate(document)
    assert document["requestId"].startswith("cli-")


def test_a_request_for_another_account_is_refused_by_the_cli(seeded: Seeded, snapshots: Path) -> None:
    # Given a full request that names an account the session's credentials are not for
    request = {
        "version": "1",
        "requestId": "other-account",
        "target": {"userPoolId": seeded.pool_id, "accountId": "444455556666"},
        "patch": {"DeletionProtection": "INACTIVE"},
    }
    before = seeded.pool()["LastModifiedDate"]
    # When applied with the CLI
    run = cli("apply", "--request", json.dumps(request), "--snapshot-dir", str(snapshots))
    # Then it is refused with TargetNotAllowed, and nothing was written
    assert run.code == 1
    assert "TargetNotAllowed" in run.err
    assert seeded.pool()["LastModifiedDate"] == before
    assert not snapshots.exists()


def test_a_request_for_another_region_names_the_option_to_use(seeded: Seeded, snapshots: Path) -> None:
    request = {
        "version": "1",
        "requestId": "other-region",
        "target": {"userPoolId": seeded.pool_id, "region": "us-east-1"},
        "patch": {"DeletionProtection": "INACTIVE"},
    }
    run = cli("apply", "--request", json.dumps(request), "--snapshot-dir", str(snapshots))
    assert run.code == 1
    assert "--region us-east-1" in run.err


def test_a_lone_surrogate_is_rejected_without_a_traceback_or_a_temp_file(
    seeded: Seeded, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a reason holding a lone UTF-16 surrogate (as a JSON escape in a request file would give)
    monkeypatch.chdir(snapshots.parent)
    # When it is applied with local snapshots
    run = cli(
        "apply",
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        '{"DeletionProtection": "ACTIVE"}',
        "--reason",
        "broken \ud800 text",
        "--snapshot-dir",
        str(snapshots),
    )
    # Then it is refused as InvalidRequest at /reason, before any snapshot (and no temp file is left)
    assert run.code == 1
    assert run.err.startswith("error: InvalidRequest:")
    assert "(at /reason)" in run.err
    assert "Traceback" not in run.err
    assert not list(snapshots.parent.rglob(".tmp-*"))
    assert not list(snapshots.rglob("*.json"))


def test_a_missing_region_is_an_invalid_request_not_access_denied(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no Region anywhere
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    # When a command needs AWS
    run = cli("export", "--user-pool-id", seeded.pool_id)
    # Then the error says what is missing and how to give it
    assert run.code == 1
    assert run.err.startswith("error: InvalidRequest: No AWS Region is configured.")
    assert "--region" in run.err


# --- ownership ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_stack_owned_pool_is_named_in_the_result_with_a_warning(
    seeded: Seeded, snapshots: Path, command: str
) -> None:
    # Given the seeded pool, which carries the tag CloudFormation puts on the pools it creates
    stack = seeded.pool()["UserPoolTags"]["aws:cloudformation:stack-name"]

    # When a change is planned or applied
    run = cli(
        command,
        "--user-pool-id",
        seeded.pool_id,
        "--patch",
        json.dumps({"DeletionProtection": "INACTIVE"}),
        "--snapshot-dir",
        str(snapshots),
        "--output",
        "json",
    )

    # Then the result names the owner, and stderr warns that the stack's next update reverts the change
    assert run.json()["owner"] == {"type": "cloudformation", "stack": stack}
    assert f"owned by CloudFormation stack {stack}" in run.err
    assert "reverts this change" in run.err


def test_a_pool_no_stack_owns_has_no_owner(seeded: Seeded, snapshots: Path) -> None:
    # Given a pool created without CloudFormation
    pool_id = seeded.cognito.create_user_pool(PoolName="plain")["UserPool"]["Id"]

    # When a change is planned
    run = cli(
        "plan", "--user-pool-id", pool_id, "--patch", '{"DeletionProtection": "ACTIVE"}', "--output", "json"
    )

    # Then no owner and no warning
    assert "owner" not in run.json()
    assert "CloudFormation" not in run.err


# --- configuration kinds (design.md "Configuration kinds") ------------------------------------------

#: Each kind's write operation and identifying members, as design.md's table and text give them.
KIND_WRITES: Final[dict[str, tuple[str, frozenset[str]]]] = {
    "pool": ("UpdateUserPool", frozenset({"UserPoolId"})),
    "client": ("UpdateUserPoolClient", frozenset({"UserPoolId", "ClientId"})),
    "mfa": ("SetUserPoolMfaConfig", frozenset({"UserPoolId"})),
    "domain": ("UpdateUserPoolDomain", frozenset({"UserPoolId", "Domain"})),
    "identityProvider": ("UpdateIdentityProvider", frozenset({"UserPoolId", "ProviderName"})),
    "resourceServer": ("UpdateResourceServer", frozenset({"UserPoolId", "Identifier"})),
    "group": ("UpdateGroup", frozenset({"UserPoolId", "GroupName"})),
    "riskConfiguration": ("SetRiskConfiguration", frozenset({"UserPoolId", "ClientId"})),
    "uiCustomization": ("SetUICustomization", frozenset({"UserPoolId", "ClientId"})),
    "managedLoginBranding": (
        "UpdateManagedLoginBranding",
        frozenset({"UserPoolId", "ManagedLoginBrandingId"}),
    ),
    "logDelivery": ("SetLogDeliveryConfiguration", frozenset({"UserPoolId"})),
}
OIDC_SECRET: Final = "oidc-secret-planted-by-test-cli-7f3a"
OIDC: Final = "AcmeWorkforce"


def structure_keys(shape: Any, seen: frozenset[str] = frozenset()) -> Any:
    """The member names of a botocore input shape, nested (structures only; lists by their item)."""
    if shape.type_name == "structure" and not shape.is_document_type and shape.name not in seen:
        return {name: structure_keys(member, seen | {shape.name}) for name, member in shape.members.items()}
    if shape.type_name == "list" and shape.name not in seen:
        return [structure_keys(shape.member, seen | {shape.name})]
    return None


def skeleton_keys(value: Any, expected: Any) -> Any:
    """The skeleton's member names, nested where the model's shape is nested (a tagged union: one member)."""
    if isinstance(expected, dict) and isinstance(value, dict):
        return {name: skeleton_keys(item, expected.get(name)) for name, item in value.items()}
    if isinstance(expected, list) and isinstance(value, list) and value:
        return [skeleton_keys(value[0], expected[0])]
    return None


@pytest.mark.parametrize("kind", sorted(KIND_WRITES))
def test_skeleton_of_every_kind_is_the_write_input_without_its_ids(kind: str) -> None:
    # Given the write operation's input shape, read from botocore's own model here
    import botocore.session

    operation, ids = KIND_WRITES[kind]
    service = botocore.session.get_session().get_service_model("cognito-idp")
    shape = service.operation_model(operation).input_shape
    assert shape is not None
    expected = {name: keys for name, keys in structure_keys(shape).items() if name not in ids}

    # When the kind's skeleton is printed
    run = cli("skeleton", kind)

    # Then it has exactly the input's members without the ids, nested as the model nests them
    assert run.code == 0, run.err
    skeleton = run.json()
    assert set(skeleton) == set(expected)
    assert not ids & skeleton.keys()
    for name, keys in expected.items():
        if isinstance(keys, dict) and not getattr(shape.members[name], "is_tagged_union", False):
            assert skeleton_keys(skeleton[name], keys) == keys, name


@dataclass(frozen=True)
class Full:
    """``seed.full_pool``: every configuration kind populated; the OIDC provider's secret is planted."""

    cognito: CognitoIdentityProviderClient
    pool: seed.FullPool

    def idp(self, name: str = OIDC) -> dict[str, Any]:
        """DescribeIdentityProvider, raw from the fake."""
        response = self.cognito.describe_identity_provider(
            UserPoolId=self.pool.user_pool_id, ProviderName=name
        )
        return dict(response["IdentityProvider"])


@pytest.fixture
def full() -> Iterator[Full]:
    """moto + the fake, with a pool holding every configuration kind."""
    with mock_aws(), poolpatch_fake.installed():
        poolpatch_fake.faults.reset()
        cognito = boto3.client("cognito-idp", region_name=REGION)
        yield Full(cognito, seed.full_pool(cognito, oidc_client_secret=OIDC_SECRET))
        poolpatch_fake.faults.reset()


def idp_args(full: Full) -> list[str]:
    """The target options of the OIDC provider."""
    return ["--user-pool-id", full.pool.user_pool_id, "--kind", "identityProvider", "--name", OIDC]


def test_export_identity_provider_redacts_the_client_secret(full: Full) -> None:
    # Given an OIDC provider whose client_secret the service returns in plain text
    assert full.idp()["ProviderDetails"]["client_secret"] == OIDC_SECRET

    # When it is exported
    run = cli("export", *idp_args(full))

    # Then the document names it, shows the secret as "<redacted>", and the value appears nowhere
    assert run.code == 0, run.err
    exported = run.json()
    assert (exported["UserPoolId"], exported["ProviderName"]) == (full.pool.user_pool_id, OIDC)
    assert exported["ProviderDetails"]["client_secret"] == "<redacted>"
    assert exported["ProviderDetails"]["client_id"] == full.idp()["ProviderDetails"]["client_id"]
    assert exported["AttributeMapping"] == full.idp()["AttributeMapping"]
    assert OIDC_SECRET not in run.out + run.err
    # ... and stderr warns that the document goes back through poolpatch, not the AWS CLI
    assert "never with the AWS CLI" in run.err


def test_export_applied_back_is_unchanged_and_keeps_the_secret(full: Full, snapshots: Path) -> None:
    # Given the provider's export, as a patch (the ids are the target, not the document)
    before = full.idp()
    exported = cli("export", *idp_args(full)).json()
    patch = {key: value for key, value in exported.items() if key not in {"UserPoolId", "ProviderName"}}

    # When it is applied back
    run = cli("apply", *idp_args(full), "--patch", json.dumps(patch), "--snapshot-dir", str(snapshots))

    # Then nothing is written: the provider, its secret and its LastModifiedDate are as they were
    assert run.code == 0, run.err
    assert "status: unchanged" in run.out
    assert poolpatch_fake.faults.sent("UpdateIdentityProvider") == []
    assert full.idp() == before
    assert full.idp()["ProviderDetails"]["client_secret"] == OIDC_SECRET
    assert not snapshots.exists()
    assert OIDC_SECRET not in run.out + run.err


def test_edited_export_applied_back_sends_the_live_secret_and_never_shows_it(
    full: Full, snapshots: Path
) -> None:
    # Given the provider's export with one attribute mapping changed ("<redacted>" left as it is)
    exported = cli("export", *idp_args(full)).json()
    patch = {key: value for key, value in exported.items() if key not in {"UserPoolId", "ProviderName"}}
    patch["AttributeMapping"] = {**patch["AttributeMapping"], "name": "preferred_username"}

    # When it is applied
    run = cli("apply", *idp_args(full), "--patch", json.dumps(patch), "--snapshot-dir", str(snapshots))

    # Then the mapping changed, UpdateIdentityProvider carried the live secret, and no output or snapshot
    # holds it
    assert run.code == 0, run.err
    assert "status: applied" in run.out
    assert pointer_lines(run.out) == ["~ /AttributeMapping/name"]
    after = full.idp()
    assert after["AttributeMapping"]["name"] == "preferred_username"
    assert after["ProviderDetails"]["client_secret"] == OIDC_SECRET
    assert poolpatch_fake.faults.sent("UpdateIdentityProvider")[-1]["ProviderDetails"]["client_secret"] == (
        OIDC_SECRET
    )
    files = files_under(snapshots)
    assert len(files) == 2
    assert all(f"/idp-{OIDC}/" in name for name in files)
    assert all(OIDC_SECRET not in (snapshots / name).read_text() for name in files)
    assert OIDC_SECRET not in run.out + run.err


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_new_secret_in_a_patch_is_never_printed(full: Full, output: str) -> None:
    # Given a patch that rotates the provider's client secret
    rotated = "rotated-secret-that-must-stay-hidden-91c2"
    patch = {"ProviderDetails": {"client_secret": rotated}}

    # When it is planned
    run = cli("plan", *idp_args(full), "--patch", json.dumps(patch), "--output", output)

    # Then the change is shown at its path, with neither the old nor the new value
    assert run.code == 0, run.err
    assert "/ProviderDetails/client_secret" in run.out
    assert rotated not in run.out + run.err
    assert OIDC_SECRET not in run.out + run.err
    assert full.idp()["ProviderDetails"]["client_secret"] == OIDC_SECRET


@pytest.fixture
def mfa_off_pool(seeded: Seeded) -> str:
    """A pool created with MFA OFF (CreateUserPool's default), beside the realistic one."""
    pool = seeded.cognito.create_user_pool(PoolName="acme-staff-dev")["UserPool"]
    assert pool["MfaConfiguration"] == "OFF"
    return pool["Id"]


MFA_ON: Final[dict[str, Any]] = {"MfaConfiguration": "ON", "SoftwareTokenMfaConfiguration": {"Enabled": True}}


def test_plan_kind_mfa_turning_mfa_on_writes_nothing(
    seeded: Seeded, mfa_off_pool: str, snapshots: Path
) -> None:
    # Given a pool with MFA OFF
    before = dict(seeded.cognito.get_user_pool_mfa_config(UserPoolId=mfa_off_pool))
    before.pop("ResponseMetadata")

    # When turning MFA on is planned through the mfa kind
    run = cli(
        "plan", "--user-pool-id", mfa_off_pool, "--kind", "mfa", "--patch", json.dumps(MFA_ON),
        "--detailed-exitcode", "--snapshot-dir", str(snapshots),
    )  # fmt: skip

    # Then exit 2, the two paths, the kind named, nothing written
    assert run.code == 2, run.err
    assert pointer_lines(run.out) == ["~ /MfaConfiguration", "+ /SoftwareTokenMfaConfiguration"]
    assert run.out.splitlines()[0].startswith(f"MFA configuration of user pool {mfa_off_pool}")
    after = dict(seeded.cognito.get_user_pool_mfa_config(UserPoolId=mfa_off_pool))
    after.pop("ResponseMetadata")
    assert after == before
    assert not snapshots.exists()


def test_apply_kind_mfa_turns_mfa_on(seeded: Seeded, mfa_off_pool: str, snapshots: Path) -> None:
    # Given a pool with MFA OFF
    # When MFA is turned on through the mfa kind
    run = cli(
        "apply", "--user-pool-id", mfa_off_pool, "--kind", "mfa", "--patch", json.dumps(MFA_ON),
        "--snapshot-dir", str(snapshots), "--output", "json",
    )  # fmt: skip

    # Then it is applied and verified; GetUserPoolMfaConfig and DescribeUserPool both say ON; the
    # snapshots are under the kind's segment
    assert run.code == 0, run.err
    result = run.json()
    assert result["status"] == "applied"
    assert result["target"]["kind"] == "mfa"
    assert result["verification"] == {"differences": []}
    live = seeded.cognito.get_user_pool_mfa_config(UserPoolId=mfa_off_pool)
    assert live["MfaConfiguration"] == "ON"
    assert live["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert seeded.cognito.describe_user_pool(UserPoolId=mfa_off_pool)["UserPool"]["MfaConfiguration"] == "ON"
    files = files_under(snapshots)
    assert [name.rsplit("/", 1)[-1] for name in files] == ["after.json", "before.json"]
    assert all(f"/{mfa_off_pool}/mfa/" in name for name in files)


def test_a_pool_patch_turning_mfa_on_names_the_mfa_kind(
    seeded: Seeded, mfa_off_pool: str, snapshots: Path
) -> None:
    # Given a pool with MFA OFF
    # When a pool patch turns MFA on
    run = pool_apply(
        Seeded(seeded.cognito, mfa_off_pool, seeded.client_id), snapshots, {"MfaConfiguration": "ON"}
    )

    # Then it is refused before any write, with the remedy naming --kind mfa
    assert run.code == 1
    assert "ImmutableSetting" in run.err
    assert "--kind mfa" in run.err
    assert seeded.cognito.describe_user_pool(UserPoolId=mfa_off_pool)["UserPool"]["MfaConfiguration"] == "OFF"
    assert not snapshots.exists()


@pytest.mark.parametrize("kind", ["domain", "identityProvider", "resourceServer", "group"])
@pytest.mark.parametrize("command", ["export", "plan", "apply"])
def test_a_bad_name_is_an_invalid_request_at_target_name(seeded: Seeded, kind: str, command: str) -> None:
    # Given a name no kind allows (longer than any of its members' maximum)
    poolpatch_fake.faults.reset()
    argv = [command, "--user-pool-id", seeded.pool_id, "--kind", kind, "--name", "n" * 300]
    if command != "export":
        argv += ["--patch", "{}"]

    # When it is run
    run = cli(*argv)

    # Then exit 1, InvalidRequest at /target/name, refused before any AWS call
    assert run.code == 1
    assert run.err.startswith("error: InvalidRequest:")
    assert run.err.rstrip().endswith("(at /target/name)")
    assert "n" * 300 not in run.err
    assert poolpatch_fake.faults.calls() == []


def test_a_bad_name_in_json_output_is_a_rejected_result_at_target_name(seeded: Seeded) -> None:
    # Given a group name that is too long, with --output json
    # When it is planned
    run = cli(
        "plan", "--user-pool-id", seeded.pool_id, "--kind", "group", "--name", "g" * 200, "--patch", "{}",
        "--output", "json",
    )  # fmt: skip

    # Then the result document is rejected at /target/name and names the kind, not the bad name
    assert run.code == 1
    result = run.json()
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "InvalidRequest"
    assert result["error"]["path"] == "/target/name"
    assert result["target"] == {"userPoolId": seeded.pool_id, "kind": "group"}


@pytest.mark.parametrize(
    "kind_args", [["--kind", "mfa"], ["--kind", "logDelivery"], ["--kind", "pool"], []], ids=str
)
@pytest.mark.parametrize("command", ["export", "plan"])
def test_name_on_a_kind_without_names_is_refused(seeded: Seeded, kind_args: list[str], command: str) -> None:
    # Given --name on a kind that has none (the pool itself, MFA, log delivery)
    argv = [command, "--user-pool-id", seeded.pool_id, *kind_args, "--name", "anything"]
    if command == "plan":
        argv += ["--patch", "{}"]

    # When it is run
    run = cli(*argv)

    # Then exit 1, InvalidRequest at /target/name
    assert run.code == 1
    assert run.err.startswith("error: InvalidRequest:")
    assert run.err.rstrip().endswith("(at /target/name)")


def test_a_named_kind_without_name_is_refused(seeded: Seeded) -> None:
    # Given a resource server target without --name
    # When it is exported
    run = cli("export", "--user-pool-id", seeded.pool_id, "--kind", "resourceServer")

    # Then exit 1, InvalidRequest at /target/name
    assert run.code == 1
    assert run.err.startswith("error: InvalidRequest:")
    assert run.err.rstrip().endswith("(at /target/name)")


def test_plan_warnings_are_in_the_text_and_in_the_json_result(full: Full) -> None:
    # Given a domain change (the service may move the passkey relying party with it: design.md)
    argv = ["plan", "--user-pool-id", full.pool.user_pool_id, "--kind", "domain", "--name", full.pool.domain]
    patch = json.dumps({"ManagedLoginVersion": 1})

    # When it is planned in text and in JSON
    text = cli(*argv, "--patch", patch)
    document = cli(*argv, "--patch", patch, "--output", "json")

    # Then the text shows the warning with the diff; the JSON result carries it under `warnings`
    assert text.code == 0, text.err
    assert pointer_lines(text.out) == ["~ /ManagedLoginVersion"]
    warnings = [line for line in text.out.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1
    assert "relying party" in warnings[0]
    assert document.code == 0, document.err
    result = document.json()
    assert [change["path"] for change in result["changes"]] == ["/ManagedLoginVersion"]
    assert result["warnings"] == [warnings[0].removeprefix("warning: ")]
    described = full.cognito.describe_user_pool_domain(Domain=full.pool.domain)["DomainDescription"]
    assert described["ManagedLoginVersion"] == 2


def test_export_each_kind_of_a_full_pool_is_accepted_by_its_write(full: Full) -> None:
    # Given every kind of a full pool, with the options that address it
    p = full.pool
    targets = {
        "mfa": [],
        "domain": ["--name", p.domain],
        "resourceServer": ["--name", p.resource_server],
        "group": ["--name", p.groups[0]],
        "riskConfiguration": [],
        "logDelivery": [],
        "managedLoginBranding": ["--client-id", p.client_id],
    }
    for kind, extra in targets.items():
        # When it is exported
        run = cli("export", "--user-pool-id", p.user_pool_id, "--kind", kind, *extra)

        # Then botocore accepts the document as the write operation's input
        assert run.code == 0, (kind, run.err)
        operation, _ids = KIND_WRITES[kind]
        document = run.json()
        assert document["UserPoolId"] == p.user_pool_id, kind
        shape = full.cognito.meta.service_model.operation_model(operation).input_shape
        assert shape is not None
        from botocore.validate import ParamValidator

        report = ParamValidator().validate(document, shape)
        assert not report.has_errors(), (kind, report.generate_report())
