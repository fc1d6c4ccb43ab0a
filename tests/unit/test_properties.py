"""Property: a patch changes exactly what it names, for every configuration kind, against the raw reads.

For every kind in :data:`poolpatch.kinds.KINDS` and random valid merge patches (pool and client: the
hand-tuned strategies below; the other kinds: strategies derived from the botocore shape of the kind's
write input, with realistic values where the shape's pattern or a rule constrains them), two properties
are checked. The expectations come from a small oracle in this file: RFC 7396 over the **raw read**
(what DescribeUserPool, GetGroup... return on the fake), plus the service's documented defaults for
members whose removal is not absence. The engine's own functions (``live_document``, ``prepare``,
``diff``, ``named_pointers``) are never used to compute an expectation, so a member ``prepare`` drops, or
a missing explicit default, shows.

1. The pipeline (``pipeline.plan_change``, the function the engine, the CLI and drift call), on the
   seeded target's read (``seed.full_pool``): every example ends in a plan or a
   :class:`~poolpatch.errors.PoolpatchError` with a code and a path (never another exception); for a
   plan, every member the read had that the patch does not touch is in the document to send unchanged,
   every member the patch names holds the patch's value, and a removal is absent or its documented default.
2. The engine on the fake (``Engine.run``), for a subset: the result is applied, unchanged or rejected with
   a code and a path (never failed); the write the fake received (``faults.sent``) carries the complete
   document by the same oracle; afterwards the live read equals the plan (no verification differences) and,
   compared with the raw read before, only what the patch names moved.

Speed: the engine on the fake costs about 0.1 s an example (five calls to moto, snapshots), so 500
examples per kind on the fake would take over nine minutes on one core. So most examples run at the
pipeline level (500 per kind under the ``default`` profile, 20,000 under ``soak``, chosen by
``POOLPATCH_HYPOTHESIS_PROFILE``; ``make soak``), and a subset goes through the fake (:data:`FAKE_EXAMPLES`:
100 per kind, 2,000 under ``soak``; pool and client with random base configurations written straight into
the fake, the other kinds reset to their seeded configuration before each example). One moto backend per
module; no pool is created per example (moto generates a key pair for every pool).

The strategies stay within what the fake and the rules accept where a value must be realistic: no ``aws:``
tag keys, valid Lambda ARNs with ``PreTokenGeneration`` and ``PreTokenGenerationConfig`` patched together,
``{####}`` in SMS texts, token validity numbers with their units inside the service's ranges, HTTPS
callback URLs. Values the rules refuse are allowed to occur: a refusal is one of the three outcomes.
"""

from __future__ import annotations

import base64
import copy
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

import poolpatch_fake
from helpers.aws import fake_aws_environment
from poolpatch import pipeline
from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.adapters.snapshots import Found
from poolpatch.engine import Engine, fixed
from poolpatch.errors import NotFound, PoolpatchError
from poolpatch.kinds import KINDS, Kind
from poolpatch.request import Target, parse_request
from poolpatch_fake import faults, seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "eu-west-1"
ACCOUNT = "123456789012"
OIDC_SECRET = "fake-oidc-client-value"  # a made-up value for the seeded OIDC provider, never shown

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("default", max_examples=500, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile("soak", max_examples=20_000, deadline=None, suppress_health_check=_HEALTH)
PROFILE_NAME = os.environ.get("POOLPATCH_HYPOTHESIS_PROFILE", "default")
PROFILE = settings.get_profile(PROFILE_NAME)
#: Examples per kind that go through the engine on the fake (the rest of the budget runs at the pipeline).
FAKE_EXAMPLES = {"default": 100, "soak": 2_000}.get(PROFILE_NAME, 100)
FAKE_PROFILE = settings(PROFILE, max_examples=FAKE_EXAMPLES)

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
    """A random valid UpdateUserPool document (without ids) for the property pool on the fake."""
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
        # Removals of members whose omission is not a reset: the oracle expects the documented default.
        _maybe("DeletionProtection", st.sampled_from(["ACTIVE", "INACTIVE", None])),
        _maybe(
            "Policies",
            st.one_of(
                _password_policy(complete=False).map(lambda p: {"PasswordPolicy": p}),
                st.just({"PasswordPolicy": None}),
                st.none(),
            ),
        ),
        _maybe("UserAttributeUpdateSettings", st.none()),
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
        _maybe("EnableTokenRevocation", st.one_of(st.booleans(), st.none())),
        _maybe("AuthSessionValidity", st.integers(3, 15)),
    ).filter(bool)


