"""The bundle commands end to end on the fake (issue 9, "What it must show"): ``export --all``, ``clone``,
``diff`` and ``apply --bundle``, through the command line exactly as design.md writes them.

Expected values come from the seed's own data (``seed.full_pool``) and the service's raw reads, never from
the bundle code under test.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from poolpatch.cli import main
from poolpatch_fake import faults, seed
from poolpatch_fake.seed import FullPool

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION: Final = "eu-west-1"
OIDC_SECRET: Final = "oidc-secret-value-9f2c"  # planted to prove it never leaks


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class World:
    cognito: CognitoIdentityProviderClient
    full: FullPool
    tmp: Path

    def export(self, pool_id: str, name: str) -> tuple[dict[str, Any], Path]:
        run = cli("export", "--user-pool-id", pool_id, "--all", "--region", REGION)
        assert run.code == 0, run.err
        path = self.tmp / f"{name}.json"
        path.write_text(run.out)
        return run.json(), path


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with mock_aws(), poolpatch_fake.installed():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        full = seed.full_pool(cognito, oidc_client_secret=OIDC_SECRET)
        yield World(cognito, full, tmp_path)


CASE_PATCH: Final = {"createOnly": {"UsernameConfiguration": {"CaseSensitive": True}}}
PATCHED_DIFFERENCE: Final = {
    "part": "createOnly",
    "path": "/UsernameConfiguration/CaseSensitive",
    "a": False,  # seed.full_pool creates the pool with CaseSensitive False
    "b": True,  # CASE_PATCH
}


def secrets_file(world: World) -> Path:
    path = world.tmp / "secrets.json"
    path.write_text(
        json.dumps(
            {
                "identityProviders": {
                    "AcmeWorkforce": {"client_secret": OIDC_SECRET},
                    "Google": {"client_secret": "GOCSPX-fake-google-secret"},
                }
            }
        )
    )
    return path


def clone(world: World, source: str, *extra: str) -> Run:
    return cli(
        "clone",
        *(("--bundle", source) if source.startswith("file://") else ("--user-pool-id", source)),
        "--pool-name",
        "acme-partners-clone",
        "--patch",
        json.dumps(CASE_PATCH),
        "--domain-prefix",
        "acme-partners-clone",
        "--secrets",
        f"file://{secrets_file(world)}",
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
        "--region",
        REGION,
        "--output",
        "json",
        *extra,
    )


def test_export_all_holds_every_part_with_secrets_redacted(world: World) -> None:
    bundle, _ = world.export(world.full.user_pool_id, "source")
    full = world.full
    assert (bundle["version"], bundle["kind"]) == ("1", "poolBundle")
    assert bundle["source"]["userPoolId"] == full.user_pool_id
    assert set(bundle["clients"]) == {full.client_id, full.other_client_id}
    assert bundle["clients"][full.client_id]["GenerateSecret"] is True  # seeded with GenerateSecret
    assert bundle["clients"][full.other_client_id]["GenerateSecret"] is False
    assert set(bundle["identityProviders"]) == set(full.identity_providers)
    oidc = bundle["identityProviders"]["AcmeWorkforce"]
    assert oidc["ProviderType"] == "OIDC"
    assert oidc["document"]["ProviderDetails"]["client_secret"] == "<redacted>"
    assert set(bundle["resourceServers"]) == {full.resource_server}
    assert [s["ScopeName"] for s in bundle["resourceServers"][full.resource_server]["Scopes"]] == list(
        full.scopes
    )
    assert set(bundle["groups"]) == set(full.groups)
    assert set(bundle["domains"]) == {full.domain}
    assert set(bundle["riskConfigurations"]) == {"pool", full.client_id}  # the other client inherits
    assert set(bundle["managedLoginBrandings"]) == {full.client_id}
    assert bundle["mfa"]["MfaConfiguration"] == "OPTIONAL"
    assert bundle["logDelivery"]["LogConfigurations"][0]["EventSource"] == "userNotification"
    assert bundle["createOnly"]["UsernameAttributes"] == ["email"]
    assert OIDC_SECRET not in json.dumps(bundle)
    raw_secret = world.cognito.describe_user_pool_client(
        UserPoolId=full.user_pool_id, ClientId=full.client_id
    )
    assert raw_secret["UserPoolClient"]["ClientSecret"] not in json.dumps(bundle)


def test_export_all_matches_the_bundle_json_schema(world: World) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parents[2] / "events" / "schema" / "bundle.json").read_text())
    bundle, _ = world.export(world.full.user_pool_id, "source")
    jsonschema.validate(bundle, schema)


def test_export_clone_export_equals_the_source_but_for_the_patched_setting(world: World) -> None:
    source, path = world.export(world.full.user_pool_id, "source")
    run = clone(world, f"file://{path}")
    assert run.code == 0, run.err
    report = run.json()
    assert report["status"] == "created"
    new_pool = report["userPoolId"]
    assert set(report["clientIds"]) == set(source["clients"])
    raw = world.cognito.describe_user_pool(UserPoolId=new_pool)["UserPool"]
    assert raw["UsernameConfiguration"] == {"CaseSensitive": True}
    assert raw["UserPoolTags"]["poolpatch:clone-of"] == world.full.user_pool_id
    idp = world.cognito.describe_identity_provider(UserPoolId=new_pool, ProviderName="AcmeWorkforce")
    assert idp["IdentityProvider"]["ProviderDetails"]["client_secret"] == OIDC_SECRET  # from --secrets
    cloned, cloned_path = world.export(new_pool, "clone")
    diff = cli("diff", f"file://{path}", f"file://{cloned_path}", "--output", "json")
    assert diff.code == 2
    assert diff.json() == {"same": False, "differences": [PATCHED_DIFFERENCE]}
    assert OIDC_SECRET not in run.out + json.dumps(cloned)
    reasons = {item["part"] for item in report["notCarried"]}
    assert "users" in reasons
    assert f"clients/{world.full.client_id}/ClientSecret" in reasons  # not supplied in --secrets


def test_diff_of_a_live_pool_and_its_clone_lists_only_the_patched_settings(world: World) -> None:
    run = clone(world, world.full.user_pool_id)
    assert run.code == 0, run.err
    new_pool = run.json()["userPoolId"]
    diff = cli("diff", world.full.user_pool_id, new_pool, "--region", REGION, "--output", "json")
    assert (diff.code, diff.json()) == (2, {"same": False, "differences": [PATCHED_DIFFERENCE]})
    same = cli("diff", world.full.user_pool_id, world.full.user_pool_id, "--region", REGION)
    assert same.code == 0
    assert "same configuration" in same.out


def test_clone_plan_writes_nothing(world: World) -> None:
    pools_before = world.cognito.list_user_pools(MaxResults=60)["UserPools"]
    run = clone(world, world.full.user_pool_id, "--plan")
    assert run.code == 0, run.err
    report = run.json()
    assert report["status"] == "planned"
    assert [step["operation"] for step in report["steps"]][:2] == ["CreateUserPool", "SetUserPoolMfaConfig"]
    assert OIDC_SECRET not in run.out
    assert world.cognito.list_user_pools(MaxResults=60)["UserPools"] == pools_before
    assert not (world.tmp / "snapshots").exists()


def _everything(cognito: CognitoIdentityProviderClient, pool_id: str) -> dict[str, list[str]]:
    return {
        "clients": sorted(
            c["ClientName"]
            for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
        ),
        "providers": sorted(
            p["ProviderName"]
            for p in cognito.list_identity_providers(UserPoolId=pool_id, MaxResults=60)["Providers"]
        ),
        "servers": sorted(
            s["Identifier"]
            for s in cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
        ),
        "groups": sorted(g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]),
    }


@pytest.mark.parametrize("lost", [False, True], ids=["refused", "created-but-response-lost"])
def test_a_clone_failing_at_the_fifth_step_and_rerun_ends_with_one_of_everything(
    world: World, lost: bool
) -> None:
    plan = clone(world, world.full.user_pool_id, "--plan").json()
    fifth = plan["steps"][4]
    earlier = sum(step["operation"] == fifth["operation"] for step in plan["steps"][:4])
    if lost:  # the service creates it, the caller sees a failure: the rerun must find it, not create it
        faults.lose_response(fifth["operation"], skip=earlier)
    else:
        faults.inject(fifth["operation"], "InvalidParameterException", skip=earlier)
    pools_before = len(world.cognito.list_user_pools(MaxResults=60)["UserPools"])
    first = clone(world, world.full.user_pool_id, "--request-id", "clone-fifth-step")
    assert first.code == 1
    failed = first.json()
    assert failed["status"] == "failed"
    assert failed["userPoolId"]  # what exists is reported
    progress = world.tmp / "snapshots" / "clones" / "clone-fifth-step.json"
    assert progress.is_file()
    faults.reset()
    second = clone(world, world.full.user_pool_id, "--request-id", "clone-fifth-step")
    assert second.code == 0, second.err
    assert second.json()["userPoolId"] == failed["userPoolId"]
    assert len(world.cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools_before + 1
    assert _everything(world.cognito, failed["userPoolId"]) == _everything(
        world.cognito, world.full.user_pool_id
    )


def test_apply_bundle_restores_a_deleted_resource_server_and_three_changed_settings(world: World) -> None:
    full = world.full
    bundle, path = world.export(full.user_pool_id, "before")
    server = world.cognito.describe_resource_server(
        UserPoolId=full.user_pool_id, Identifier=full.resource_server
    )
    world.cognito.delete_resource_server(UserPoolId=full.user_pool_id, Identifier=full.resource_server)
    world.cognito.update_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1], Description="changed")
    world.cognito.set_user_pool_mfa_config(
        UserPoolId=full.user_pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client = world.cognito.describe_user_pool_client(
        UserPoolId=full.user_pool_id, ClientId=full.other_client_id
    )
    world.cognito.update_user_pool_client(
        UserPoolId=full.user_pool_id,
        ClientId=full.other_client_id,
        ClientName="acme-partners-cli",
        RefreshTokenValidity=7,
    )
    run = cli(
        "apply",
        "--user-pool-id",
        full.user_pool_id,
        "--bundle",
        f"file://{path}",
        "--region",
        REGION,
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
        "--output",
        "json",
    )
    assert run.code == 0, run.err
    result = run.json()
    assert result["recreated"] == [
        {"kind": "resourceServer", "id": full.resource_server, "newId": full.resource_server}
    ]
    applied = {(part["kind"], part["id"]) for part in result["parts"] if part["status"] == "applied"}
    assert applied == {("mfa", "mfa"), ("group", full.groups[1]), ("client", full.other_client_id)}
    assert all(part["snapshots"].get("before") for part in result["parts"] if part["status"] == "applied")
    assert result["extra"] == []
    restored = world.cognito.describe_resource_server(
        UserPoolId=full.user_pool_id, Identifier=full.resource_server
    )
    assert restored["ResourceServer"]["Scopes"] == server["ResourceServer"]["Scopes"]
    group = world.cognito.get_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1])["Group"]
    assert group["Description"] == "Read-only partners"  # seed.full_pool's
    mfa = world.cognito.get_user_pool_mfa_config(UserPoolId=full.user_pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["EmailMfaConfiguration"]["Subject"] == "Your Acme Partners sign-in code"
    again = world.cognito.describe_user_pool_client(
        UserPoolId=full.user_pool_id, ClientId=full.other_client_id
    )
    assert again["UserPoolClient"]["RefreshTokenValidity"] == client["UserPoolClient"]["RefreshTokenValidity"]
    assert again["UserPoolClient"]["ExplicitAuthFlows"] == client["UserPoolClient"]["ExplicitAuthFlows"]
    after, after_path = world.export(full.user_pool_id, "after")
    assert cli("diff", f"file://{path}", f"file://{after_path}").code == 0
    del bundle, after


def test_apply_bundle_reports_extra_parts_and_never_deletes_them(world: World) -> None:
    full = world.full
    _, path = world.export(full.user_pool_id, "before")
    world.cognito.create_group(UserPoolId=full.user_pool_id, GroupName="added-later")
    run = cli(
        "apply",
        "--user-pool-id",
        full.user_pool_id,
        "--bundle",
        f"file://{path}",
        "--region",
        REGION,
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
        "--output",
        "json",
    )
    assert run.code == 0, run.err
    assert run.json()["extra"] == [{"kind": "group", "id": "added-later"}]
    assert world.cognito.get_group(UserPoolId=full.user_pool_id, GroupName="added-later")["Group"]


def test_apply_bundle_of_another_pool_makes_this_pool_like_it(world: World) -> None:
    full = world.full
    first = clone(world, full.user_pool_id)
    new_pool = first.json()["userPoolId"]
    world.cognito.update_group(
        UserPoolId=full.user_pool_id, GroupName=full.groups[1], Description="prod only"
    )
    _, staging = world.export(new_pool, "staging")
    run = cli(
        "apply",
        "--user-pool-id",
        full.user_pool_id,
        "--bundle",
        f"file://{staging}",
        "--region",
        REGION,
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
        "--output",
        "json",
    )
    # the create-only setting differs: that part is refused with the clone command, the rest applied
    assert run.code == 1
    result = run.json()
    refused = [part for part in result["parts"] if part["status"] == "rejected"]
    assert [part["id"] for part in refused] == ["createOnly"]
    assert "poolpatch clone --user-pool-id" in refused[0]["error"]["message"]
    group = world.cognito.get_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1])["Group"]
    assert group["Description"] == "Read-only partners"
