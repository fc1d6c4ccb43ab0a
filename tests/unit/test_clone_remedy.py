"""``ImmutableSetting`` errors name the remedy as a command (issue 9; design.md, "Whole-pool bundle, diff and
clone").

A pool patch touching a create-only setting is refused by ``pipeline.plan_change`` with a remedy holding the
exact ``poolpatch clone`` invocation: the real pool id, a new pool name, and a merge patch over the bundle
setting ``createOnly`` to the patch's own values. Checked through the pipeline and through the CLI on the
fake (stderr and the JSON result).
"""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.aws import REGION
from poolpatch import model, pipeline
from poolpatch.cli import main
from poolpatch.errors import ImmutableSetting, PoolpatchError
from poolpatch.request import Target
from poolpatch_fake import seed

POOL_ID: Final = "eu-west-1_AbC"
POOL: Final[dict[str, Any]] = {
    "Id": POOL_ID,
    "Name": "acme-users",
    "UsernameConfiguration": {"CaseSensitive": True},
    "AliasAttributes": ["email"],
}


def refused(
    patch: dict[str, Any], parsed: dict[str, Any] | None = None, *, kind: Any = "pool"
) -> PoolpatchError:
    """The error ``plan_change`` raises for ``patch`` on the pool described by ``parsed``."""
    client_id = "6j8p2h1k3m5n7q9r0s2t4v6w8x" if kind == "client" else None
    target = Target(POOL_ID, client_id, kind=kind)
    with pytest.raises(PoolpatchError) as caught:
        pipeline.plan_change(target, POOL if parsed is None else parsed, patch)
    return caught.value


def command_in(error: PoolpatchError) -> list[str]:
    """The ``poolpatch clone`` command quoted in the remedy, split as a shell would."""
    remedy = error.remedy or ""
    start = remedy.index("`poolpatch clone ") + 1
    return shlex.split(remedy[start : remedy.index("`", start)])


def clone_patch(argv: list[str]) -> Any:
    """The ``--patch`` document of a clone command."""
    return json.loads(argv[argv.index("--patch") + 1])


# --------------------------------------------------------------------------- through plan_change


def test_case_sensitivity_names_the_exact_clone_command() -> None:
    # Given a case-sensitive pool / When a patch makes user names case-insensitive
    error = refused({"UsernameConfiguration": {"CaseSensitive": False}})

    # Then ImmutableSetting, model.py's message kept, and the remedy is the command with the pool's id, a
    # new name and the patch's own value, as compact JSON in single quotes
    assert isinstance(error, ImmutableSetting)
    assert error.path == "/UsernameConfiguration"
    assert "immutable after the user pool is created" in error.message
    assert (
        "`poolpatch clone --user-pool-id eu-west-1_AbC --pool-name acme-users-clone --patch "
        """'{"createOnly":{"UsernameConfiguration":{"CaseSensitive":false}}}'`"""
    ) in (error.remedy or "")
    assert "new user pool" in (error.remedy or "")
    assert "poolpatch clone --user-pool-id" in error.describe()
    assert "poolpatch clone --user-pool-id" in str(error)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("UsernameAttributes", ["email"]),
        ("AliasAttributes", ["email", "preferred_username"]),
        ("AliasAttributes", None),
        ("UsernameConfiguration", {"CaseSensitive": True}),
    ],
)
def test_each_create_only_member_goes_into_create_only(member: str, value: Any) -> None:
    # When the patch changes the member
    error = refused({member: value})

    # Then the clone patch sets createOnly.<member> to the patch's value
    assert isinstance(error, ImmutableSetting)
    assert clone_patch(command_in(error)) == {"createOnly": {member: value}}


@pytest.mark.parametrize("member", ["SchemaAttributes", "Schema"])
def test_a_schema_change_becomes_create_only_schema_without_prefixes(member: str) -> None:
    # Given a schema list as Describe names custom attributes (custom:, dev:custom:) and a standard one
    schema = [
        {"Name": "email", "AttributeDataType": "String", "Required": True},
        {"Name": "custom:tier", "AttributeDataType": "String", "Mutable": True},
        {"Name": "dev:custom:tenant", "AttributeDataType": "String"},
    ]

    # When a pool patch sets it
    error = refused({member: schema})

    # Then the clone patch holds createOnly.Schema with bare names, the developer-only one flagged
    assert isinstance(error, ImmutableSetting)
    assert clone_patch(command_in(error)) == {
        "createOnly": {
            "Schema": [
                {"Name": "email", "AttributeDataType": "String", "Required": True},
                {"Name": "tier", "AttributeDataType": "String", "Mutable": True},
                {"Name": "tenant", "AttributeDataType": "String", "DeveloperOnlyAttribute": True},
            ]
        }
    }
    # And the remedy says how custom attributes are written there, and still offers addCustomAttributes
    remedy = error.remedy or ""
    assert "createOnly.Schema" in remedy
    assert "without the `custom:` prefix" in remedy
    assert "addCustomAttributes" in remedy


def test_every_create_only_member_of_a_patch_is_in_the_one_command() -> None:
    # When one patch changes three create-only settings
    error = refused(
        {
            "UsernameAttributes": ["email"],
            "AliasAttributes": None,
            "UsernameConfiguration": {"CaseSensitive": False},
        }
    )

    # Then the one command makes all three changes
    assert clone_patch(command_in(error)) == {
        "createOnly": {
            "UsernameAttributes": ["email"],
            "AliasAttributes": None,
            "UsernameConfiguration": {"CaseSensitive": False},
        }
    }


