"""Property: a patch changes exactly what it names, on random valid pools and app clients.

For random valid configurations (written straight into the fake with UpdateUserPool /
UpdateUserPoolClient, as any other tool would) and random valid merge patches, the engine applies the
patch, then the test describes again and compares the projected, prepared update documents
(:func:`poolpatch.engine.live_document`) before and after:

- every path that changed is one the patch names (or inside / above one): nothing else moved;
- every member the patch names holds the patch's value afterwards, or is absent when the patch removed it.

The strategies stay within what the fake and the rules accept, which are the service's rules: no ``aws:``
tag keys, valid Lambda ARNs with ``PreTokenGeneration`` and ``PreTokenGenerationConfig`` patched
together, ``{####}`` in SMS texts, token validity numbers with their units inside the service's ranges,
HTTPS callback URLs; members whose removal means "send the documented default" (``DeletionProtection``,
``Policies``, ``EnableTokenRevocation``...) are set, never removed, since their removal is not absence.

Speed: one moto backend, pool and client per test function; each example resets the configuration by
writing its random base document, so no pool is created per example (moto generates a key pair for every
pool). Hypothesis profiles: ``default`` (500 examples) and ``soak`` (20,000; ``make soak``), chosen by
``POOLPATCH_HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

import poolpatch_fake
from helpers.aws import fake_aws_environment
from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.engine import Engine, fixed, live_document
from poolpatch.errors import NotFound
from poolpatch.merge import named_pointers, related
from poolpatch.plan import MISSING, diff
from poolpatch.request import Kind, parse_request

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
ACCOUNT = "123456789012"

settings.register_profile(
    "default",
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "soak",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = settings.get_profile(os.environ.get("POOLPATCH_HYPOTHESIS_PROFILE", "default"))

# --- value strategies -------------------------------------------------------------------------------

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
LAMBDA_ARNS = NAMES.map(lambda name: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-{name}")
TRIGGERS = (
    "PreSignUp",
    "CustomMessage",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "UserMigration",
)
SAFE_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,:", max_size=40)
SMS_MESSAGES = st.tuples(SAFE_TEXT, SAFE_TEXT).map(lambda parts: f"{parts[0]}{{####}}{parts[1]}")
TAG_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=24).filter(
    lambda key: not key.lower().startswith("aws:")
)
# Tag values may be empty (0-256 characters): an empty value is a tag like any other.
TAG_VALUES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_. ", min_size=0, max_size=24)
RECOVERY = st.sampled_from(
    [
        ["verified_email"],
        ["verified_phone_number"],
        ["verified_email", "verified_phone_number"],
        ["verified_phone_number", "verified_email"],
        ["admin_only"],
    ]
).map(lambda names: {"RecoveryMechanisms": [{"Priority": i + 1, "Name": n} for i, n in enumerate(names)]})
SMS_CONFIGURATION = {
    "SnsCallerArn": f"arn:aws:iam::{ACCOUNT}:role/service-role/acme-cognito-sms",
    "ExternalId": "acme-sms-external-id",
    "SnsRegion": REGION,
}


def _maybe(member: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``{member: value}`` or ``{}``."""
    return st.one_of(st.just({}), strategy.map(lambda value: {member: value}))


