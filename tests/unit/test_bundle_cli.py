"""The bundle commands end to end on the fake (issue 9, "What it must show"): ``export --all``, ``clone``,
``diff`` and ``apply --bundle``, through the command line exactly as design.md writes them.

Expected values come from the seed's own data (``seed.full_pool``) and the service's raw reads, never from
the bundle code under test.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.cli import Run, cli, unpaced
from poolpatch_fake import faults, seed
from poolpatch_fake.seed import FullPool

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION: Final = "eu-west-1"
OIDC_SECRET: Final = "oidc-secret-value-9f2c"  # planted to prove it never leaks


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
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    unpaced(monkeypatch)
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


def apply_bundle(world: World, pool_id: str, path: Path, *extra: str) -> Run:
    return cli(
        "apply",
        "--user-pool-id",
        pool_id,
        "--bundle",
        f"file://{path}",
        "--region",
        REGION,
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
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
    import jsonschema

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
    # and, read raw from the service (not through the bundle code), the two pools hold the same configuration
    assert _raw(world.cognito, new_pool, report["clientIds"]) == _raw(
        world.cognito, world.full.user_pool_id, {old: old for old in report["clientIds"]}
    )


def _raw(cognito: CognitoIdentityProviderClient, pool_id: str, clients: dict[str, str]) -> dict[str, Any]:
    """What both pools must share, straight from the service's reads: groups, resource servers, MFA, each
    client's settings (by the source's client id), identity provider mappings and the pool's policies."""
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    mfa = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
    groups = cognito.list_groups(UserPoolId=pool_id)["Groups"]
    servers = cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
    ignored = {"UserPoolId", "ClientId", "ClientSecret", "CreationDate", "LastModifiedDate"}
    # A client created without token validities reads without them; the service's defaults (1 hour, 1 hour,
    # in hours and days: API_CreateUserPoolClient.html) are what it uses, and what a clone writes explicitly.
    defaults = {
        "AccessTokenValidity": 1,
        "IdTokenValidity": 1,
        "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
    }
    return {
        "policies": pool["Policies"],
        "email": pool.get("EmailConfiguration"),
        "addOns": pool.get("UserPoolAddOns"),
        "mfa": {k: v for k, v in mfa.items() if k != "ResponseMetadata"},
        "groups": sorted(
            (g["GroupName"], g.get("Description"), g.get("RoleArn"), g.get("Precedence")) for g in groups
        ),
        "servers": sorted((s["Identifier"], s["Name"], json.dumps(s.get("Scopes"))) for s in servers),
        "clients": {
            old: {
                k: v
                for k, v in (
                    defaults
                    | cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=new)["UserPoolClient"]
                ).items()
                if k not in ignored
            }
            for old, new in clients.items()
        },
        "mappings": {
            name: cognito.describe_identity_provider(UserPoolId=pool_id, ProviderName=name)[
                "IdentityProvider"
            ].get("AttributeMapping")
            for name in ("AcmeWorkforce", "Google")
        },
    }


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
    if lost:  # the service creates it, the caller sees a failure it does not retry: the rerun must find it
        faults.lose_response(fifth["operation"], "InvalidParameterException", skip=earlier, status=400)
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
    # and the rerun reports everything the clone made, the step the first run did not record included
    created = second.json()["created"]
    assert {"kind": "pool", "id": failed["userPoolId"]} in created
    made = _everything(world.cognito, failed["userPoolId"])
    clients = world.cognito.list_user_pool_clients(UserPoolId=failed["userPoolId"], MaxResults=60)
    assert sorted(c["id"] for c in created if c["kind"] == "client") == sorted(
        c["ClientId"] for c in clients["UserPoolClients"]
    )
    assert sorted(c["id"] for c in created if c["kind"] == "identityProvider") == made["providers"]
    assert sorted(c["id"] for c in created if c["kind"] == "resourceServer") == made["servers"]
    assert sorted(c["id"] for c in created if c["kind"] == "group") == made["groups"]


