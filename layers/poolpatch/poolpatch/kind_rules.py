"""Rules of the configuration kinds beyond the pool and its clients (design.md, "Configuration kinds").

Same contract as :mod:`poolpatch.rules` (whose :data:`~poolpatch.rules.RULES` lists these after its own):
``prepare`` rules make a read write-ready and are idempotent; ``finalise`` rules check the merged
document, raising only for what the patch introduced or touched, or adjust it where the write would
otherwise be refused. Rules that couple kinds read ``ctx.context`` (the pool, for ``mfa``...); without
that context they check nothing, and the service still refuses what it refuses. Where the service accepts
something that surprises, a rule adds a warning to the plan instead of refusing.

Every rule cites its source in ``cognito-surface.md`` (which quotes the API reference, the model and
third-party measurements).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from poolpatch.errors import ConflictingSettings, ImmutableSetting, InvalidValue
from poolpatch.kinds import Kind
from poolpatch.merge import removed_pointers
from poolpatch.rules import Rule, RuleContext, _get, _pointer, _sets, _touched

# --- mfa (cognito-surface.md §2) -----------------------------------------------------------------------

_FACTOR_BLOCKS = ("SmsMfaConfiguration", "EmailMfaConfiguration", "SoftwareTokenMfaConfiguration")


def _factor_on(document: Mapping[str, Any], block: str) -> bool:
    value = document.get(block)
    if block == "SoftwareTokenMfaConfiguration":
        return isinstance(value, Mapping) and value.get("Enabled") is True
    return isinstance(value, Mapping)


def mfa_off_has_no_factors(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """With MFA ``OFF`` the write carries no SMS, email or TOTP block, a disabled TOTP block neither.

    The service refuses ``OFF`` together with an MFA factor (*"can't turn off MFA and configure an MFA
    together"*, go-to-k/cdkd#1923; ``OFF`` + ``WebAuthnConfiguration`` is accepted). Applied when the
    document is final (:func:`mfa_off_final`), not when it is read: blocks a read shows while MFA is off
    are kept for a change that turns MFA on again, and a write that drops them shows the removal.
    """
    if document.get("MfaConfiguration", "OFF") != "OFF":
        return document
    for block in _FACTOR_BLOCKS:
        document.pop(block, None)
    return document


def mfa_off_final(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Turning MFA ``OFF`` drops the factor blocks; setting one in the same patch is a conflict (§2 table)."""
    if document.get("MfaConfiguration", "OFF") != "OFF":
        return document
    for block in _FACTOR_BLOCKS:
        if _sets(ctx.patch, block) and _factor_on(document, block):
            raise ConflictingSettings(
                f"MFA OFF cannot be sent together with {block} (the service refuses to turn off MFA and "
                "configure a factor together).",
                path=_pointer(block),
                remedy=f'Remove {block} from the patch, or set "MfaConfiguration" to "OPTIONAL" or "ON".',
            )
    return mfa_off_has_no_factors(document, ctx.description)


def mfa_needs_a_factor(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """``ON``/``OPTIONAL`` needs SMS, email or TOTP (*"SMS MFA, Email MFA, or Software Token MFA must be
    enabled"*, go-to-k/cdkd#1920)."""
    mode = document.get("MfaConfiguration")
    if mode not in ("ON", "OPTIONAL") or any(_factor_on(document, block) for block in _FACTOR_BLOCKS):
        return document
    raise ConflictingSettings(
        f"MFA {mode} needs at least one factor: SMS, email or TOTP.",
        path=_pointer("MfaConfiguration"),
        remedy='Enable one in the same patch, e.g. "SoftwareTokenMfaConfiguration": {"Enabled": true}.',
    )


_OTP_FIRST_FACTORS = ("EMAIL_OTP", "SMS_OTP")


def mfa_required_and_first_factors(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """MFA ``ON`` is refused while the pool's sign-in policy offers OTP first factors, and needs passkeys
    configured as multi-factor when ``WEB_AUTHN`` is a first factor (go-to-k/cdkd#1975, #2064;
    hashicorp/terraform-provider-aws#50110). ``OPTIONAL`` is accepted either way."""
    pool = ctx.context.get("pool")
    touched = _touched(ctx.patch, "MfaConfiguration") or _touched(ctx.patch, "WebAuthnConfiguration")
    if document.get("MfaConfiguration") != "ON" or pool is None or not touched:
        return document
    factors = _get(pool, "Policies", "SignInPolicy", "AllowedFirstAuthFactors") or []
    offending = [factor for factor in _OTP_FIRST_FACTORS if factor in factors]
    if offending and _touched(ctx.patch, "MfaConfiguration"):
        raise ConflictingSettings(
            f"MFA ON is refused while the pool allows {' and '.join(offending)} as a first sign-in factor.",
            path=_pointer("MfaConfiguration"),
            remedy="Use OPTIONAL, or first remove them from the pool's "
            "Policies.SignInPolicy.AllowedFirstAuthFactors (a `pool` change), then turn MFA ON.",
        )
    verification = _get(document, "WebAuthnConfiguration", "FactorConfiguration")
    if "WEB_AUTHN" in factors and verification != "MULTI_FACTOR_WITH_USER_VERIFICATION":
        raise ConflictingSettings(
            "MFA ON with passkeys (WEB_AUTHN) as a first factor needs passkeys configured as multi-factor.",
            path=_pointer("WebAuthnConfiguration", "FactorConfiguration"),
            remedy='Add "WebAuthnConfiguration": {"FactorConfiguration": '
            '"MULTI_FACTOR_WITH_USER_VERIFICATION", "UserVerification": "required"}.',
        )
    return document


def multi_factor_passkeys_need_essentials(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Passkeys as a multi-factor method (``MULTI_FACTOR_WITH_USER_VERIFICATION``) need the Essentials tier or
    higher (Model ``WebAuthnConfigurationType.FactorConfiguration``; cognito-surface.md §2 table)."""
    pool = ctx.context.get("pool")
    factor = _get(document, "WebAuthnConfiguration", "FactorConfiguration")
    if pool is None or factor != "MULTI_FACTOR_WITH_USER_VERIFICATION":
        return document
    if _touched(ctx.patch, "WebAuthnConfiguration") and (pool.get("UserPoolTier") or "ESSENTIALS") == "LITE":
        raise ConflictingSettings(
            "Passkeys as a multi-factor method need the Essentials tier or higher; the pool is on LITE.",
            path=_pointer("WebAuthnConfiguration", "FactorConfiguration"),
            remedy='Change the pool first (a `pool` change: {"UserPoolTier": "ESSENTIALS"}), or use '
            "SINGLE_FACTOR.",
        )
    return document


def email_mfa_needs_ses_and_tier(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Email MFA needs the Essentials tier or higher (Model ``EmailMfaConfigType``: *"your user pool must be
    in the Essentials tier or higher"*) and email sent through your own SES identity (DG
    ``user-pool-settings-mfa-sms-email-message.html``: email MFA needs ``EmailSendingAccount`` DEVELOPER)."""
    pool = ctx.context.get("pool")
    if pool is None or not _sets(ctx.patch, "EmailMfaConfiguration"):
        return document
    tier = pool.get("UserPoolTier") or "ESSENTIALS"
    if tier == "LITE":
        raise ConflictingSettings(
            "Email MFA needs the Essentials tier or higher; the pool is on LITE.",
            path=_pointer("EmailMfaConfiguration"),
            remedy='Change the pool first (a `pool` change: {"UserPoolTier": "ESSENTIALS"}), or use TOTP.',
        )
    if _get(pool, "EmailConfiguration", "EmailSendingAccount") != "DEVELOPER":
        raise ConflictingSettings(
            "Email MFA needs the pool to send email through Amazon SES (EmailSendingAccount DEVELOPER).",
            path=_pointer("EmailMfaConfiguration"),
            remedy="Configure the pool's EmailConfiguration with your SES identity (a `pool` change: "
            'EmailSendingAccount "DEVELOPER" and SourceArn), then enable email MFA.',
        )
    return document


# --- domain (cognito-surface.md §1) -------------------------------------------------------------------


def domain_type_is_fixed(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """A prefix domain never becomes a custom one or back: the name would have to change
    (*"Cannot convert custom domain to prefix domain."*, hashicorp/terraform-provider-aws#43248)."""
    was_custom = "CustomDomainConfig" in ctx.live
    if _touched(ctx.patch, "CustomDomainConfig") and was_custom != ("CustomDomainConfig" in document):
        raise ImmutableSetting(
            "A domain cannot change between a prefix and a custom domain."
            if was_custom
            else "A prefix domain cannot get a certificate: custom domains are host names.",
            path=_pointer("CustomDomainConfig"),
            remedy="Delete the domain and create the new one (DeleteUserPoolDomain, CreateUserPoolDomain); "
            "to rotate a certificate, send the new CertificateArn instead.",
        )
    if "Routing" in document and "CustomDomainConfig" not in document and _touched(ctx.patch, "Routing"):
        raise ConflictingSettings(
            "Routing is only supported for custom domains (Model RoutingType).",
            path=_pointer("Routing"),
            remedy="Remove Routing, or set it on the pool's custom domain.",
        )
    return document


def managed_login_needs_a_style(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Version 2 (managed login) is accepted, but *"does not activate managed login pages for your app
    client"*: each client needs a branding style (API ``API_UpdateUserPoolDomain.html``). A warning."""
    if document.get("ManagedLoginVersion") == 2 and ctx.live.get("ManagedLoginVersion") != 2:
        ctx.warnings.append(
            "ManagedLoginVersion 2 serves managed login pages only to app clients with a branding style: "
            "create one per client (managedLoginBranding), or their sign-in pages stop working."
        )
    return document


# --- identity providers (cognito-surface.md §3) -------------------------------------------------------

#: Keys DescribeIdentityProvider adds to ProviderDetails that are not written back (cognito-surface.md §3).
_DERIVED_DETAILS: Mapping[str, frozenset[str]] = {
    "OIDC": frozenset({"attributes_url_add_attributes"}),
    "SAML": frozenset({"ActiveEncryptionCertificate", "SSORedirectBindingURI", "SLORedirectBindingURI"}),
    **{
        social: frozenset(
            {
                "attributes_url",
                "attributes_url_add_attributes",
                "authorize_url",
                "token_url",
                "token_request_method",
                "oidc_issuer",
            }
        )
        for social in ("Google", "Facebook", "LoginWithAmazon", "SignInWithApple")
    },
}


def idp_derived_details(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the ProviderDetails keys the service derives (endpoints, certificates): sending them back causes
    perpetual diffs or refusals (hashicorp/terraform-provider-aws#5704; cognito-surface.md §3 table)."""
    derived = _DERIVED_DETAILS.get(str(description.get("ProviderType")), frozenset())
    details = document.get("ProviderDetails")
    if derived and isinstance(details, dict):
        document["ProviderDetails"] = {key: value for key, value in details.items() if key not in derived}
    return document


def idp_details_required(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """ProviderDetails hold the provider's connection (client id, issuer, metadata); UpdateIdentityProvider
    replaces the map whole when sent (aws/aws-cdk#29494), and an identity provider without one cannot work:
    removing it is refused rather than sent as an empty map."""
    if "ProviderDetails" in ctx.patch and ctx.patch["ProviderDetails"] is None:
        raise ImmutableSetting(
            "An identity provider's ProviderDetails cannot be removed.",
            path=_pointer("ProviderDetails"),
            remedy="Change single keys (null removes one key), or delete the identity provider.",
        )
    return document


def idp_apple_private_key(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Sign in with Apple's ``private_key`` is never returned by Describe, and ProviderDetails is replaced
    whole on write (aws/aws-cdk#29494): a write without it may drop it (cognito-surface.md §3)."""
    if ctx.description.get("ProviderType") != "SignInWithApple":
        return document
    if not _get(document, "ProviderDetails", "private_key"):
        raise ConflictingSettings(
            "Sign in with Apple's private_key cannot be read back, and the write replaces ProviderDetails.",
            path=_pointer("ProviderDetails", "private_key"),
            remedy='Send the key in the patch: {"ProviderDetails": {"private_key": "..."}} (it is written, '
            "never shown or snapshotted).",
        )
    return document


def idp_acr_oidc_only(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """*"Only OIDC IdPs support ACR mapping"* (Model ``UpdateIdentityProviderRequest.AcrMapping``)."""
    if _sets(ctx.patch, "AcrMapping") and ctx.description.get("ProviderType") != "OIDC":
        raise ConflictingSettings(
            "AcrMapping is supported for OIDC identity providers only, not "
            f"{ctx.description.get('ProviderType')}.",
            path=_pointer("AcrMapping"),
            remedy="Remove AcrMapping from the patch.",
        )
    return document


# --- resource servers (cognito-surface.md §4) ---------------------------------------------------------


def resource_server_managed(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Servers with ``ManagedBy`` belong to Amazon Cognito (Model ``ResourceServerType.ManagedBy``)."""
    if ctx.description.get("ManagedBy"):
        raise ImmutableSetting(
            f"This resource server is managed by {ctx.description['ManagedBy']}, not by you.",
            path="",
            remedy="Leave it alone; change your own resource servers.",
        )
    return document


def removed_scopes_warning(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """A removed scope still granted to an app client makes that client's next update fail with
    ``ScopeDoesNotExistException`` (cognito-api.md §3.1): the plan says which scopes go."""
    before = {
        str(item.get("ScopeName")) for item in ctx.live.get("Scopes") or [] if isinstance(item, Mapping)
    }
    after = {str(item.get("ScopeName")) for item in document.get("Scopes") or [] if isinstance(item, Mapping)}
    gone = sorted(before - after)
    if gone:
        ctx.warnings.append(
            f"Scope(s) {', '.join(gone)} are removed: app clients that list them in AllowedOAuthScopes "
            "must drop them, or their next update fails with ScopeDoesNotExistException."
        )
    return document


# --- groups (cognito-surface.md §5) -------------------------------------------------------------------


def group_members_cannot_be_cleared(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """UpdateGroup cannot clear ``RoleArn`` or ``Precedence``: an empty ``RoleArn`` fails its minimum length
    and ``Precedence`` cannot be null (hashicorp/terraform-provider-aws#4237)."""
    for member in ("RoleArn", "Precedence"):
        if member in ctx.patch and ctx.patch[member] is None and member in ctx.live:
            raise ImmutableSetting(
                f"A group's {member} can be changed but never removed.",
                path=_pointer(member),
                remedy="Set another value; removing it needs a new group (DeleteGroup, CreateGroup), which "
                "loses its members.",
            )
    return document


# --- risk configuration (cognito-surface.md §6) ------------------------------------------------------


def risk_needs_threat_protection(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """SetRiskConfiguration needs threat protection on the pool (``UserPoolAddOnNotEnabledException``;
    API ``API_SetRiskConfiguration.html``: the mode is ``UserPoolAddOns`` in UpdateUserPool, Plus tier)."""
    pool = ctx.context.get("pool")
    if pool is None:
        return document
    mode = _get(pool, "UserPoolAddOns", "AdvancedSecurityMode") or "OFF"
    if mode == "OFF":
        raise ConflictingSettings(
            "Threat protection is off for this pool: its risk configuration cannot be set.",
            path="",
            remedy='Turn it on first with a `pool` change: {"UserPoolTier": "PLUS", "UserPoolAddOns": '
            '{"AdvancedSecurityMode": "AUDIT"}}.',
        )
    return document


# --- classic hosted UI (cognito-surface.md §7) --------------------------------------------------------


def ui_needs_a_domain(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """*"Your user pool must have a domain."* (API ``API_SetUICustomization.html``)."""
    pool = ctx.context.get("pool")
    if pool is not None and not pool.get("Domain") and not pool.get("CustomDomain"):
        raise ConflictingSettings(
            "The classic hosted UI can be customized only on a pool with a domain.",
            path="",
            remedy="Create a domain for the pool (CreateUserPoolDomain), then customize its UI.",
        )
    return document


def ui_logo_is_write_only(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """GetUICustomization returns the logo's ``ImageUrl``, never its bytes, and SetUICustomization replaces
    both CSS and logo (Terraform removes a customization by omitting both): a write without ``ImageFile``
    would remove the logo (cognito-surface.md §7)."""
    if ctx.description.get("ImageUrl") and not _touched(ctx.patch, "ImageFile"):
        raise ConflictingSettings(
            "This customization has a logo that cannot be read back, and the write replaces it.",
            path=_pointer("ImageFile"),
            remedy='Send the logo again as base64 ("ImageFile": "<base64>"), or remove it explicitly with '
            '"ImageFile": null.',
        )
    return document


# --- managed login branding (cognito-surface.md §8) ---------------------------------------------------


def _asset_key(asset: Any) -> tuple[str, str]:
    if not isinstance(asset, Mapping):
        return ("", "")
    return (str(asset.get("Category", "")), str(asset.get("ColorMode", "")))


def branding_assets_in_order(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Assets are keyed by (Category, ColorMode), not by position (API
    ``API_UpdateManagedLoginBranding.html``): reads list them in the service's own order, so they are kept
    sorted by that key."""
    assets = document.get("Assets")
    if isinstance(assets, list):
        document["Assets"] = sorted(assets, key=_asset_key)
    return document


def branding_assets_unique(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """One asset per (Category, ColorMode): the service keys assets by that pair (cognito-surface.md §8), so a
    second one with the same pair would replace the first. Sorted like the read (see above)."""
    seen: set[tuple[str, str]] = set()
    for index, asset in enumerate(ctx.patch.get("Assets") or []):
        key = _asset_key(asset)
        if key in seen:
            raise InvalidValue(
                f"Assets lists Category {key[0]} with ColorMode {key[1]} twice.",
                path=_pointer("Assets", index),
                remedy="Send one asset per Category and ColorMode.",
            )
        seen.add(key)
    return branding_assets_in_order(document, ctx.description)


def branding_merges(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """UpdateManagedLoginBranding *"preserves existing style settings that you don't specify"* and keeps
    assets of other (Category, ColorMode) pairs (API ``API_UpdateManagedLoginBranding.html``): nothing can
    be removed by a write, so a removal is refused instead of silently not happening.
    ``UseCognitoProvidedValues: true`` reverts to the defaults and must come without Settings and Assets."""
    customizes = _sets(ctx.patch, "Settings") or _sets(ctx.patch, "Assets")
    if (
        document.get("UseCognitoProvidedValues") is True
        and customizes
        and "UseCognitoProvidedValues" not in ctx.patch
    ):
        # A style on Cognito's values takes no Settings or Assets: customizing it leaves those values.
        document["UseCognitoProvidedValues"] = False
    if document.get("UseCognitoProvidedValues") is True:
        if _sets(ctx.patch, "UseCognitoProvidedValues") and (
            _sets(ctx.patch, "Settings") or _sets(ctx.patch, "Assets")
        ):
            raise ConflictingSettings(
                "UseCognitoProvidedValues true reverts to the default style: it takes no Settings or Assets.",
                path=_pointer("UseCognitoProvidedValues"),
                remedy="Send UseCognitoProvidedValues alone, or Settings/Assets with it false.",
            )
        document.pop("Settings", None)
        document.pop("Assets", None)
        return document
    removed = [p for p in removed_pointers(ctx.patch) if p != "/UseCognitoProvidedValues"]
    kept = {_asset_key(a) for a in document.get("Assets") or [] if isinstance(a, Mapping)}
    lost = [a for a in ctx.live.get("Assets") or [] if isinstance(a, Mapping) and _asset_key(a) not in kept]
    if removed or lost:
        raise ConflictingSettings(
            "A managed login branding update merges: it can add and change settings and assets, never remove "
            "them.",
            path=removed[0] if removed else _pointer("Assets"),
            remedy='Change the value instead, or rebuild the style: {"UseCognitoProvidedValues": true}, then '
            "send the whole style.",
        )
    return document


# --- log delivery (cognito-surface.md §9) -------------------------------------------------------------


def log_delivery_rules(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Model ``LogConfigurationType``: ``userNotification`` logs ERROR to CloudWatch Logs; ``userAuthEvents``
    logs INFO and needs the Plus tier; S3 and Firehose destinations are Plus only; one entry per source."""
    if not _touched(ctx.patch, "LogConfigurations"):
        return document
    pool = ctx.context.get("pool")
    # No tier in the read: the default of new pools, Essentials (the same reading as the email MFA rule).
    plus = pool is None or (pool.get("UserPoolTier") or "ESSENTIALS") == "PLUS"
    seen: set[str] = set()
    for index, entry in enumerate(document.get("LogConfigurations") or []):
        if not isinstance(entry, Mapping):
            continue
        source, level = entry.get("EventSource"), entry.get("LogLevel")
        where = _pointer("LogConfigurations", index)
        if source in seen:
            raise InvalidValue(
                f"EventSource {source} is listed twice.",
                path=f"{where}/EventSource",
                remedy="Send one entry per event source.",
            )
        seen.add(str(source))
        if source == "userNotification" and (level != "ERROR" or "CloudWatchLogsConfiguration" not in entry):
            raise ConflictingSettings(
                "userNotification logs are ERROR level, delivered to CloudWatch Logs only.",
                path=f"{where}/LogLevel" if level != "ERROR" else where,
                remedy='Use "LogLevel": "ERROR" with a CloudWatchLogsConfiguration.',
            )
        if source == "userAuthEvents" and level != "INFO":
            raise ConflictingSettings(
                "userAuthEvents logs are INFO level.",
                path=f"{where}/LogLevel",
                remedy='Use "LogLevel": "INFO".',
            )
        needs_plus = (
            source == "userAuthEvents" or "S3Configuration" in entry or "FirehoseConfiguration" in entry
        )
        if needs_plus and not plus:
            raise ConflictingSettings(
                "User activity logs and S3 or Firehose destinations need the Plus tier.",
                path=where,
                remedy='Change the pool first (a `pool` change: {"UserPoolTier": "PLUS"}), or log '
                "userNotification errors to CloudWatch Logs.",
            )
    return document


def _only(kind: Kind) -> frozenset[Kind]:
    return frozenset({kind})


KIND_RULES: tuple[Rule, ...] = (
    Rule(
        "idp-derived-details",
        "prepare",
        idp_derived_details,
        _only("identityProvider"),
        "cognito-surface.md §3",
    ),
    Rule("mfa-off", "finalise", mfa_off_final, _only("mfa"), "cognito-surface.md §2 table"),
    Rule("mfa-needs-a-factor", "finalise", mfa_needs_a_factor, _only("mfa"), "cognito-surface.md §2 table"),
    Rule(
        "mfa-required-and-first-factors",
        "finalise",
        mfa_required_and_first_factors,
        _only("mfa"),
        "cognito-surface.md §2 table",
    ),
    Rule(
        "multi-factor-passkeys-need-essentials",
        "finalise",
        multi_factor_passkeys_need_essentials,
        _only("mfa"),
        "cognito-surface.md §2 table",
    ),
    Rule(
        "email-mfa-needs-ses-and-tier",
        "finalise",
        email_mfa_needs_ses_and_tier,
        _only("mfa"),
        "cognito-surface.md §2",
    ),
    Rule("domain-type-is-fixed", "finalise", domain_type_is_fixed, _only("domain"), "cognito-surface.md §1"),
    Rule(
        "managed-login-needs-a-style",
        "finalise",
        managed_login_needs_a_style,
        _only("domain"),
        "cognito-surface.md §1",
    ),
    Rule(
        "idp-details-required",
        "finalise",
        idp_details_required,
        _only("identityProvider"),
        "cognito-surface.md §3",
    ),
    Rule(
        "idp-apple-private-key",
        "finalise",
        idp_apple_private_key,
        _only("identityProvider"),
        "cognito-surface.md §3",
    ),
    Rule(
        "idp-acr-oidc-only", "finalise", idp_acr_oidc_only, _only("identityProvider"), "cognito-surface.md §3"
    ),
    Rule(
        "resource-server-managed",
        "finalise",
        resource_server_managed,
        _only("resourceServer"),
        "cognito-surface.md §4",
    ),
    Rule(
        "removed-scopes-warning",
        "finalise",
        removed_scopes_warning,
        _only("resourceServer"),
        "cognito-api.md §3.1",
    ),
    Rule(
        "group-members-cannot-be-cleared",
        "finalise",
        group_members_cannot_be_cleared,
        _only("group"),
        "cognito-surface.md §5",
    ),
    Rule(
        "risk-needs-threat-protection",
        "finalise",
        risk_needs_threat_protection,
        _only("riskConfiguration"),
        "cognito-surface.md §6",
    ),
    Rule(
        "ui-needs-a-domain", "finalise", ui_needs_a_domain, _only("uiCustomization"), "cognito-surface.md §7"
    ),
    Rule(
        "ui-logo-is-write-only",
        "finalise",
        ui_logo_is_write_only,
        _only("uiCustomization"),
        "cognito-surface.md §7",
    ),
    Rule(
        "branding-assets-in-order",
        "prepare",
        branding_assets_in_order,
        _only("managedLoginBranding"),
        "cognito-surface.md §8",
    ),
    Rule(
        "branding-assets-unique",
        "finalise",
        branding_assets_unique,
        _only("managedLoginBranding"),
        "cognito-surface.md §8",
    ),
    Rule(
        "branding-merges", "finalise", branding_merges, _only("managedLoginBranding"), "cognito-surface.md §8"
    ),
    Rule("log-delivery-rules", "finalise", log_delivery_rules, _only("logDelivery"), "cognito-surface.md §9"),
)