def _merged(*parts: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(*parts).map(lambda dicts: {k: v for d in dicts for k, v in d.items()})


def _password_policy(*, complete: bool) -> st.SearchStrategy[dict[str, Any]]:
    members: dict[str, st.SearchStrategy[Any]] = {
        "MinimumLength": st.integers(6, 99),
        "RequireUppercase": st.booleans(),
        "RequireLowercase": st.booleans(),
        "RequireNumbers": st.booleans(),
        "RequireSymbols": st.booleans(),
        "PasswordHistorySize": st.integers(0, 24),
        "TemporaryPasswordValidityDays": st.integers(1, 365),
    }
    if complete:
        return st.fixed_dictionaries(members)
    return st.fixed_dictionaries({}, optional=members).filter(bool)


def _pre_token(arn: str, version: str) -> dict[str, Any]:
    return {
        "PreTokenGeneration": arn,
        "PreTokenGenerationConfig": {"LambdaArn": arn, "LambdaVersion": version},
    }


PRE_TOKEN_SET = st.builds(_pre_token, LAMBDA_ARNS, st.sampled_from(["V1_0", "V2_0", "V3_0"]))


def _lambda_config(*, patch: bool) -> st.SearchStrategy[dict[str, Any]]:
    triggers: st.SearchStrategy[Any] = st.one_of(LAMBDA_ARNS, st.none()) if patch else LAMBDA_ARNS
    pre_token: st.SearchStrategy[dict[str, Any]] = st.one_of(st.just({}), PRE_TOKEN_SET)
    if patch:
        removal = {"PreTokenGeneration": None, "PreTokenGenerationConfig": None}
        pre_token = st.one_of(pre_token, st.just(removal))
    return _merged(st.dictionaries(st.sampled_from(TRIGGERS), triggers, max_size=4), pre_token)


DEVICE_CONFIGURATION = st.fixed_dictionaries(
    {},
    optional={
        "ChallengeRequiredOnNewDevice": st.booleans(),
        "DeviceOnlyRememberedOnUserPrompt": st.booleans(),
    },
).filter(bool)
AUTO_VERIFIED = st.lists(st.sampled_from(["email", "phone_number"]), min_size=1, max_size=2, unique=True)


def pool_bases() -> st.SearchStrategy[dict[str, Any]]:
    """A random valid UpdateUserPool document (without ids) for the property pool."""
    return _merged(
        st.just({"SmsConfiguration": SMS_CONFIGURATION}),
        _maybe("DeletionProtection", st.sampled_from(["ACTIVE", "INACTIVE"])),
        _maybe("Policies", _password_policy(complete=True).map(lambda p: {"PasswordPolicy": p})),
        _maybe("LambdaConfig", _lambda_config(patch=False).filter(bool)),
        _maybe("AutoVerifiedAttributes", AUTO_VERIFIED),
        _maybe("SmsAuthenticationMessage", SMS_MESSAGES),
        _maybe("UserPoolTags", st.dictionaries(TAG_KEYS, TAG_VALUES, min_size=1, max_size=6)),
        _maybe("AccountRecoverySetting", RECOVERY),
        _maybe("DeviceConfiguration", DEVICE_CONFIGURATION),
        _maybe("AdminCreateUserConfig", st.builds(lambda b: {"AllowAdminCreateUserOnly": b}, st.booleans())),
    )


def pool_patches() -> st.SearchStrategy[dict[str, Any]]:
    """A random valid, non-empty merge patch over the pool update document."""
    return _merged(
        _maybe("DeletionProtection", st.sampled_from(["ACTIVE", "INACTIVE"])),
        _maybe("Policies", _password_policy(complete=False).map(lambda p: {"PasswordPolicy": p})),
        _maybe("LambdaConfig", _lambda_config(patch=True).filter(bool)),
        _maybe("AutoVerifiedAttributes", st.one_of(AUTO_VERIFIED, st.none())),
        _maybe("SmsAuthenticationMessage", st.one_of(SMS_MESSAGES, st.none())),
        _maybe(
            "UserPoolTags",
            st.one_of(
                st.dictionaries(TAG_KEYS, st.one_of(TAG_VALUES, st.none()), min_size=1, max_size=6), st.none()
            ),
        ),
        _maybe("AccountRecoverySetting", st.one_of(RECOVERY, st.none())),
        _maybe("DeviceConfiguration", st.one_of(DEVICE_CONFIGURATION, st.none())),
        _maybe("AdminCreateUserConfig", st.builds(lambda b: {"AllowAdminCreateUserOnly": b}, st.booleans())),
    ).filter(bool)


# Token validity: (number member, unit member, {unit: (low, high)}) inside the service's ranges.
TOKENS: tuple[tuple[str, str, dict[str, tuple[int, int]]], ...] = (
    ("AccessTokenValidity", "AccessToken", {"minutes": (5, 1440), "hours": (1, 24), "days": (1, 1)}),
    ("IdTokenValidity", "IdToken", {"minutes": (5, 1440), "hours": (1, 24), "days": (1, 1)}),
    (
        "RefreshTokenValidity",
        "RefreshToken",
        {"minutes": (60, 10_000), "hours": (1, 87_600), "days": (1, 3650)},
    ),
)


@st.composite
def _token(
    draw: st.DrawFn, number: str, unit_member: str, ranges: Mapping[str, tuple[int, int]]
) -> dict[str, Any]:
    unit = draw(st.sampled_from(sorted(ranges)))
    low, high = ranges[unit]
    return {number: draw(st.integers(low, high)), "TokenValidityUnits": {unit_member: unit}}


def _tokens() -> st.SearchStrategy[dict[str, Any]]:
    parts = [st.one_of(st.just({}), _token(number, unit, ranges)) for number, unit, ranges in TOKENS]

    def combine(dicts: tuple[dict[str, Any], ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in dicts:
            for key, value in item.items():
                if key == "TokenValidityUnits":
                    out.setdefault(key, {}).update(value)
                else:
                    out[key] = value
        return out

    return st.tuples(*parts).map(combine)


ATTRIBUTES = ["email", "name", "given_name", "family_name", "phone_number", "locale", "custom:tier"]
READ_ATTRIBUTES = st.lists(
    st.sampled_from([*ATTRIBUTES, "email_verified"]), min_size=1, max_size=5, unique=True
)
WRITE_ATTRIBUTES = st.lists(st.sampled_from(ATTRIBUTES), min_size=1, max_size=5, unique=True)
AUTH_FLOWS = st.lists(
    st.sampled_from(
        [
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_CUSTOM_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        ]
    ),
    min_size=1,
    max_size=4,
    unique=True,
)
URLS = st.lists(
    st.builds(lambda host, path: f"https://{host}.example.com/{path}", NAMES, NAMES),
    min_size=1,
    max_size=3,
    unique=True,
)
SCOPES = st.lists(
    st.sampled_from(["openid", "email", "profile", "phone", "aws.cognito.signin.user.admin"]),
    min_size=1,
    max_size=4,
    unique=True,
)
CLIENT_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.@", min_size=1, max_size=40)


def client_bases() -> st.SearchStrategy[dict[str, Any]]:
    """A random valid UpdateUserPoolClient document (without ids): an OAuth code-flow client."""
    return _merged(
        st.just({"AllowedOAuthFlows": ["code"], "AllowedOAuthFlowsUserPoolClient": True}),
        st.just({"SupportedIdentityProviders": ["COGNITO"]}),
        URLS.map(lambda urls: {"CallbackURLs": urls}),
        SCOPES.map(lambda scopes: {"AllowedOAuthScopes": scopes}),
        _maybe("ClientName", CLIENT_NAMES),
        _maybe("ReadAttributes", READ_ATTRIBUTES),
        _maybe("WriteAttributes", WRITE_ATTRIBUTES),
        _maybe("ExplicitAuthFlows", AUTH_FLOWS),
        _tokens(),
        _maybe("LogoutURLs", URLS),
        _maybe("PreventUserExistenceErrors", st.sampled_from(["ENABLED", "LEGACY"])),
        _maybe("EnableTokenRevocation", st.booleans()),
        _maybe("AuthSessionValidity", st.integers(3, 15)),
    )


def client_patches() -> st.SearchStrategy[dict[str, Any]]:
    """A random valid, non-empty merge patch over the client update document."""
    return _merged(
        _maybe("ClientName", CLIENT_NAMES),
        _maybe("ReadAttributes", READ_ATTRIBUTES),
        _maybe("WriteAttributes", WRITE_ATTRIBUTES),
        _maybe("ExplicitAuthFlows", AUTH_FLOWS),
        _tokens(),
        _maybe("CallbackURLs", URLS),
        _maybe("LogoutURLs", st.one_of(URLS, st.none())),
        _maybe("AllowedOAuthScopes", SCOPES),
        _maybe("PreventUserExistenceErrors", st.sampled_from(["ENABLED", "LEGACY"])),
        _maybe("EnableTokenRevocation", st.booleans()),
        _maybe("AuthSessionValidity", st.integers(3, 15)),
    ).filter(bool)


# --- the world ----------------------------------------------------------------------------------------


class CountingStore:
    """Snapshots counted, not kept: the property is about Cognito, and keeping 40,000 soak snapshots
    (or writing them to disk) would only cost memory and time."""

    def __init__(self) -> None:
        self.count = 0

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """Count the snapshot; it must be JSON-ready like every stored one."""
        assert isinstance(document.get("updateDocument"), dict)
        self.count += 1
        return f"mem://{key}"

    def get(self, reference: str) -> dict[str, Any]:
        """Nothing is kept; restores are not part of this property."""
        raise NotFound(reference)


@dataclass(frozen=True)
class World:
    """A moto backend with the fake, one pool and one app client, and an engine over them."""

    cognito: CognitoIdentityProviderClient
    engine: Engine
    store: CountingStore
    pool_id: str
    client_id: str

    def reset(self, kind: Kind, base: Mapping[str, Any]) -> None:
        """Write ``base`` as the whole configuration of the pool or the client."""
        if kind == "pool":
            self.cognito.update_user_pool(UserPoolId=self.pool_id, **base)
        else:
            self.cognito.update_user_pool_client(UserPoolId=self.pool_id, ClientId=self.client_id, **base)

    def document(self, kind: Kind) -> dict[str, Any]:
        """The live update document."""
        if kind == "pool":
            return live_document("pool", self.cognito.describe_user_pool(UserPoolId=self.pool_id)["UserPool"])
        described = self.cognito.describe_user_pool_client(UserPoolId=self.pool_id, ClientId=self.client_id)
        return live_document("client", described["UserPoolClient"])

    def target(self, kind: Kind) -> dict[str, str]:
        """The request target for ``kind``."""
        if kind == "pool":
            return {"userPoolId": self.pool_id}
        return {"userPoolId": self.pool_id, "clientId": self.client_id}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """One backend for the module (fake credentials, as conftest sets per test)."""
    with pytest.MonkeyPatch.context() as patch:
        fake_aws_environment(patch)
        with mock_aws(), poolpatch_fake.installed():
            cognito = boto3.client("cognito-idp", region_name=REGION)
            pool_id = cognito.create_user_pool(PoolName="acme-properties")["UserPool"]["Id"]
            cognito.add_custom_attributes(
                UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}]
            )
            client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="acme-web")[
                "UserPoolClient"
            ]["ClientId"]
            store = CountingStore()
            engine = Engine(fixed(Boto3Cognito(cognito)), store, account_id=ACCOUNT, region=REGION)
            yield World(cognito, engine, store, pool_id, client_id)