@pytest.mark.parametrize("step", [0, 4, 5])
def test_a_lost_create_response_is_recovered_in_the_same_run_without_a_second_create(
    world: World, step: int
) -> None:
    plan = clone(world, world.full.user_pool_id, "--plan").json()
    operation = plan["steps"][step]["operation"]
    earlier = sum(item["operation"] == operation for item in plan["steps"][:step])
    faults.reset()  # count this clone's calls only
    faults.lose_response(operation, skip=earlier)  # a 500: retryable, but botocore must not resend a create
    pools_before = len(world.cognito.list_user_pools(MaxResults=60)["UserPools"])
    run = clone(world, world.full.user_pool_id)
    assert run.code == 0, run.err
    planned = sum(item["operation"] == operation for item in plan["steps"])
    assert len(faults.calls(operation)) == planned  # each sent once: no SDK retry of the lost create
    assert len(world.cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools_before + 1
    assert _everything(world.cognito, run.json()["userPoolId"]) == _everything(
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
    run = apply_bundle(world, full.user_pool_id, path)
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
    run = apply_bundle(world, full.user_pool_id, path)
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
    run = apply_bundle(world, full.user_pool_id, staging)
    # the create-only setting differs: that part is refused with the clone command, the rest applied
    assert run.code == 1
    result = run.json()
    refused = [part for part in result["parts"] if part["status"] == "rejected"]
    assert [part["id"] for part in refused] == ["createOnly"]
    assert "poolpatch clone --user-pool-id" in refused[0]["error"]["message"]
    group = world.cognito.get_group(UserPoolId=full.user_pool_id, GroupName=full.groups[1])["Group"]
    assert group["Description"] == "Read-only partners"


def test_apply_bundle_recreates_a_deleted_app_client_with_a_new_id_and_its_settings_follow(
    world: World,
) -> None:
    full = world.full
    bundle, path = world.export(full.user_pool_id, "before")
    world.cognito.delete_user_pool_client(UserPoolId=full.user_pool_id, ClientId=full.client_id)
    run = apply_bundle(world, full.user_pool_id, path)
    assert run.code == 0, run.err
    result = run.json()
    [recreated] = [item for item in result["recreated"] if item["kind"] == "client"]
    new_id = recreated["newId"]
    assert recreated["id"] == full.client_id
    assert new_id != full.client_id
    listed = world.cognito.list_user_pool_clients(UserPoolId=full.user_pool_id, MaxResults=60)[
        "UserPoolClients"
    ]
    assert {c["ClientId"]: c["ClientName"] for c in listed}[new_id] == "acme-partners-portal"
    raw = world.cognito.describe_user_pool_client(UserPoolId=full.user_pool_id, ClientId=new_id)[
        "UserPoolClient"
    ]
    assert raw["AllowedOAuthScopes"] == bundle["clients"][full.client_id]["document"]["AllowedOAuthScopes"]
    risk = world.cognito.describe_risk_configuration(UserPoolId=full.user_pool_id, ClientId=new_id)[
        "RiskConfiguration"
    ]
    assert risk.get("ClientId") == new_id  # its own, not the pool's inherited one
    assert risk["CompromisedCredentialsRiskConfiguration"]["Actions"] == {
        "EventAction": "NO_ACTION"
    }  # seed's
    branding = world.cognito.describe_managed_login_branding_by_client(
        UserPoolId=full.user_pool_id, ClientId=new_id
    )
    assert branding["ManagedLoginBranding"]["Settings"]["categories"]["global"]["colorSchemeMode"] == "LIGHT"
    [client_part] = [p for p in result["parts"] if p["kind"] == "client" and p["id"] == new_id]
    assert client_part["status"] == "recreated"
    assert client_part["notCarried"][0]["part"] == f"clients/{full.client_id}/ClientSecret"
    settings = {
        (p["kind"], p["status"]) for p in result["parts"] if p["id"] == new_id and p["kind"] != "client"
    }
    assert ("riskConfiguration", "applied") in settings  # through the engine, with snapshots
    assert all(p["snapshots"].get("before") for p in result["parts"] if p["status"] == "applied")


def test_apply_bundle_turns_a_setting_back_on_through_the_engine_and_reports_extra_settings(
    world: World,
) -> None:
    full = world.full
    bundle, path = world.export(full.user_pool_id, "before")
    world.cognito.set_log_delivery_configuration(UserPoolId=full.user_pool_id, LogConfigurations=[])
    world.cognito.set_risk_configuration(
        UserPoolId=full.user_pool_id,
        ClientId=full.other_client_id,
        CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}},
    )
    run = apply_bundle(world, full.user_pool_id, path)
    assert run.code == 0, run.err
    result = run.json()
    [log] = [p for p in result["parts"] if p["kind"] == "logDelivery"]
    assert log["status"] == "applied"
    assert log["snapshots"]["before"]
    assert log["snapshots"]["after"]
    raw = world.cognito.get_log_delivery_configuration(UserPoolId=full.user_pool_id)[
        "LogDeliveryConfiguration"
    ]
    assert raw["LogConfigurations"] == bundle["logDelivery"]["LogConfigurations"]
    assert result["extra"] == [{"kind": "riskConfiguration", "id": full.other_client_id}]
    kept = world.cognito.describe_risk_configuration(
        UserPoolId=full.user_pool_id, ClientId=full.other_client_id
    )
    assert (
        kept["RiskConfiguration"]["CompromisedCredentialsRiskConfiguration"]["Actions"]["EventAction"]
        == "BLOCK"
    )


