"""Pool- and client-level settings moto 5.2.5 lacks or gets wrong (cognito-surface.md §0, §2, §6-§9, §14).

Handlers for GetUserPoolMfaConfig / SetUserPoolMfaConfig, Describe/SetRiskConfiguration,
Get/SetUICustomization, the ManagedLoginBranding operations and Get/SetLogDeliveryConfiguration, registered
in ``poolpatch_fake._patch._PATCHES``. Each follows the write semantics of the §0 table (replace or merge)
and rejects what the service rejects before touching state.

Storage: one ``PoolKinds`` object per moto ``CognitoIdpUserPool`` (attribute ``poolpatch_kinds``, created on
first use, gone with the pool). The MFA mode itself stays in ``pool.mfa_config``, the single setting that
UpdateUserPool's ``MfaConfiguration`` and DescribeUserPool share with SetUserPoolMfaConfig (§2: the service
has one setting; moto keeps two).
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult

from poolpatch_fake._clock import next_timestamp
from poolpatch_fake._errors import (
    FeatureUnavailableInTierException,
    InvalidParameterException,
    LimitExceededException,
    ManagedLoginBrandingExistsException,
    ResourceNotFoundException,
    UserPoolAddOnNotEnabledException,
)
from poolpatch_fake._pool import DEFAULT_TIER

MFA_BLOCKS = (
    "SmsMfaConfiguration",
    "SoftwareTokenMfaConfiguration",
    "EmailMfaConfiguration",
    "WebAuthnConfiguration",
)
RISK_BLOCKS = (
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
)
ALL_CLIENTS = "ALL"  # Model SetUICustomizationRequest.ClientId: ALL = the pool-level customization
UI_ASSETS_HOST = "https://d3oia8etllorh5.cloudfront.net"  # a fixed, plausible CloudFront host (§7)
MAX_BRANDING_STYLES = 20  # cognito-surface.md §8: "<= 20 styles per pool (DG quotas.html)"
MAX_LOG_CONFIGURATIONS = 2  # Model SetLogDeliveryConfigurationRequest.LogConfigurations: 0-2 entries
# The default style ReturnMergedResources=true adds (a stand-in for the service's large default document;
# cognito-surface.md §8: "true adds defaults").
DEFAULT_BRANDING_SETTINGS: dict[str, Any] = {
    "components": {"pageBackground": {"lightMode": {"color": "ffffffff"}}},
    "categories": {"global": {"colorSchemeMode": "LIGHT", "pageFooter": {"enabled": False}}},
}


@dataclass
class Branding:
    """One managed login branding style (cognito-surface.md §8)."""

    branding_id: str
    client_id: str
    use_cognito_provided_values: bool
    settings: dict[str, Any]
    assets: list[dict[str, Any]]
    creation_date: datetime.datetime
    last_modified_date: datetime.datetime


@dataclass
class PoolKinds:
    """The fake's state of one user pool for the settings kinds."""

    mfa: dict[str, Any] = field(default_factory=dict)  # the stored MFA_BLOCKS, exactly as set
    risk: dict[str, dict[str, Any]] = field(default_factory=dict)  # "" = pool level, else a client id
    ui: dict[str, dict[str, Any]] = field(default_factory=dict)  # ALL_CLIENTS or a client id
    brandings: dict[str, Branding] = field(default_factory=dict)  # by ManagedLoginBrandingId
    log_configurations: list[dict[str, Any]] = field(default_factory=list)


def kinds(pool: CognitoIdpUserPool) -> PoolKinds:
    """The ``PoolKinds`` of ``pool`` (created empty on first use)."""
    state = getattr(pool, "poolpatch_kinds", None)
    if not isinstance(state, PoolKinds):
        state = PoolKinds()
        setattr(pool, "poolpatch_kinds", state)  # noqa: B010 - an attribute moto's pool class lacks
    return state


def request_of(response: CognitoIdpResponse) -> dict[str, Any]:
    """The parsed JSON request body (blobs are still base64 text, as on the wire)."""
    document = json.loads(response.body or "{}")
    assert isinstance(document, dict)
    return document