def test_the_command_is_shell_quoted() -> None:
    # Given a pool whose name holds a space and a quote
    parsed = {**POOL, "Name": "acme 'prod' users"}

    # When a create-only change is refused
    argv = command_in(refused({"UsernameConfiguration": {"CaseSensitive": False}}, parsed))

    # Then the shell gives the clone command exactly these arguments
    assert argv == [
        "poolpatch",
        "clone",
        "--user-pool-id",
        POOL_ID,
        "--pool-name",
        "acme 'prod' users-clone",
        "--patch",
        '{"createOnly":{"UsernameConfiguration":{"CaseSensitive":false}}}',
    ]


def test_a_long_pool_name_stays_within_the_limit() -> None:
    # Given a pool with a name of the maximum length (128, the model's PoolName max)
    parsed = {**POOL, "Name": "p" * 128}

    # Then the suggested name is at most 128 characters and ends in -clone
    argv = command_in(refused({"AliasAttributes": ["email"]}, parsed))
    name = argv[argv.index("--pool-name") + 1]
    assert len(name) == 128
    assert name.endswith("-clone")


def test_a_pool_described_without_a_name_is_named_after_its_id() -> None:
    argv = command_in(refused({"AliasAttributes": ["email"]}, {"Id": POOL_ID}))
    assert argv[argv.index("--pool-name") + 1] == f"{POOL_ID}-clone"


def test_the_table_covers_model_pys_create_only_settings() -> None:
    # Given model.py's hand-kept create-only settings of the pool kind
    # Then each one has its place in a clone patch, a createOnly member of CreateUserPool
    create = model.service_model().operation_model("CreateUserPool").input_shape
    assert create is not None
    assert set(pipeline.CLONE_MEMBERS) == set(model._CREATE_ONLY["pool"])
    assert set(pipeline.CLONE_MEMBERS.values()) <= set(create.members)


def test_other_immutable_refusals_keep_their_remedy() -> None:
    # Given refusals that a clone does not fix: MFA off -> on in a pool patch, a client's secret
    mfa = refused({"MfaConfiguration": "ON"}, {**POOL, "MfaConfiguration": "OFF"})
    secret = refused({"GenerateSecret": True}, {"ClientId": "6j8p2h1k3m5n7q9r0s2t4v6w8x"}, kind="client")

    # Then their remedies name no clone
    assert isinstance(mfa, ImmutableSetting)
    assert isinstance(secret, ImmutableSetting)
    assert "poolpatch clone" not in (mfa.remedy or "")
    assert "poolpatch clone" not in (secret.remedy or "")
    assert "SetUserPoolMfaConfig" in (mfa.remedy or "")


def test_a_patch_without_create_only_members_has_no_command() -> None:
    target = Target(POOL_ID)
    assert pipeline.clone_command(target, POOL, {"DeletionProtection": "ACTIVE"}) is None


# --------------------------------------------------------------------------- through the CLI on the fake


@pytest.fixture
def seeded() -> Iterator[tuple[str, str]]:
    """The realistic pool on moto + the fake: its id and name as DescribeUserPool reports them."""
    with mock_aws(), poolpatch_fake.installed():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id, _ = seed.realistic_pool(cognito)
        yield pool_id, cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"]


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_plan_on_the_fake_prints_the_clone_command(seeded: tuple[str, str]) -> None:
    # Given the realistic pool on the fake
    pool_id, name = seeded
    expected = (
        f"poolpatch clone --user-pool-id {pool_id} --pool-name {shlex.quote(name + '-clone')} --patch "
        """'{"createOnly":{"UsernameConfiguration":{"CaseSensitive":false}}}'"""
    )

    # When a plan makes user names case-insensitive
    code, _, err = cli(
        "plan", "--user-pool-id", pool_id, "--patch", '{"UsernameConfiguration": {"CaseSensitive": false}}'
    )

    # Then it is refused (exit 1) and stderr holds the command that makes the change
    assert code == 1
    assert "ImmutableSetting" in err
    assert expected in err


def test_the_json_result_carries_the_command(seeded: tuple[str, str]) -> None:
    # Given the realistic pool on the fake
    pool_id, _ = seeded

    # When an alias change is planned with --output json
    code, out, _ = cli(
        "plan", "--user-pool-id", pool_id, "--patch", '{"AliasAttributes": ["email"]}', "--output", "json"
    )

    # Then the rejected result's message holds the command, and it runs with the patch's value
    result = json.loads(out)
    assert code == 1
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "ImmutableSetting"
    message = result["error"]["message"]
    start = message.index("`poolpatch clone ") + 1
    argv = shlex.split(message[start : message.index("`", start)])
    assert argv[:4] == ["poolpatch", "clone", "--user-pool-id", pool_id]
    assert clone_patch(argv) == {"createOnly": {"AliasAttributes": ["email"]}}


def _values(node: Any) -> Iterator[Any]:
    """Every value in a JSON document, depth first."""
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for item in children:
        yield from _values(item)


def test_the_command_plans_the_clone_that_makes_the_change(seeded: tuple[str, str], tmp_path: Path) -> None:
    # Given the command a refused case-sensitivity change names
    pool_id, _ = seeded
    _, _, err = cli(
        "plan", "--user-pool-id", pool_id, "--patch", '{"UsernameConfiguration": {"CaseSensitive": false}}'
    )
    start = err.index("`poolpatch clone ") + 1
    argv = shlex.split(err[start : err.index("`", start)])

    # When it is run with --plan (writes nothing)
    code, out, _ = cli(*argv[1:], "--plan", "--output", "json", "--snapshot-dir", str(tmp_path))

    # Then the clone is planned, creating the pool with case-insensitive user names
    planned = json.loads(out)
    assert code == 0
    assert planned["status"] == "planned"
    assert any(
        isinstance(value, dict) and value.get("UsernameConfiguration") == {"CaseSensitive": False}
        for value in _values(planned)
    )