def test_apply_bundle_adds_custom_attributes_the_pool_lacks_and_refuses_other_schema_changes(
    world: World,
) -> None:
    full = world.full
    bundle, path = world.export(full.user_pool_id, "before")
    tier = {"Name": "tier", "AttributeDataType": "String", "Mutable": True}
    bundle["createOnly"]["Schema"] = [*bundle["createOnly"]["Schema"], tier]
    path.write_text(json.dumps(bundle))
    run = apply_bundle(world, full.user_pool_id, path)
    assert run.code == 0, run.err
    [pool_part] = [p for p in run.json()["parts"] if p["kind"] == "pool"]
    assert pool_part["status"] == "applied"
    names = [
        a["Name"]
        for a in world.cognito.describe_user_pool(UserPoolId=full.user_pool_id)["UserPool"][
            "SchemaAttributes"
        ]
    ]
    assert "custom:tier" in names
    bundle["createOnly"]["Schema"][-1] = {
        **tier,
        "Mutable": False,
    }  # an existing attribute changed: clone only
    path.write_text(json.dumps(bundle))
    refused = apply_bundle(world, full.user_pool_id, path)
    assert refused.code == 1
    [entry] = [p for p in refused.json()["parts"] if p["status"] == "rejected"]
    assert entry["id"] == "createOnly"
    assert "poolpatch clone --user-pool-id" in entry["error"]["message"]


