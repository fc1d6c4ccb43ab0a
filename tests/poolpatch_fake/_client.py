"""App-client behaviours of the real service that moto 5.2.5 lacks (cognito-api.md §3 row 21, §3.1, §4.2,
§10).

moto merges an UpdateUserPoolClient request into the stored client (``extended_config.update``); the
service replaces the whole configuration and resets every omitted member to its default (§4.2; Model
``UpdateUserPoolClient``; boto/boto3#1607). Storage: ``client.extended_config`` holds exactly the stored
members; ``client.secret`` / ``client.generate_secret`` the create-only secret; the fake adds
``creation_date`` and ``last_modified_date`` attributes (absent from moto, present in the service: §10).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.cognitoidp.models import CognitoIdpUserPoolClient

from poolpatch_fake._errors import InvalidOAuthFlowException, InvalidParameterException
from poolpatch_fake._pool import _input_members

DEFAULT_EXPLICIT_AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]

# Not stored: identifiers, the create-only secret inputs and the input-only Secrets Manager switch
# (Model UpdateUserPoolClientRequest.PublishSecretsInAWSSecretsManager: "doesn't change how it manages the
# existing secret").
_NOT_STORED = frozenset(
    {"UserPoolId", "ClientId", "GenerateSecret", "ClientSecret", "PublishSecretsInAWSSecretsManager"}
)

OAUTH_FLOWS = ("code", "implicit", "client_credentials")
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# (number member, TokenValidityUnits member, unit when omitted, effective min and max in seconds):
# access/ID 5 min-1 day, refresh 60 min-10 years (DG quotas.html; cognito-api.md §4.2).
TOKEN_RANGES = (
    ("AccessTokenValidity", "AccessToken", "hours", 300, 86400),
    ("IdTokenValidity", "IdToken", "hours", 300, 86400),
    ("RefreshTokenValidity", "RefreshToken", "days", 3600, 315360000),
)


def _defaults() -> dict[str, Any]:
    """Values of omitted members (cognito-api.md §4.2, Model). Members with no stored default (token
    numbers of access/ID tokens, units, URLs, OAuth flows and scopes, identity providers, analytics,
    refresh-token rotation, read/write attributes, a client name not sent) are absent from Describe."""
    return {
        "ExplicitAuthFlows": list(DEFAULT_EXPLICIT_AUTH_FLOWS),
        "AllowedOAuthFlowsUserPoolClient": False,
        "RefreshTokenValidity": 30,
        "PreventUserExistenceErrors": "LEGACY",
        "EnableTokenRevocation": True,
        "EnablePropagateAdditionalUserContextData": False,
        "AuthSessionValidity": 3,
    }


def validate_token_validity(request: dict[str, Any]) -> None:
    """Token numbers are read in their units; omitted units fall back to hours (access/ID) and days
    (refresh), so ``AccessTokenValidity=60`` without units is 60 hours and out of range (cognito-api.md §3
    row 21; awsdocs/aws-cloudformation-user-guide#828; hashicorp/terraform-provider-aws#30433)."""
    units = request.get("TokenValidityUnits") or {}
    for member, unit_member, default_unit, low, high in TOKEN_RANGES:
        value = request.get(member)
        if value is None or (member == "RefreshTokenValidity" and value == 0):  # 0 -> 30 days (§4.2)
            continue
        unit = units.get(unit_member, default_unit)
        if unit not in UNIT_SECONDS:
            raise InvalidParameterException(f"Invalid TokenValidityUnits.{unit_member}: {unit!r}")
        if not low <= value * UNIT_SECONDS[unit] <= high:
            raise InvalidParameterException("Invalid range for token validity")


def validate_oauth(request: dict[str, Any]) -> None:
    """OAuth and URL rules of cognito-api.md §3.1 (Model ``UserPoolClientType``; cisagov/crossfeed#440;
    aws/aws-sdk-js-v3#2650; awsdocs/aws-cloudformation-user-guide#563)."""
    flows = list(request.get("AllowedOAuthFlows") or [])
    scopes = list(request.get("AllowedOAuthScopes") or [])
    callbacks = list(request.get("CallbackURLs") or [])
    unknown = [flow for flow in flows if flow not in OAUTH_FLOWS]
    if unknown:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{unknown}' at 'allowedOAuthFlows' failed to satisfy "
            "constraint: Member must satisfy enum value set: [implicit, client_credentials, code]"
        )
    if {"code", "implicit"} & set(flows) and not callbacks:
        raise InvalidOAuthFlowException(
            "CallbackUrls can not be empty when code flow or implicit flow is selected"
        )
    if "client_credentials" in flows and len(set(flows)) > 1:
        raise InvalidOAuthFlowException(
            "client_credentials flow can not be selected if authorization code or implicit flow is selected."
        )
    if "client_credentials" in flows and "openid" in scopes:
        raise InvalidOAuthFlowException("openid is not supported with client_credentials flow")
    redirect = request.get("DefaultRedirectURI")
    if redirect is not None and redirect not in callbacks:
        # Model UserPoolClientType.DefaultRedirectURI: "Must be in the CallbackURLs list."
        raise InvalidParameterException("DefaultRedirectURI must be in the CallbackURLs list.")


def validate(request: dict[str, Any]) -> None:
    """Reject a CreateUserPoolClient / UpdateUserPoolClient request the service rejects."""
    validate_token_validity(request)
    validate_oauth(request)


def build_config(request: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Return the stored configuration: the request's members over the defaults, nothing merged from the
    previous configuration (replace semantics, cognito-api.md §4.2)."""
    members = _input_members("CreateUserPoolClient" if creating else "UpdateUserPoolClient") - _NOT_STORED
    config = {k: copy.deepcopy(v) for k, v in request.items() if k in members and v is not None}
    if config.get("RefreshTokenValidity") == 0:
        config["RefreshTokenValidity"] = 30  # Model: "0 is overridden with 30 days" (§4.2)
    for member, default in _defaults().items():
        config.setdefault(member, default)
    return config


def describe(client: CognitoIdpUserPoolClient) -> dict[str, Any]:
    """Return the ``UserPoolClient`` member of Describe/Create/UpdateUserPoolClient: identifiers, the secret
    of a confidential client, both dates and only the members that are set."""
    document: dict[str, Any] = {"UserPoolId": client.user_pool_id, "ClientId": client.id}
    if client.generate_secret:
        document["ClientSecret"] = client.secret
    document["CreationDate"] = getattr(client, "creation_date", None)
    document["LastModifiedDate"] = getattr(client, "last_modified_date", None)
    document.update(copy.deepcopy(client.extended_config))
    return {k: v for k, v in document.items() if v is not None}
