"""``diff_bundles`` on hand-written bundles: what is compared, what necessarily differs and is ignored,
and how clients and domains pair (design.md, ``poolpatch diff``). Expected values are the tests' own data."""

from __future__ import annotations

import copy
from typing import Any

from poolpatch.bundle.diff import diff_bundles
from poolpatch.plan import MISSING

STAGING, PROD = "111111111111", "222222222222"


def bundle(account: str, pool_id: str, **parts: Any) -> dict[str, Any]:
    return {
        "version": "1",
        "kind": "poolBundle",
        "source": {"accountId": account, "region": "eu-west-1", "userPoolId": pool_id, "capturedAt": account},
        "createOnly": {"UsernameAttributes": ["email"]},
        "pool": {"PoolName": f"pool-{account}"},
        **parts,
    }


def client(name: str, **document: Any) -> dict[str, Any]:
    return {"ClientName": name, "GenerateSecret": False, "document": {"ClientName": name, **document}}


def found(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    return [(d.part, d.path, d.a, d.b) for d in diff_bundles(a, b)]


def test_identical_configuration_of_two_pools_in_two_accounts_is_the_same() -> None:
    a = bundle(
        STAGING,
        "eu-west-1_Stage",
        pool={
            "PoolName": "staging",
            "LambdaConfig": {"PreSignUp": f"arn:aws:lambda:eu-west-1:{STAGING}:function:pre-sign-up"},
            "UserPoolTags": {"team": "id", "poolpatch:clone-of": "eu-west-1_Other"},
        },
        logDelivery={
            "LogConfigurations": [
                {
                    "EventSource": "userNotification",
                    "LogLevel": "ERROR",
                    "CloudWatchLogsConfiguration": {
                        "LogGroupArn": f"arn:aws:logs:eu-west-1:{STAGING}:log-group:/cognito/eu-west-1_Stage"
                    },
                }
            ]
        },
    )
    b = copy.deepcopy(a)
    b["source"] = {"accountId": PROD, "region": "eu-west-1", "userPoolId": "eu-west-1_Prod"}
    b["pool"]["PoolName"] = "prod"
    b["pool"]["LambdaConfig"]["PreSignUp"] = f"arn:aws:lambda:eu-west-1:{PROD}:function:pre-sign-up"
    b["pool"]["UserPoolTags"] = {"team": "id"}
    b["logDelivery"]["LogConfigurations"][0]["CloudWatchLogsConfiguration"]["LogGroupArn"] = (
        f"arn:aws:logs:eu-west-1:{PROD}:log-group:/cognito/eu-west-1_Prod"
    )
    assert diff_bundles(a, b) == []


def test_another_function_another_tag_or_a_foreign_account_is_a_difference() -> None:
    a = bundle(
        STAGING,
        "eu-west-1_Stage",
        pool={
            "LambdaConfig": {"PreSignUp": f"arn:aws:lambda:eu-west-1:{STAGING}:function:a"},
            "UserPoolTags": {"team": "id"},
        },
    )
    b = bundle(
        PROD,
        "eu-west-1_Prod",
        pool={
            "LambdaConfig": {"PreSignUp": "arn:aws:lambda:eu-west-1:333333333333:function:a"},
            "UserPoolTags": {"team": "ops"},
        },
    )
    assert found(a, b) == [
        (
            "pool",
            "/LambdaConfig/PreSignUp",
            "arn:aws:lambda:{region}:{accountId}:function:a",
            "arn:aws:lambda:{region}:333333333333:function:a",
        ),
        ("pool", "/UserPoolTags/team", "id", "ops"),
    ]


def test_clients_pair_by_id_else_by_name_and_their_settings_follow() -> None:
    a = bundle(
        STAGING,
        "eu-west-1_Stage",
        clients={"same": client("cli", RefreshTokenValidity=30), "s1": client("web", IdTokenValidity=1)},
        riskConfigurations={"s1": {"RiskExceptionConfiguration": {"BlockedIPRangeList": ["10.0.0.0/8"]}}},
    )
    b = bundle(
        PROD,
        "eu-west-1_Prod",
        clients={"same": client("cli", RefreshTokenValidity=7), "p1": client("web", IdTokenValidity=1)},
        riskConfigurations={"p1": {"RiskExceptionConfiguration": {"BlockedIPRangeList": ["10.0.0.0/16"]}}},
    )
    assert found(a, b) == [
        ("clients/same", "/RefreshTokenValidity", 30, 7),
        (
            "riskConfigurations/web",
            "/RiskExceptionConfiguration/BlockedIPRangeList",
            ["10.0.0.0/8"],
            ["10.0.0.0/16"],
        ),
    ]


def test_a_name_held_by_several_clients_leaves_them_unpaired_on_one_side_each() -> None:
    a = bundle(STAGING, "eu-west-1_Stage", clients={"s1": client("web"), "s2": client("web")})
    b = bundle(PROD, "eu-west-1_Prod", clients={"p1": client("web")})
    differences = diff_bundles(a, b)
    assert [(d.part, d.path, d.b is MISSING, d.a is MISSING) for d in differences] == [
        ("clients/s1", "", True, False),
        ("clients/s2", "", True, False),
        ("clients/p1", "", False, True),
    ]
    assert differences[0].to_dict() == {
        "part": "clients/s1",
        "path": "",
        "a": {"ClientName": "web", "GenerateSecret": False},
    }
    assert "a" not in differences[2].to_dict()
    assert differences[2].to_dict()["b"]["ClientName"] == "web"


def test_domains_pair_by_type_and_their_names_are_ignored() -> None:
    a = bundle(STAGING, "eu-west-1_Stage", domains={"acme-staging": {"ManagedLoginVersion": 2}})
    b = bundle(
        PROD,
        "eu-west-1_Prod",
        domains={"acme-prod": {"ManagedLoginVersion": 1}, "login.acme.example": {"ManagedLoginVersion": 2}},
    )
    assert found(a, b) == [
        ("domains/prefix", "/ManagedLoginVersion", 2, 1),
        ("domains/custom", "", MISSING, {"ManagedLoginVersion": 2}),
    ]


def test_schema_attributes_compare_by_name_not_position_and_empty_equals_absent() -> None:
    tier = {"Name": "tier", "AttributeDataType": "String"}
    plan = {"Name": "plan", "AttributeDataType": "String"}
    a = bundle(STAGING, "eu-west-1_Stage", groups={"g": {"Description": "x"}})
    b = bundle(PROD, "eu-west-1_Prod", groups={"g": {"Description": "x", "RoleArn": None} | {}})
    a["createOnly"]["Schema"], b["createOnly"]["Schema"] = [tier, plan], [plan, tier]
    b["createOnly"]["AliasAttributes"] = []
    del b["groups"]["g"]["RoleArn"]
    assert diff_bundles(a, b) == []
    b["createOnly"]["UsernameConfiguration"] = {"CaseSensitive": False}
    assert found(a, b) == [("createOnly", "/UsernameConfiguration", MISSING, {"CaseSensitive": False})]


def test_a_client_named_pool_or_like_another_client_s_id_keeps_its_id_and_hides_nothing() -> None:
    # Given the pool-level risk setting differs, and unpaired clients named "pool" and "same" (an id in use)
    pool_level_a = {"AccountTakeoverRiskConfiguration": {"Actions": {"LowAction": {"EventAction": "BLOCK"}}}}
    pool_level_b = {
        "AccountTakeoverRiskConfiguration": {"Actions": {"LowAction": {"EventAction": "NO_ACTION"}}}
    }
    client_risk = {"RiskExceptionConfiguration": {"BlockedIPRangeList": ["10.0.0.0/8"]}}
    a = bundle(
        STAGING,
        "eu-west-1_Stage",
        clients={"same": client("cli"), "s1": client("pool"), "s2": client("same")},
        riskConfigurations={"pool": pool_level_a, "s1": client_risk, "s2": client_risk},
    )
    b = bundle(
        PROD,
        "eu-west-1_Prod",
        clients={"same": client("cli"), "p1": client("pool"), "p2": client("same")},
        riskConfigurations={"pool": pool_level_b, "p1": client_risk, "p2": client_risk},
    )
    differences = found(a, b)
    # Then the pool-level difference is reported, and the clients are compared under their ids, unpaired
    path = "/AccountTakeoverRiskConfiguration/Actions/LowAction/EventAction"
    assert ("riskConfigurations/pool", path, "BLOCK", "NO_ACTION") in differences
    parts = {part for part, *_ in differences}
    assert {"clients/s1", "clients/s2", "clients/p1", "clients/p2"} <= parts
    assert "clients/pool" not in parts