def test_clone_uses_client_secrets_from_the_secrets_file_and_never_writes_them(world: World) -> None:
    full = world.full
    secret = "portal-secret-kept-across-the-clone-0123456789abcdef"
    path = world.tmp / "secrets.json"
    path.write_text(json.dumps({"clients": {full.client_id: secret}}))
    common = (
        "--pool-name",
        "acme-clone",
        "--secrets",
        f"file://{path}",
        "--region",
        REGION,
        "--output",
        "json",
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
        "--request-id",
        "clone-secrets",
    )
    plan = cli("clone", "--user-pool-id", full.user_pool_id, *common, "--plan")
    assert plan.code == 0
    assert secret not in plan.out
    [step] = [
        s
        for s in plan.json()["steps"]
        if s["operation"] == "CreateUserPoolClient" and s["id"] == full.client_id
    ]
    assert step["input"]["ClientSecret"] == "<redacted>"
    run = cli("clone", "--user-pool-id", full.user_pool_id, *common)
    assert run.code == 0, run.err
    report = run.json()
    new_client = report["clientIds"][full.client_id]
    raw = world.cognito.describe_user_pool_client(UserPoolId=report["userPoolId"], ClientId=new_client)
    assert raw["UserPoolClient"]["ClientSecret"] == secret
    written = "".join(p.read_text() for p in (world.tmp / "snapshots").rglob("*.json"))
    assert secret not in run.out + run.err + written
    # without --secrets for them, the identity providers are not carried, and clients lose them
    parts = {item["part"] for item in report["notCarried"]}
    assert {"identityProviders/AcmeWorkforce", "identityProviders/Google"} <= parts
    assert raw["UserPoolClient"]["SupportedIdentityProviders"] == ["COGNITO"]
    assert (
        world.cognito.list_identity_providers(UserPoolId=report["userPoolId"], MaxResults=60)["Providers"]
        == []
    )
    # without --domain-prefix: no domain, and the settings that need one are not carried
    assert {"domains/" + full.domain, "managedLoginBrandings/" + full.client_id} <= parts
    assert "Domain" not in world.cognito.describe_user_pool(UserPoolId=report["userPoolId"])["UserPool"]


def test_clone_rerun_with_the_same_request_id_for_another_clone_is_refused(world: World) -> None:
    base = (
        "--user-pool-id",
        world.full.user_pool_id,
        "--region",
        REGION,
        "--output",
        "json",
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
        "--request-id",
        "clone-one",
    )
    assert cli("clone", *base, "--pool-name", "first").code == 0
    pools = len(world.cognito.list_user_pools(MaxResults=60)["UserPools"])
    again = cli("clone", *base, "--pool-name", "second")
    assert again.code == 1
    assert "InvalidRequest" in again.err
    assert "/requestId" in again.err
    assert len(world.cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--secrets", '{"clients": {}}', "file://PATH only"), ("--request-id", "../../etc/x", "--request-id")],
)
def test_clone_refuses_inline_secrets_and_unsafe_request_ids(
    world: World, option: str, value: str, message: str
) -> None:
    run = cli(
        "clone",
        "--user-pool-id",
        world.full.user_pool_id,
        "--pool-name",
        "x",
        option,
        value,
        "--region",
        REGION,
        "--snapshot-dir",
        str(world.tmp / "snapshots"),
    )
    assert run.code == 1
    assert message in run.err
    assert not (world.tmp / "snapshots").exists()


def test_the_clone_command_in_a_schema_refusal_is_one_clone_accepts(world: World) -> None:
    full = world.full
    schema = world.cognito.describe_user_pool(UserPoolId=full.user_pool_id)["UserPool"]["SchemaAttributes"]
    wanted = [*schema, {"Name": "custom:tier", "AttributeDataType": "String", "Mutable": False}]
    refused = cli(
        "plan",
        "--user-pool-id",
        full.user_pool_id,
        "--patch",
        json.dumps({"SchemaAttributes": wanted}),
        "--region",
        REGION,
    )
    assert refused.code == 1
    assert "ImmutableSetting" in refused.err
    command = refused.err.split("`poolpatch clone", 1)[1].split("`", 1)[0]
    argv = ["clone", *shlex.split(command), "--plan", "--region", REGION, "--output", "json"]
    planned = cli(*argv)
    assert planned.code == 0, planned.err
    [create] = [s for s in planned.json()["steps"] if s["operation"] == "CreateUserPool"]
    assert {"Name": "tier", "AttributeDataType": "String", "Mutable": False} in create["input"]["Schema"]


def test_a_secret_kept_in_secrets_manager_still_marks_the_client_confidential(world: World) -> None:
    arn = f"arn:aws:secretsmanager:{REGION}:{seed.ACCOUNT_ID}:secret:cognito-cli-AbCdEf"
    faults.add_raw_member("DescribeUserPoolClient", "/UserPoolClient/ClientSecretArn", arn, times=2)
    bundle, _ = world.export(world.full.user_pool_id, "source")
    assert bundle["clients"][world.full.other_client_id]["GenerateSecret"] is True
    assert arn not in json.dumps(bundle)