def pool_of(response: CognitoIdpResponse, request: dict[str, Any]) -> CognitoIdpUserPool:
    """The pool named by ``UserPoolId`` (``ResourceNotFoundException`` when unknown)."""
    backend: CognitoIdpBackend = response.backend
    pool_id = str(request.get("UserPoolId") or "")
    pool = backend.user_pools.get(pool_id)
    if pool is None:
        raise ResourceNotFoundException(f"User pool {pool_id} does not exist.")
    return pool


def check_client(pool: CognitoIdpUserPool, client_id: str) -> None:
    """A client-level setting needs an existing app client (``ResourceNotFoundException``)."""
    if client_id not in pool.clients:
        raise ResourceNotFoundException(f"User pool client {client_id} does not exist.")


def tier(pool: CognitoIdpUserPool) -> str:
    return str(pool.extended_config.get("UserPoolTier") or DEFAULT_TIER)


# ------------------------------------------------------------------------------------------------ 1. MFA


def validate_mfa(pool: CognitoIdpUserPool, request: dict[str, Any], mode: str) -> None:
    """The combinations the service rejects (cognito-surface.md §2 table)."""
    if mode not in ("OFF", "ON", "OPTIONAL"):
        raise InvalidParameterException("[MfaConfiguration] must be one of 'ON', 'OFF', or 'OPTIONAL'.")
    sms = request.get("SmsMfaConfiguration")
    email = request.get("EmailMfaConfiguration")
    totp = bool((request.get("SoftwareTokenMfaConfiguration") or {}).get("Enabled"))
    webauthn = request.get("WebAuthnConfiguration") or {}
    factor = sms is not None or email is not None or totp
    if mode in ("ON", "OPTIONAL") and not factor:
        # go-to-k/cdkd#1920
        raise InvalidParameterException(
            "Invalid MFA Configuration given. SMS MFA, Email MFA, or Software Token MFA must be enabled."
        )
    if mode == "OFF" and factor:
        # go-to-k/cdkd#1923 (OFF + WebAuthnConfiguration alone is accepted)
        raise InvalidParameterException(
            "Invalid MFA configuration: can't turn off MFA and configure an MFA together"
        )
    first_factors = (
        ((pool.extended_config.get("Policies") or {}).get("SignInPolicy") or {}).get(
            "AllowedFirstAuthFactors"
        )
    ) or []
    if mode == "ON" and {"EMAIL_OTP", "SMS_OTP"} & set(first_factors):
        # go-to-k/cdkd#1975, #2069 (OPTIONAL is accepted)
        raise InvalidParameterException(
            "Only PASSWORD and WEB_AUTHN (if configured) can be enabled as an auth factor if MFA is enabled"
        )
    if (
        mode == "ON"
        and "WEB_AUTHN" in first_factors
        and webauthn.get("FactorConfiguration") != "MULTI_FACTOR_WITH_USER_VERIFICATION"
    ):
        # go-to-k/cdkd#2064; hashicorp/terraform-provider-aws#50110 (omitted = SINGLE_FACTOR, Model
        # WebAuthnConfigurationType.FactorConfiguration)
        raise InvalidParameterException(
            "Cannot set WebAuthn factor configuration to SINGLE_FACTOR if MFA is required and WebAuthn is an "
            "allowed first auth factor"
        )
    if tier(pool) == "LITE":
        # Model EmailMfaConfigType, WebAuthnConfigurationType: Essentials tier or higher
        if email is not None:
            raise FeatureUnavailableInTierException(
                "The following features need to be disabled for the LITE pricing tier configured: Email MFA"
            )
        if webauthn.get("FactorConfiguration") == "MULTI_FACTOR_WITH_USER_VERIFICATION":
            raise FeatureUnavailableInTierException(
                "The following features need to be disabled for the LITE pricing tier configured: "
                "WebAuthn multi-factor configuration"
            )