# --- strategies derived from the write input's botocore shape (the other kinds) ------------------------

SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-"
LOGO = base64.b64encode(seed.LOGO_PNG).decode()
ROLE_ARNS = NAMES.map(lambda name: f"arn:aws:iam::{ACCOUNT}:role/acme-{name}")
SES_ARN = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/partners.acme.example.com"
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/acme-{{}}"

#: Strings whose shape pattern Python's ``re`` cannot read (``\p{L}``...), by botocore shape name.
STRINGS: dict[str, st.SearchStrategy[str]] = {
    "ArnType": ROLE_ARNS,
    "SmsVerificationMessageType": SMS_MESSAGES,
    "EmailMfaMessageType": SMS_MESSAGES,
}


@functools.cache
def _service() -> Any:
    return botocore.session.get_session().get_service_model("cognito-idp")


def write_members(kind: Kind) -> dict[str, Shape]:
    """The members of the kind's write input without its ids (the botocore model, not poolpatch.model)."""
    entry = KINDS[kind]
    shape = _service().operation_model(entry.write).input_shape
    return {name: member for name, member in shape.members.items() if name not in entry.ids}


def from_shape(
    shape: Shape, pointer: str, overrides: Mapping[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """Values of ``shape``: enums, booleans, bounded numbers and sizes from the model; ``overrides`` (by
    JSON Pointer, ``*`` for a list item) where a pattern or a rule needs a realistic value."""
    if pointer in overrides:
        return overrides[pointer]
    meta = shape.metadata
    enum = getattr(shape, "enum", None)
    if enum:
        return st.sampled_from(list(enum))
    if shape.type_name == "boolean":
        return st.booleans()
    if shape.type_name in ("integer", "long"):
        return st.integers(int(meta.get("min", 0)), min(int(meta.get("max", 1000)), 1000))
    if shape.type_name == "string":
        if shape.name in STRINGS:
            return STRINGS[shape.name]
        low = max(1, int(meta.get("min", 1)))
        return st.text(SAFE, min_size=low, max_size=max(low, min(int(meta.get("max", 30)), 30)))
    if shape.type_name == "blob":
        return st.just(LOGO)
    if isinstance(shape, ListShape):
        item = from_shape(shape.member, f"{pointer}/*", overrides)
        return st.lists(item, min_size=int(meta.get("min", 0)), max_size=min(int(meta.get("max", 3)), 3))
    if isinstance(shape, MapShape):
        return st.dictionaries(
            st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
            from_shape(shape.value, f"{pointer}/*", overrides),
            max_size=3,
        )
    assert isinstance(shape, StructureShape), pointer
    assert not meta.get("document"), (pointer, "a JSON document needs an override")
    required = set(meta.get("required", ()))
    members = {name: from_shape(m, f"{pointer}/{name}", overrides) for name, m in shape.members.items()}
    return st.fixed_dictionaries(
        {name: s for name, s in members.items() if name in required},
        optional={name: s for name, s in members.items() if name not in required},
    )


def _log_entry(source: str) -> st.SearchStrategy[dict[str, Any]]:
    level = "ERROR" if source == "userNotification" else "INFO"
    return NAMES.map(
        lambda name: {
            "LogLevel": level,
            "EventSource": source,
            "CloudWatchLogsConfiguration": {"LogGroupArn": LOG_GROUP.format(name)},
        }
    )


SEEDED_ASSET = {"Category": "FORM_LOGO", "ColorMode": "LIGHT", "Extension": "PNG", "Bytes": LOGO}


def _seeded_asset_first(assets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``assets`` after the seeded style's asset (a branding write cannot remove an asset)."""
    return [SEEDED_ASSET, *(a for a in assets if (a["Category"], a["ColorMode"]) != ("FORM_LOGO", "LIGHT"))]


SCOPE_NAMES = ("orders.read", "orders.write", "invoices.read", "reports.read")
OVERRIDES: dict[Kind, dict[str, st.SearchStrategy[Any]]] = {
    "mfa": {"/SmsMfaConfiguration/SmsConfiguration": st.just(SMS_CONFIGURATION)},
    "domain": {
        "/ManagedLoginVersion": st.sampled_from([1, 2]),
        "/CustomDomainConfig/CertificateArn": st.just(
            f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
        ),
    },
    "identityProvider": {
        "/ProviderDetails": st.fixed_dictionaries(
            {},
            optional={
                "client_id": NAMES,
                "authorize_scopes": st.sampled_from(["openid", "openid email", "openid email profile"]),
                "attributes_request_method": st.sampled_from(["GET", "POST"]),
                "client_secret": st.just("<redacted>"),
            },
        ),
        "/AttributeMapping": st.dictionaries(
            st.sampled_from(["email", "name", "given_name", "family_name", "username"]),
            st.one_of(st.sampled_from(["email", "name", "sub", "given_name"]), st.none()),
            min_size=1,
            max_size=4,
        ),
        # Empty included: an empty list clears them and reads back absent (the same configuration).
        "/IdpIdentifiers": st.lists(
            st.sampled_from(["acme.example.com", "partners.example.com", "corp-sso"]), max_size=3
        ),
        # {} included: merged over an absent AcrMapping it is no change at all.
        "/AcrMapping": st.dictionaries(
            st.sampled_from(["acr_low", "acr_high"]),
            st.sampled_from(["urn:acme:loa:1", "urn:acme:loa:2"]),
            max_size=2,
        ),
    },
    "resourceServer": {
        "/Name": st.text("abcdefghijklmnopqrstuvwxyz .-", min_size=1, max_size=30).filter(str.strip),
        "/Scopes": st.lists(
            st.builds(
                lambda name, text: {"ScopeName": name, "ScopeDescription": f"Allows {text}"},
                st.sampled_from(SCOPE_NAMES),
                NAMES,
            ),
            max_size=4,
            unique_by=lambda scope: scope["ScopeName"],
        ),
    },
    "group": {"/Precedence": st.integers(0, 100)},
    "riskConfiguration": {
        "/CompromisedCredentialsRiskConfiguration/EventFilter": st.lists(
            st.sampled_from(["SIGN_IN", "PASSWORD_CHANGE", "SIGN_UP"]), min_size=1, max_size=3, unique=True
        ),
        "/AccountTakeoverRiskConfiguration/NotifyConfiguration/SourceArn": st.just(SES_ARN),
        "/AccountTakeoverRiskConfiguration/NotifyConfiguration/From": st.just(
            "security@partners.acme.example.com"
        ),
        "/AccountTakeoverRiskConfiguration/NotifyConfiguration/ReplyTo": st.just(
            "help@partners.acme.example.com"
        ),
        "/RiskExceptionConfiguration/BlockedIPRangeList/*": st.sampled_from(
            ["203.0.113.0/24", "198.51.100.0/24"]
        ),
        "/RiskExceptionConfiguration/SkippedIPRangeList/*": st.sampled_from(["10.0.0.0/8", "192.168.0.0/16"]),
    },
    "uiCustomization": {
        "/CSS": st.sampled_from(
            [
                ".banner-customizable { background-color: #0b3d91; }",
                ".submitButton-customizable { background-color: #1d6f42; }",
                ".logo-customizable { max-width: 60%; }",
            ]
        ),
    },
    "managedLoginBranding": {
        # true reverts the style: the read then shows "Settings": {} and "Assets": [] (no customization).
        "/UseCognitoProvidedValues": st.booleans(),
        "/Settings": st.fixed_dictionaries(
            {},
            optional={
                "components": st.builds(
                    lambda colour: {
                        "primaryButton": {"lightMode": {"defaults": {"backgroundColor": colour}}}
                    },
                    st.sampled_from(["0b3d91ff", "1d6f42ff", "000000ff"]),
                ),
                "categories": st.builds(
                    lambda mode: {"global": {"colorSchemeMode": mode}}, st.sampled_from(["LIGHT", "DARK"])
                ),
            },
        ),
        # Any order, duplicates included: assets are keyed by (Category, ColorMode), a duplicate pair is
        # refused with its pointer, and the order of a read is the service's own.
        "/Assets": st.lists(
            st.builds(
                lambda category, mode: {
                    "Category": category,
                    "ColorMode": mode,
                    "Extension": "PNG",
                    "Bytes": LOGO,
                },
                st.sampled_from(["FORM_LOGO", "PAGE_HEADER_LOGO", "FAVICON_ICO"]),
                st.sampled_from(["LIGHT", "DARK"]),
            ),
            max_size=3,
        ).map(_seeded_asset_first),
        "/Assets/*": st.builds(
            lambda category, mode: {
                "Category": category,
                "ColorMode": mode,
                "Extension": "PNG",
                "Bytes": LOGO,
            },
            st.sampled_from(["FORM_LOGO", "PAGE_HEADER_LOGO", "FAVICON_ICO"]),
            st.sampled_from(["LIGHT", "DARK"]),
        ),
    },
    "logDelivery": {
        "/LogConfigurations": st.one_of(
            st.tuples(_log_entry("userNotification")).map(list),
            st.tuples(_log_entry("userAuthEvents")).map(list),
            st.tuples(_log_entry("userNotification"), _log_entry("userAuthEvents")).map(list),
            st.just([]),
        ),
    },
}


#: Members a patch never removes: none any more. (UpdateIdentityProvider and UpdateGroup keep an omitted
#: member, cognito-surface.md §3, §5: the engine sends their removal as an empty value, see DEFAULTS, and
#: refuses to remove ProviderDetails.)
NOT_REMOVED: dict[Kind, tuple[str, ...]] = {}


def kind_patches(kind: Kind) -> st.SearchStrategy[dict[str, Any]]:
    """A random, non-empty merge patch over the kind's update document, derived from its write input."""
    if kind == "pool":
        return pool_patches()
    if kind == "client":
        return client_patches()
    overrides = OVERRIDES.get(kind, {})
    members = {
        name: from_shape(shape, f"/{name}", overrides)
        if name in NOT_REMOVED.get(kind, ())
        else st.one_of(from_shape(shape, f"/{name}", overrides), st.none())
        for name, shape in write_members(kind).items()
    }
    return st.fixed_dictionaries({}, optional=members).filter(bool)


# --- the oracle: raw read + patch -> what must be sent and read back ----------------------------------

ABSENT: Any = object()
REDACTED = "<redacted>"  # design.md: in a patch, "keep the live value"
#: The service's default password policy (Model ``PasswordPolicyType``; cognito-api.md §4.1).
DEFAULT_PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
#: Empty values that mean something else than omission (cognito-api.md §2.3): they must be written as read.
#: Every other empty value of a read (``LambdaConfig: {}``, ``AutoVerifiedAttributes: []``) means what its
#: omission means, so a write may leave it out.
MEANINGFUL_EMPTY: dict[Kind, tuple[str, ...]] = {
    "pool": (
        "/UserAttributeUpdateSettings/AttributesRequireVerificationBeforeUpdate",
        "/SmsConfiguration/SnsCallerArn",
    ),
    "client": ("/ReadAttributes", "/WriteAttributes"),
}

#: Update member -> the read member it comes from (UpdateUserPool ``PoolName`` is DescribeUserPool ``Name``).
RENAMES: dict[Kind, dict[str, str]] = {"pool": {"PoolName": "Name"}}
#: Read members the write must not carry (cognito-api.md §3 rows 1-2): DescribeUserPool derives the legacy
#: verification members from the template, and the legacy validity days next to the modern one is refused.
NOT_WRITTEN: dict[Kind, tuple[str, ...]] = {
    "pool": (
        "/SmsVerificationMessage",
        "/EmailVerificationMessage",
        "/EmailVerificationSubject",
        "/AdminCreateUserConfig/UnusedAccountValidityDays",
    ),
    # DescribeIdentityProvider adds it to an OIDC provider's details (cognito-surface.md §3 table).
    "identityProvider": ("/ProviderDetails/attributes_url_add_attributes",),
}


def not_written_with(kind: Kind, written: Mapping[str, Any]) -> tuple[str, ...]:
    """Read members a write leaves out because of another value it carries.

    - mfa: ``OFF`` with a factor is refused ("can't turn off MFA and configure an MFA together",
      go-to-k/cdkd#1923; cognito-surface.md §2), so MFA off carries no factor block.
    - managedLoginBranding: ``UseCognitoProvidedValues: true`` requires omitting Settings and Assets (Model
      ``UpdateManagedLoginBrandingRequest``; cognito-surface.md §8).
    """
    if kind == "mfa" and written.get("MfaConfiguration", "OFF") == "OFF":
        return ("/SmsMfaConfiguration", "/EmailMfaConfiguration", "/SoftwareTokenMfaConfiguration")
    if kind == "managedLoginBranding" and written.get("UseCognitoProvidedValues") is True:
        return ("/Settings", "/Assets")
    return ()


#: Removal of a member the service keeps when omitted: the documented default is sent instead
#: (cognito-api.md §1, §4.1; design.md "What a change does"). Pointer -> (where to look, value).
DEFAULTS: dict[Kind, dict[str, tuple[str, Any]]] = {
    "pool": {
        "/DeletionProtection": ("/DeletionProtection", "INACTIVE"),
        "/MfaConfiguration": ("/MfaConfiguration", "OFF"),
        "/Policies": ("/Policies/PasswordPolicy", DEFAULT_PASSWORD_POLICY),
        "/Policies/PasswordPolicy": ("/Policies/PasswordPolicy", DEFAULT_PASSWORD_POLICY),
        "/UserAttributeUpdateSettings": (
            "/UserAttributeUpdateSettings",
            {"AttributesRequireVerificationBeforeUpdate": []},
        ),
    },
    "client": {"/EnableTokenRevocation": ("/EnableTokenRevocation", True)},
    # Omitted = kept, empty = cleared (floci-io/floci#2858; cognito-surface.md §3, §5).
    "identityProvider": {
        "/AttributeMapping": ("/AttributeMapping", {}),
        "/IdpIdentifiers": ("/IdpIdentifiers", []),
        "/AcrMapping": ("/AcrMapping", {}),
    },
    "group": {"/Description": ("/Description", "")},
    # Required, the whole configuration: [] removes every delivery (cognito-surface.md §9).
    "logDelivery": {"/LogConfigurations": ("/LogConfigurations", [])},
}
#: Members a write may spell out that the read left implicit, with the service's meaning of their absence
#: (cognito-api.md §3 row 21: no number = 1 hour / 30 days; no unit = hours / days).
SPELLED_OUT: dict[Kind, dict[str, Any]] = {
    "client": {
        "/AccessTokenValidity": 1,
        "/IdTokenValidity": 1,
        "/RefreshTokenValidity": 30,
        "/TokenValidityUnits/AccessToken": "hours",
        "/TokenValidityUnits/IdToken": "hours",
        "/TokenValidityUnits/RefreshToken": "days",
    },
}


def _wire(value: Any) -> Any:
    """A parsed read value as it travels in a JSON document (blobs as base64 text)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _pointer_tokens(pointer: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def lookup(document: Any, pointer: str) -> Any:
    current = document
    for token in _pointer_tokens(pointer):
        if not isinstance(current, Mapping) or token not in current:
            return ABSENT
        current = current[token]
    return current


def _drop(document: dict[str, Any], pointer: str) -> None:
    *parents, last = _pointer_tokens(pointer)
    current: Any = document
    for token in parents:
        current = current.get(token) if isinstance(current, Mapping) else None
    if isinstance(current, dict):
        current.pop(last, None)


def read_document(kind: Kind, read: Mapping[str, Any]) -> dict[str, Any]:
    """The raw read's members that the write input also has, as JSON, without those the write must not
    carry."""
    renames = RENAMES.get(kind, {})
    document = {
        member: _wire(copy.deepcopy(read[renames.get(member, member)]))
        for member in write_members(kind)
        if renames.get(member, member) in read
    }
    for pointer in NOT_WRITTEN.get(kind, ()):
        _drop(document, pointer)
    return document


def leaves(document: Mapping[str, Any], base: str = "", *, patch: bool = False) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every leaf: scalars, lists, ``None`` and empty objects (of a patch: none, since
    merging ``{}`` changes nothing)."""
    for key, value in document.items():
        pointer = f"{base}/{_escape(key)}"
        if isinstance(value, Mapping) and value:
            yield from leaves(value, pointer, patch=patch)
        elif not (patch and value == {}):
            yield pointer, value


def _related(one: str, other: str) -> bool:
    return one == other or one.startswith(other + "/") or other.startswith(one + "/")


def _shown(value: Any) -> str:
    """A value for an assertion message, without the seeded provider's client secret."""
    return repr(value).replace(OIDC_SECRET, REDACTED)


def _by_asset_key(document: Any) -> Any:
    """Branding assets are keyed by (Category, ColorMode), not by position (API_UpdateManagedLoginBranding):
    the oracle compares them in that order on every side."""
    if isinstance(document, Mapping) and isinstance(document.get("Assets"), list):
        key = lambda a: (str(a.get("Category")), str(a.get("ColorMode")))  # noqa: E731
        return {**document, "Assets": sorted(document["Assets"], key=key)}
    return document


def check_written(kind: Kind, read: Mapping[str, Any], patch: Mapping[str, Any], written: Any) -> None:
    """``written`` (the document planned or sent) is complete: every leaf of the raw read the patch does
    not touch is there unchanged; every leaf the patch names holds its value, or its documented default or
    nothing when removed."""
    read, patch, written = _by_asset_key(read), _by_asset_key(patch), _by_asset_key(written)
    named = [pointer for pointer, _ in leaves(patch, patch=True)]
    left_out = not_written_with(kind, written)
    for pointer, value in leaves(read):
        if any(_related(pointer, other) for other in [*named, *left_out]):
            continue
        actual = lookup(written, pointer)
        if actual is ABSENT and value in ({}, [], "") and pointer not in MEANINGFUL_EMPTY.get(kind, ()):
            continue
        same = actual == value  # compared first: pytest's diff would show the seeded secret
        assert same, f"{pointer} not written as read: {_shown(written)}"
    for pointer, value in leaves(patch, patch=True):
        actual = lookup(written, pointer)
        if actual is ABSENT and any(_related(pointer, other) for other in left_out):
            continue
        if actual is ABSENT and SPELLED_OUT.get(kind, {}).get(pointer, ABSENT) == value:
            continue  # the patch spells out what absence means: nothing to write or read back
        if value is None and pointer in DEFAULTS.get(kind, {}):
            where, default = DEFAULTS[kind][pointer]
            found = lookup(written, where)
            # An empty default clears the member: a read shows it empty or absent (the same configuration).
            same = found == default or (found is ABSENT and default in ({}, [], ""))
            assert same, f"removed {pointer}: no default in {_shown(written)}"
        elif value is None:
            assert actual is ABSENT, f"removed {pointer} still written: {_shown(actual)}"
        elif value == REDACTED:
            same = actual == lookup(read, pointer)
            assert same, f"{pointer}: the live secret was not kept"
        else:
            # an empty list or object and no member are the same configuration (reads show either)
            same = actual == value or (actual is ABSENT and value in ({}, []))
            assert same, f"{pointer}: {_shown(actual)} written, {_shown(value)} patched"


#: Write-only members (actions or bytes the read never returns: ``ImageUrl`` stands for ``ImageFile``).
WRITE_ONLY: dict[Kind, tuple[str, ...]] = {
    "client": ("/PublishSecretsInAWSSecretsManager",),
    "uiCustomization": ("/ImageFile",),
}
#: What a read shows for a member the write omitted (the fake's documented defaults, cognito-surface.md §1).
READ_DEFAULTS: dict[Kind, dict[str, Any]] = {
    "domain": {"/ManagedLoginVersion": 1},
    "mfa": {"/MfaConfiguration": "OFF"},  # omitted = OFF (go-to-k/cdkd#791)
    "managedLoginBranding": {"/UseCognitoProvidedValues": False},
}


def _read_patch(kind: Kind, patch: Mapping[str, Any]) -> dict[str, Any]:
    """The patch as a read shows it: no write-only member, removals as the read's default."""
    out = {
        k: None if v in ([], "") else v
        for k, v in patch.items()
        if f"/{_escape(k)}" not in WRITE_ONLY.get(kind, ()) and v != {}
    }
    for pointer, value in READ_DEFAULTS.get(kind, {}).items():
        if lookup(out, pointer) is None and pointer.count("/") == 1:
            out[pointer[1:]] = value
    return out


def check_read_back(
    kind: Kind, before: Mapping[str, Any], patch: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """After the write, the raw read moved only where the patch names it, and holds what it names."""
    patch = _read_patch(kind, patch)
    after = {k: v for k, v in after.items() if v not in ({}, [], "")}  # an empty read is an absent one
    check_written(kind, before, patch, after)
    named = [pointer for pointer, _ in leaves(patch, patch=True)]
    spelled = SPELLED_OUT.get(kind, {})
    for pointer, value in leaves(after):
        if any(_related(pointer, other) for other in named) or lookup(before, pointer) is not ABSENT:
            continue
        same = spelled.get(pointer, ABSENT) == value
        assert same, f"{pointer} appeared unasked: {_shown(value)}"


# --- the world ----------------------------------------------------------------------------------------


class CountingStore:
    """Snapshots counted, not kept: the property is about Cognito."""

    def __init__(self) -> None:
        self.count = 0

    def put(self, key: str, document: Mapping[str, Any]) -> str:
        """Count the snapshot; it must be JSON-ready like every stored one."""
        assert isinstance(document.get("updateDocument"), dict)
        self.count += 1
        return f"mem://{key}"

    def get(self, reference: str, *, target: Target) -> dict[str, Any]:
        """Nothing is kept; restores are not part of this property."""
        raise NotFound(reference)

    def find_before(self, target: Target, request_id: str, since: datetime) -> Found | None:
        """No redelivery happens here."""
        return None


@dataclass(frozen=True)
class Seeded:
    """One target of a kind: its request target, and what resets it (``None``: a random base does)."""

    target: dict[str, str]
    reset: dict[str, Any] | None


class World:
    """A moto backend with the fake: a bare pool and client for random bases, and ``seed.full_pool`` for
    every other kind; an engine over them. Not a dataclass: hypothesis would print its fields."""

    def __init__(
        self,
        cognito: CognitoIdentityProviderClient,
        engine: Engine,
        port: Boto3Cognito,
        store: CountingStore,
        targets: dict[str, Seeded],
    ) -> None:
        self.cognito = cognito
        self.engine = engine
        self.port = port
        self.store = store
        self.targets = targets

    def __repr__(self) -> str:
        """Shown by hypothesis with a failing example: no configuration (the seeded provider's secret)."""
        return "World(...)"

    def read(self, kind: Kind, key: str | None = None) -> dict[str, Any]:
        """The raw read of the kind's target (boto3's own call, not the engine's adapter); ``key`` names
        another target of the kind (``seededPool``)."""
        entry = KINDS[kind]
        request = parse_request(
            {"version": "1", "requestId": "r", "target": self.targets[key or kind].target, "patch": {}}
        )
        ids = {"UserPoolId": request.target.user_pool_id, "ClientId": request.target.client_id}
        if entry.name_member:
            ids[entry.name_member] = request.target.name
        shape = _service().operation_model(entry.read).input_shape
        response: Mapping[str, Any] = getattr(self.cognito, botocore.xform_name(entry.read))(
            **{key: value for key, value in ids.items() if key in shape.members and value is not None}
        )
        body = {key: value for key, value in response.items() if key != "ResponseMetadata"}
        return dict(body[entry.read_member]) if entry.read_member else body

    def reset(self, kind: Kind, base: Mapping[str, Any] | None) -> None:
        """Write ``base`` (pool, client) or the seeded configuration as the whole configuration."""
        seeded = self.targets[kind]
        document = dict(base if base is not None else seeded.reset or {})
        if kind == "uiCustomization":
            document["ImageFile"] = seed.LOGO_PNG
        if kind == "managedLoginBranding":
            self.cognito.update_managed_login_branding(**self._ids(kind), UseCognitoProvidedValues=True)
            document["Assets"] = [{**a, "Bytes": base64.b64decode(a["Bytes"])} for a in document["Assets"]]
        getattr(self.cognito, botocore.xform_name(KINDS[kind].write))(**self._ids(kind), **document)

    def _ids(self, kind: Kind) -> dict[str, Any]:
        target = self.targets[kind].target
        values = {
            "UserPoolId": target["userPoolId"],
            "ClientId": target.get("clientId"),
            "ManagedLoginBrandingId": self.read(kind).get("ManagedLoginBrandingId")
            if kind == "managedLoginBranding"
            else None,
        }
        entry = KINDS[kind]
        if entry.name_member:
            values[entry.name_member] = target["name"]
        return {key: values[key] for key in entry.ids if values.get(key) is not None}


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
            full = seed.full_pool(cognito, oidc_client_secret=OIDC_SECRET)
            pool = {"userPoolId": full.user_pool_id}
            targets: dict[Kind, dict[str, str]] = {
                "mfa": {**pool, "kind": "mfa"},
                "domain": {**pool, "kind": "domain", "name": full.domain},
                "identityProvider": {**pool, "kind": "identityProvider", "name": full.identity_providers[0]},
                "resourceServer": {**pool, "kind": "resourceServer", "name": full.resource_server},
                "group": {**pool, "kind": "group", "name": full.groups[0]},
                "riskConfiguration": {**pool, "kind": "riskConfiguration"},
                "uiCustomization": {**pool, "kind": "uiCustomization"},
                "managedLoginBranding": {**pool, "kind": "managedLoginBranding", "clientId": full.client_id},
                "logDelivery": {**pool, "kind": "logDelivery"},
            }
            store = CountingStore()
            port = Boto3Cognito(cognito)
            engine = Engine(fixed(port), store, account_id=ACCOUNT, region=REGION)
            seeded = {
                "pool": Seeded({"userPoolId": pool_id}, None),
                "client": Seeded({"userPoolId": pool_id, "clientId": client_id}, None),
                # The pipeline-level property reads the seeded pool and client (every kind populated).
                "seededPool": Seeded(pool, None),
                "seededClient": Seeded({**pool, "clientId": full.client_id}, None),
            }
            world = World(cognito, engine, port, store, seeded)
            for kind, target in targets.items():
                world.targets[kind] = Seeded(target, None)
                world.targets[kind] = Seeded(target, read_document(kind, world.read(kind)))
            yield world


# --- the properties -------------------------------------------------------------------------------------

PIPELINE_TARGETS: dict[Kind, str] = {"pool": "seededPool", "client": "seededClient"}


_INPUTS: dict[Kind, tuple[Target, dict[str, Any], dict[Kind, Any], dict[str, Any]]] = {}


def _pipeline_inputs(
    world: World, kind: Kind
) -> tuple[Target, dict[str, Any], dict[Kind, Any], dict[str, Any]]:
    """The seeded target's read, as the engine's adapter parses it and as boto3 returns it (the oracle's);
    read once per kind, before any change on the fake (the module's first tests)."""
    if kind in _INPUTS:
        return _INPUTS[kind]
    key: Any = PIPELINE_TARGETS.get(kind, kind)
    target = parse_request(
        {"version": "1", "requestId": "p", "target": world.targets[key].target, "patch": {}}
    ).target
    parsed = pipeline.own_description(target, world.port.describe(target).parsed)
    context = {
        other: world.port.describe(Target(target.user_pool_id, None, None, None, kind="pool")).parsed
        for other in KINDS[kind].context
    }
    _INPUTS[kind] = (target, parsed, context, world.read(kind, key))
    return _INPUTS[kind]


@pytest.mark.parametrize("kind", list(KINDS))
@PROFILE
@given(data=st.data())
def test_a_plan_writes_what_was_read_and_what_the_patch_names(
    world: World, kind: Kind, data: st.DataObject
) -> None:
    # Given the seeded target of the kind and a random patch
    target, parsed, context, raw = _pipeline_inputs(world, kind)
    patch = data.draw(kind_patches(kind), label="patch")
    # When the pipeline plans it
    refusal: PoolpatchError | None = None
    try:
        plan = pipeline.plan_change(target, parsed, patch, context=context)
    except PoolpatchError as error:  # a refusal is one of the outcomes; any other exception fails the test
        refusal = error
    if refusal is not None:
        # Then a refusal names its code and where
        assert refusal.code, refusal.message
        assert refusal.path is not None, (refusal.code, refusal.message)
        return
    # Then the document to send is complete: the raw read, untouched where the patch says nothing
    check_written(kind, read_document(kind, raw), patch, plan.desired)


BASES: dict[Kind, st.SearchStrategy[dict[str, Any] | None]] = {"pool": pool_bases(), "client": client_bases()}


@pytest.mark.parametrize("kind", list(KINDS))
@FAKE_PROFILE
@given(data=st.data())
def test_a_change_on_the_fake_sends_and_leaves_what_the_oracle_says(
    world: World, kind: Kind, data: st.DataObject
) -> None:
    # Given the kind's target reset to a random base (pool, client) or to its seeded configuration
    world.reset(kind, data.draw(BASES.get(kind, st.none()), label="base"))
    patch = data.draw(kind_patches(kind), label="patch")
    before = read_document(kind, world.read(kind))
    faults.reset()
    request = parse_request(
        {
            "version": "1",
            "requestId": f"prop-{world.store.count}",
            "target": world.targets[kind].target,
            "patch": patch,
        }
    )
    # When the engine runs it
    result = world.engine.run(request)
    after = read_document(kind, world.read(kind))
    sent = faults.sent(KINDS[kind].write)
    # Then it is applied, unchanged, or rejected with a code and a path; never failed
    assert result.status in ("applied", "unchanged", "rejected"), _shown(result.to_dict())
    if result.status == "rejected":
        assert result.error is not None
        assert result.error.code
        assert result.error.path is not None, result.error.code
        # And nothing was written
        same = (sent, after) == ([], before)
        assert same, _shown(result.to_dict())
        return
    # And the live read equals the plan
    assert not result.differences, _shown(result.to_dict())
    # And the write carried the complete document, and only what the patch names moved
    if result.status == "applied":
        check_written(kind, before, patch, sent[-1])
    check_read_back(kind, before, patch, after)