def test_the_stack_restores_only_a_bundle_of_the_target_pool_itself(world: World) -> None:
    from poolpatch.adapters.cognito import Boto3Cognito
    from poolpatch.adapters.fleet import Boto3FleetReader
    from poolpatch.bundle.restore import restore_pool
    from poolpatch.errors import InvalidRequest
    from poolpatch.request import Target

    bundle, _ = world.export(world.full.user_pool_id, "source")
    bundle["source"]["userPoolId"] = "eu-west-1_Another"
    port = Boto3Cognito(world.cognito)
    target = Target(world.full.user_pool_id, account_id=seed.ACCOUNT_ID, region=REGION)

    def never(*_: object) -> Any:
        raise AssertionError("refused before any write or create")

    with pytest.raises(InvalidRequest) as refused:
        restore_pool(
            bundle,
            Boto3FleetReader(port),
            target=target,
            run=never,
            create=never,
            request_id="r-1",
            own_bundle_only=True,
        )
    assert refused.value.path == "/restore/bundle"


def test_a_domain_prefix_in_use_is_not_carried_and_the_clone_completes(world: World) -> None:
    # Given the source pool's own prefix as --domain-prefix (domain names are unique per Region)
    pools_before = len(world.cognito.list_user_pools(MaxResults=60)["UserPools"])
    run = clone(world, world.full.user_pool_id, "--domain-prefix", world.full.domain, "--request-id", "dom")
    # Then the clone completes with everything else, and says the domain (and what needs it) was not carried
    assert run.code == 0, run.err
    report = run.json()
    assert report["status"] == "created"
    parts = {item["part"]: item["reason"] for item in report["notCarried"]}
    assert world.full.user_pool_id in parts[f"domains/{world.full.domain}"]
    assert f"managedLoginBrandings/{world.full.client_id}" in parts
    assert f"uiCustomizations/{world.full.client_id}" in parts
    new_pool = report["userPoolId"]
    assert _everything(world.cognito, new_pool) == _everything(world.cognito, world.full.user_pool_id)
    assert "Domain" not in world.cognito.describe_user_pool(UserPoolId=new_pool)["UserPool"]
    # And the source keeps its domain
    owner = world.cognito.describe_user_pool_domain(Domain=world.full.domain)["DomainDescription"][
        "UserPoolId"
    ]
    assert owner == world.full.user_pool_id
    # And a rerun of the same request creates nothing more and still reports the domain
    again = clone(world, world.full.user_pool_id, "--domain-prefix", world.full.domain, "--request-id", "dom")
    assert again.code == 0, again.err
    assert f"domains/{world.full.domain}" in {item["part"] for item in again.json()["notCarried"]}
    assert len(world.cognito.list_user_pools(MaxResults=60)["UserPools"]) == pools_before + 1


def test_a_domain_the_service_refuses_is_not_carried_and_the_clone_completes(world: World) -> None:
    # Given the service refuses the new domain (a prefix another account holds is refused, not described)
    faults.inject("CreateUserPoolDomain", "InvalidParameterException", message="Domain already associated")
    run = clone(world, world.full.user_pool_id, "--request-id", "dom-refused")
    assert run.code == 0, run.err
    report = run.json()
    parts = {item["part"]: item["reason"] for item in report["notCarried"]}
    assert "Domain already associated" in parts["domains/acme-partners-clone"]
    assert f"uiCustomizations/{world.full.client_id}" in parts
    assert _everything(world.cognito, report["userPoolId"]) == _everything(
        world.cognito, world.full.user_pool_id
    )