def mfa_document(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """GetUserPoolMfaConfig's output: exactly the stored blocks and the shared MFA mode (no UserPoolId:
    Model GetUserPoolMfaConfigResponse)."""
    document = copy.deepcopy(kinds(pool).mfa)
    document["MfaConfiguration"] = pool.mfa_config
    return document


def set_user_pool_mfa_config(self: CognitoIdpResponse) -> ActionResult:
    """Full replace: omitted blocks are dropped and an omitted ``MfaConfiguration`` is OFF
    (cognito-surface.md §2, go-to-k/cdkd#791; moto rejects the omission and drops Email/WebAuthn, §14).
    The pool's ``LastModifiedDate`` is not moved (unconfirmed; chosen)."""
    request = request_of(self)
    pool = pool_of(self, request)
    mode = str(request.get("MfaConfiguration") or "OFF")
    validate_mfa(pool, request, mode)
    kinds(pool).mfa = {
        name: copy.deepcopy(request[name]) for name in MFA_BLOCKS if request.get(name) is not None
    }
    pool.mfa_config = mode  # the one setting DescribeUserPool / UpdateUserPool also use (§2)
    return ActionResult(mfa_document(pool))


def get_user_pool_mfa_config(self: CognitoIdpResponse) -> ActionResult:
    return ActionResult(mfa_document(pool_of(self, request_of(self))))


def set_relying_party(pool: CognitoIdpUserPool, domain: str) -> None:
    """Creating a custom domain moves the passkey RP ID to it (Model
    ``CreateUserPoolDomainRequest.CustomDomainConfig``, cognito-surface.md §1 trap)."""
    state = kinds(pool)
    webauthn = dict(state.mfa.get("WebAuthnConfiguration") or {})
    webauthn["RelyingPartyId"] = domain
    state.mfa["WebAuthnConfiguration"] = webauthn


# -------------------------------------------------------------------------------------------- 6. risk


def _require_threat_protection(pool: CognitoIdpUserPool) -> None:
    """Both risk calls list ``UserPoolAddOnNotEnabledException`` (cognito-surface.md §6 traps); the mode is
    ``UserPoolAddOns.AdvancedSecurityMode`` of UpdateUserPool."""
    mode = (pool.extended_config.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
    if mode not in ("AUDIT", "ENFORCED"):
        raise UserPoolAddOnNotEnabledException("Threat protection is not enabled for this user pool.")


def _risk_document(pool: CognitoIdpUserPool, client_id: str) -> dict[str, Any]:
    state = kinds(pool)
    stored = state.risk.get(client_id) if client_id else None
    document: dict[str, Any] = {"UserPoolId": pool.id}
    if stored is not None:
        document["ClientId"] = client_id
    else:
        # A client without its own configuration reads the pool's, WITHOUT ClientId (unconfirmed,
        # cognito-surface.md §6 "Read"; chosen so a missing ClientId means "inherited").
        stored = state.risk.get("")
    document.update(copy.deepcopy(stored or {}))
    return document


def set_risk_configuration(self: CognitoIdpResponse) -> ActionResult:
    """Replace (API ``API_SetRiskConfiguration.html``): only ``UserPoolId`` resets the pool level to the
    defaults (empty); ``UserPoolId`` + ``ClientId`` only deletes the client's own configuration (inherit)."""
    request = request_of(self)
    pool = pool_of(self, request)
    client_id = str(request.get("ClientId") or "")
    if client_id:
        check_client(pool, client_id)
    _require_threat_protection(pool)
    blocks = {name: copy.deepcopy(request[name]) for name in RISK_BLOCKS if request.get(name) is not None}
    state = kinds(pool)
    previous = state.risk.get(client_id)
    if client_id and not blocks:
        state.risk.pop(client_id, None)
        return ActionResult({"RiskConfiguration": _risk_document(pool, client_id)})
    blocks["LastModifiedDate"] = next_timestamp(previous.get("LastModifiedDate") if previous else None)
    state.risk[client_id] = blocks
    return ActionResult({"RiskConfiguration": _risk_document(pool, client_id)})


def describe_risk_configuration(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    pool = pool_of(self, request)
    client_id = str(request.get("ClientId") or "")
    if client_id:
        check_client(pool, client_id)
    _require_threat_protection(pool)
    return ActionResult({"RiskConfiguration": _risk_document(pool, client_id)})


# --------------------------------------------------------------------------------------- 7. classic UI


def pool_has_domain(pool: CognitoIdpUserPool) -> bool:
    return any(domain.user_pool_id == pool.id for domain in pool.backend.user_pool_domains.values())


def _ui_document(pool: CognitoIdpUserPool, client_id: str) -> dict[str, Any]:
    state = kinds(pool)
    stored = state.ui.get(client_id) or state.ui.get(ALL_CLIENTS)
    if stored is None:
        # "Returns an empty object if you haven't applied hosted UI branding" (API_GetUICustomization.html)
        return {}
    document = {"UserPoolId": pool.id, **copy.deepcopy(stored)}
    document.pop("HasImage", None)
    return document


def set_ui_customization(self: CognitoIdpResponse) -> ActionResult:
    """Replaces both CSS and the logo (an omitted ``ImageFile`` removes the logo: unconfirmed, chosen after
    Terraform's delete, cognito-surface.md §7); a request with neither removes the customization."""
    request = request_of(self)
    pool = pool_of(self, request)
    client_id = str(request.get("ClientId") or ALL_CLIENTS)
    if client_id != ALL_CLIENTS:
        check_client(pool, client_id)
    if not pool_has_domain(pool):
        raise InvalidParameterException("Your user pool must have a domain.")  # API_SetUICustomization.html
    state = kinds(pool)
    previous = state.ui.get(client_id)
    css, image = request.get("CSS"), request.get("ImageFile")
    if css is None and image is None:
        state.ui.pop(client_id, None)
        return ActionResult({"UICustomization": _ui_document(pool, client_id)})
    modified = next_timestamp(previous["LastModifiedDate"] if previous else None)
    stored: dict[str, Any] = {
        "ClientId": client_id,
        "CSSVersion": modified.strftime("%Y%m%d%H%M%S%f")[:-3],
        "CreationDate": previous["CreationDate"] if previous else modified,
        "LastModifiedDate": modified,
    }
    if css is not None:
        stored["CSS"] = css
    if image is not None:
        base64.b64decode(image, validate=True)  # a blob on the wire; the bytes are never returned
        stored["ImageUrl"] = f"{UI_ASSETS_HOST}/{pool.id}/{client_id}/assets/images/image.png"
    state.ui[client_id] = stored
    return ActionResult({"UICustomization": _ui_document(pool, client_id)})


def get_ui_customization(self: CognitoIdpResponse) -> ActionResult:
    """Client level without its own customization: the pool's, with ``ClientId`` ``ALL``
    (API_GetUICustomization.html, cognito-surface.md §7)."""
    request = request_of(self)
    pool = pool_of(self, request)
    client_id = str(request.get("ClientId") or ALL_CLIENTS)
    if client_id != ALL_CLIENTS:
        check_client(pool, client_id)
    return ActionResult({"UICustomization": _ui_document(pool, client_id)})


# ----------------------------------------------------------------------------------- 8. managed login


def merge_settings(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """Recursive merge: objects merge, any other value (lists included) replaces
    (API_UpdateManagedLoginBranding.html: "preserves existing style settings that you don't specify")."""
    merged = copy.deepcopy(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _assets_of(request: dict[str, Any]) -> list[dict[str, Any]]:
    assets = []
    for asset in request.get("Assets") or []:
        stored = dict(asset)
        if "Bytes" in stored:
            stored["Bytes"] = base64.b64decode(
                stored["Bytes"]
            )  # base64 on the wire, a blob (Model AssetType)
        assets.append(stored)
    return assets


def merge_assets(base: list[dict[str, Any]], change: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assets keyed by (Category, ColorMode): a new pair is added, an existing one replaced, none removed by
    omission (cognito-surface.md §8)."""
    merged = {(asset.get("Category"), asset.get("ColorMode")): asset for asset in base}
    for asset in change:
        merged[(asset.get("Category"), asset.get("ColorMode"))] = asset
    return list(merged.values())


def _check_cognito_values(request: dict[str, Any]) -> None:
    """``UseCognitoProvidedValues`` true requires omitting Settings and Assets (Model
    ``UpdateManagedLoginBrandingRequest.UseCognitoProvidedValues``)."""
    if request.get("UseCognitoProvidedValues") and (
        request.get("Settings") is not None or request.get("Assets") is not None
    ):
        raise InvalidParameterException(
            "You cannot specify Settings or Assets when UseCognitoProvidedValues is true."
        )


def _branding_document(pool: CognitoIdpUserPool, branding: Branding, merged: bool) -> dict[str, Any]:
    """``ManagedLoginBranding``: no ClientId (Model ``ManagedLoginBrandingType``); ``merged`` false returns
    only customized values (Model ``ReturnMergedResources``)."""
    settings = copy.deepcopy(branding.settings)
    if merged:
        settings = merge_settings(DEFAULT_BRANDING_SETTINGS, settings)
    return {
        "ManagedLoginBrandingId": branding.branding_id,
        "UserPoolId": pool.id,
        "UseCognitoProvidedValues": branding.use_cognito_provided_values,
        "Settings": settings,
        "Assets": copy.deepcopy(branding.assets),
        "CreationDate": branding.creation_date,
        "LastModifiedDate": branding.last_modified_date,
    }


def create_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    """One style per client (``ManagedLoginBrandingExistsException``), at most 20 per pool (DG quotas.html).
    A Create with neither Settings nor Assets uses Cognito's values (chosen; unconfirmed)."""
    request = request_of(self)
    pool = pool_of(self, request)
    client_id = str(request.get("ClientId") or "")
    check_client(pool, client_id)
    _check_cognito_values(request)
    state = kinds(pool)
    if any(branding.client_id == client_id for branding in state.brandings.values()):
        raise ManagedLoginBrandingExistsException(
            f"A managed login branding style exists for client {client_id}."
        )
    if len(state.brandings) >= MAX_BRANDING_STYLES:
        raise LimitExceededException(f"A user pool can have at most {MAX_BRANDING_STYLES} branding styles.")
    customized = request.get("Settings") is not None or request.get("Assets") is not None
    created = next_timestamp(None)
    branding = Branding(
        branding_id=str(uuid.uuid4()),
        client_id=client_id,
        use_cognito_provided_values=bool(request.get("UseCognitoProvidedValues", not customized)),
        settings=copy.deepcopy(request.get("Settings") or {}),
        assets=merge_assets([], _assets_of(request)),
        creation_date=created,
        last_modified_date=created,
    )
    state.brandings[branding.branding_id] = branding
    return ActionResult({"ManagedLoginBranding": _branding_document(pool, branding, merged=False)})


def _branding(pool: CognitoIdpUserPool, branding_id: str) -> Branding:
    branding = kinds(pool).brandings.get(branding_id)
    if branding is None:
        raise ResourceNotFoundException(f"Managed login branding {branding_id} does not exist.")
    return branding


def update_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    """Merge (API_UpdateManagedLoginBranding.html); ``UseCognitoProvidedValues`` true resets Settings and
    Assets to the defaults (Model: *"reverts to default style options"*)."""
    request = request_of(self)
    pool = pool_of(self, request)
    branding = _branding(pool, str(request.get("ManagedLoginBrandingId") or ""))
    _check_cognito_values(request)
    if request.get("UseCognitoProvidedValues"):
        branding.settings, branding.assets, branding.use_cognito_provided_values = {}, [], True
    else:
        if request.get("Settings") is not None:
            branding.settings = merge_settings(branding.settings, request["Settings"])
        branding.assets = merge_assets(branding.assets, _assets_of(request))
        if (
            request.get("Settings") is not None
            or request.get("Assets") is not None
            or request.get("UseCognitoProvidedValues") is False
        ):
            branding.use_cognito_provided_values = False
    branding.last_modified_date = next_timestamp(branding.last_modified_date)
    return ActionResult({"ManagedLoginBranding": _branding_document(pool, branding, merged=False)})


def describe_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    pool = pool_of(self, request)
    branding = _branding(pool, str(request.get("ManagedLoginBrandingId") or ""))
    merged = bool(request.get("ReturnMergedResources"))
    return ActionResult({"ManagedLoginBranding": _branding_document(pool, branding, merged)})


def describe_managed_login_branding_by_client(self: CognitoIdpResponse) -> ActionResult:
    """``ResourceNotFoundException`` when the client has no style (cognito-surface.md §8: Terraform relies
    on it to find styles; there is no List)."""
    request = request_of(self)
    pool = pool_of(self, request)
    client_id = str(request.get("ClientId") or "")
    for branding in kinds(pool).brandings.values():
        if branding.client_id == client_id:
            merged = bool(request.get("ReturnMergedResources"))
            return ActionResult({"ManagedLoginBranding": _branding_document(pool, branding, merged)})
    raise ResourceNotFoundException(f"No managed login branding style for client {client_id}.")


def delete_managed_login_branding(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    pool = pool_of(self, request)
    branding = _branding(pool, str(request.get("ManagedLoginBrandingId") or ""))
    del kinds(pool).brandings[branding.branding_id]
    return EmptyResult()


# ------------------------------------------------------------------------------------- 9. log delivery


def validate_log_configurations(pool: CognitoIdpUserPool, configurations: list[dict[str, Any]]) -> None:
    """Rules of Model ``LogConfigurationType`` (cognito-surface.md §9): 0-2 entries, one per EventSource,
    exactly one destination; userNotification = ERROR to CloudWatch Logs; userAuthEvents = INFO and Plus;
    S3 and Firehose destinations Plus only."""
    if len(configurations) > MAX_LOG_CONFIGURATIONS:
        raise InvalidParameterException(
            f"LogConfigurations must contain at most {MAX_LOG_CONFIGURATIONS} entries."
        )
    sources = [entry.get("EventSource") for entry in configurations]
    if len(set(sources)) != len(sources):
        raise InvalidParameterException("Only one log configuration per EventSource is allowed.")
    plus = tier(pool) == "PLUS"
    for entry in configurations:
        source, level = entry.get("EventSource"), entry.get("LogLevel")
        destinations = [
            name
            for name in ("CloudWatchLogsConfiguration", "S3Configuration", "FirehoseConfiguration")
            if entry.get(name) is not None
        ]
        if len(destinations) != 1:
            raise InvalidParameterException("Each log configuration needs exactly one destination.")
        if source == "userNotification":
            if level != "ERROR" or destinations != ["CloudWatchLogsConfiguration"]:
                raise InvalidParameterException(
                    "userNotification logs are delivered at LogLevel ERROR to CloudWatch Logs only."
                )
        elif source == "userAuthEvents":
            if level != "INFO":
                raise InvalidParameterException("userAuthEvents logs are delivered at LogLevel INFO.")
            if not plus:
                raise FeatureUnavailableInTierException(
                    f"The following features need to be disabled for the {tier(pool)} pricing tier "
                    "configured: userAuthEvents log delivery"
                )
        else:
            raise InvalidParameterException(f"Unknown EventSource {source!r}.")
        if destinations != ["CloudWatchLogsConfiguration"] and not plus:
            raise FeatureUnavailableInTierException(
                f"The following features need to be disabled for the {tier(pool)} pricing tier configured: "
                f"{destinations[0]}"
            )


def _log_document(pool: CognitoIdpUserPool) -> dict[str, Any]:
    return {"UserPoolId": pool.id, "LogConfigurations": copy.deepcopy(kinds(pool).log_configurations)}


def set_log_delivery_configuration(self: CognitoIdpResponse) -> ActionResult:
    """Replace the whole list; ``[]`` removes all (cognito-surface.md §9; TF
    log_delivery_configuration.go)."""
    request = request_of(self)
    pool = pool_of(self, request)
    configurations = list(request.get("LogConfigurations") or [])
    validate_log_configurations(pool, configurations)
    kinds(pool).log_configurations = copy.deepcopy(configurations)
    return ActionResult({"LogDeliveryConfiguration": _log_document(pool)})


def get_log_delivery_configuration(self: CognitoIdpResponse) -> ActionResult:
    return ActionResult({"LogDeliveryConfiguration": _log_document(pool_of(self, request_of(self)))})