# --- the property ---------------------------------------------------------------------------------------


def _lookup(document: Mapping[str, Any], pointer: str) -> Any:
    current: Any = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if not isinstance(current, Mapping) or token not in current:
            return MISSING
        current = current[token]
    return current


def _leaf(patch: Mapping[str, Any], pointer: str) -> Any:
    value = _lookup(patch, pointer)
    assert value is not MISSING
    return value


def check_patch_changes_only_what_it_names(
    world: World, kind: Kind, base: dict[str, Any], patch: dict[str, Any]
) -> None:
    """Reset to ``base``, apply ``patch`` through the engine, and check the property."""
    # Given the random base configuration
    world.reset(kind, base)
    before = world.document(kind)
    request = parse_request(
        {
            "version": "1",
            "requestId": f"prop-{world.store.count}",
            "target": world.target(kind),
            "patch": patch,
        }
    )
    # When the patch is applied
    result = world.engine.run(request)
    # Then it was applied (or was already true), verified without differences
    assert result.status in ("applied", "unchanged"), result.to_dict()
    assert not result.differences, result.to_dict()
    after = world.document(kind)
    named = named_pointers(patch)
    # And nothing the patch does not name moved
    moved = [change for change in diff(before, after) if not any(related(change.path, p) for p in named)]
    assert moved == [], (moved, patch)
    # And everything it names holds the patch's value, or is gone when removed
    for pointer in named:
        wanted = _leaf(patch, pointer)
        actual = _lookup(after, pointer)
        if wanted is None:
            assert actual is MISSING, (pointer, actual)
        else:
            assert actual == wanted, (pointer, wanted, actual)


@PROFILE
@given(base=pool_bases(), patch=pool_patches())
def test_pool_patch_changes_exactly_what_it_names(
    world: World, base: dict[str, Any], patch: dict[str, Any]
) -> None:
    check_patch_changes_only_what_it_names(world, "pool", base, patch)


@PROFILE
@given(base=client_bases(), patch=client_patches())
def test_client_patch_changes_exactly_what_it_names(
    world: World, base: dict[str, Any], patch: dict[str, Any]
) -> None:
    check_patch_changes_only_what_it_names(world, "client", base, patch)