@pytest.mark.parametrize("prefix", ["Bad_Prefix!", "acme-", "acme.example.com", "a" * 64])
def test_a_malformed_domain_prefix_is_refused_before_anything_is_created(world: World, prefix: str) -> None:
    pools_before = world.cognito.list_user_pools(MaxResults=60)["UserPools"]
    run = clone(world, world.full.user_pool_id, "--domain-prefix", prefix)
    assert run.code != 0
    assert "--domain-prefix" in run.err
    assert "/domainPrefix" in run.err
    assert world.cognito.list_user_pools(MaxResults=60)["UserPools"] == pools_before


def test_apply_bundle_keeps_each_pool_s_own_poolpatch_tags(world: World) -> None:
    # Given a clone (tagged poolpatch:clone-of / clone-request) and the source pool's bundle
    full = world.full
    new_pool = clone(world, full.user_pool_id, "--request-id", "tags").json()["userPoolId"]
    clone_tags = world.cognito.describe_user_pool(UserPoolId=new_pool)["UserPool"]["UserPoolTags"]
    assert clone_tags["poolpatch:clone-request"] == "tags"
    _, source_path = world.export(full.user_pool_id, "source")
    # When the source's bundle is applied onto the clone, the clone keeps its own tags (reruns find it so)
    onto_clone = apply_bundle(world, new_pool, source_path)
    assert onto_clone.code in (0, 1), onto_clone.err  # createOnly differs (CaseSensitive): refused part
    after = world.cognito.describe_user_pool(UserPoolId=new_pool)["UserPool"]["UserPoolTags"]
    assert {k: v for k, v in after.items() if k.startswith("poolpatch:")} == {
        k: v for k, v in clone_tags.items() if k.startswith("poolpatch:")
    }
    # And the clone's bundle applied onto the source copies none of the clone's tags there
    source_tags = world.cognito.describe_user_pool(UserPoolId=full.user_pool_id)["UserPool"].get(
        "UserPoolTags"
    )
    _, clone_path = world.export(new_pool, "clone")
    apply_bundle(world, full.user_pool_id, clone_path)
    assert world.cognito.describe_user_pool(UserPoolId=full.user_pool_id)["UserPool"].get("UserPoolTags") == (
        source_tags
    )
    # And a tag the bundle has and the clone lacks still goes across: only poolpatch's own are kept apart
    bundle, _ = world.export(full.user_pool_id, "source-again")
    bundle["pool"]["UserPoolTags"] = {**bundle["pool"].get("UserPoolTags", {}), "cost-center": "cc-42"}
    tagged = world.tmp / "tagged.json"
    tagged.write_text(json.dumps(bundle))
    apply_bundle(world, new_pool, tagged)
    final = world.cognito.describe_user_pool(UserPoolId=new_pool)["UserPool"]["UserPoolTags"]
    assert final["cost-center"] == "cc-42"
    assert final["poolpatch:clone-request"] == "tags"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (("--expected-last-modified-date", "2026-01-01T00:00:00Z"), "--expected-last-modified-date"),
        (
            ("--add-custom-attributes", '[{"Name": "tier", "AttributeDataType": "String"}]'),
            "--add-custom-attributes",
        ),
    ],
)
def test_apply_bundle_refuses_options_it_would_ignore(
    world: World, extra: tuple[str, str], named: str
) -> None:
    bundle, path = world.export(world.full.user_pool_id, "before")
    bundle["groups"][world.full.groups[1]]["Description"] = "changed"
    path.write_text(json.dumps(bundle))
    run = apply_bundle(world, world.full.user_pool_id, path, *extra)
    assert run.code != 0
    assert named in run.err
    group = world.cognito.get_group(UserPoolId=world.full.user_pool_id, GroupName=world.full.groups[1])[
        "Group"
    ]
    assert group["Description"] == "Read-only partners"  # nothing written


def test_apply_bundle_refuses_a_pool_of_another_account_by_reference(world: World) -> None:
    _, path = world.export(world.full.user_pool_id, "before")
    run = apply_bundle(world, f"{seed.ACCOUNT_ID}:{REGION}:{world.full.user_pool_id}", path)
    assert run.code != 0
    assert "InvalidRequest" in run.err
    assert "--profile" in run.err
