"""Normalisation and cross-field rules of the engine (design.md, algorithm step 5).

Pure logic over plain dicts: no AWS calls and no botocore model. Type, enum, length
and pattern checks, and unknown, read-only and immutable members, belong to
``poolpatch.model``; the rules here cover what needs several fields at once or the
live state.

The engine uses this module in three places:

1. :func:`prepare` turns the projected live update document into a write-ready one
   (phase ``prepare``). It is also applied to the document described again during
   verification, so it is deterministic and idempotent.
2. :func:`explicit_defaults` gives, for members the patch removes, the explicit
   default to send where the service would otherwise keep the omitted member.
3. :func:`finalise` applies the cross-field rules to the merged document (phase
   ``finalise``) and returns the document to send, or raises a
   :class:`~poolpatch.errors.PoolpatchError` with a JSON Pointer ``path`` and a
   ``remedy``.

The plan is the diff between ``prepare(live)`` and ``finalise(...)``: a rule changes
nothing the patch did not ask for unless the write would be invalid otherwise, and
then the same change also happens in :func:`prepare`, so it never shows up as a
spurious change. Checks raise only for problems the patch introduced or touched: a
pre-existing quirk of a live pool or client never blocks an unrelated change.

Every rule is a small function whose docstring cites its row in
``docs/cognito-api.md``; :data:`RULES` lists them in execution order.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from poolpatch.errors import ConflictingSettings, ImmutableSetting, InvalidValue
from poolpatch.kinds import Kind
from poolpatch.merge import tree_copy
from poolpatch.pointer import join

_POOL: frozenset[Kind] = frozenset({"pool"})
_CLIENT: frozenset[Kind] = frozenset({"client"})
_BOTH: frozenset[Kind] = frozenset({"pool", "client"})


@dataclass(frozen=True)
class RuleContext:
    """What a finalise rule may look at besides the merged document."""

    kind: Kind
    live: Mapping[str, Any]
    """The prepare()d live update document."""
    patch: Mapping[str, Any]
    """The request's merge patch (``None`` values remove a member)."""
    description: Mapping[str, Any]
    """The parsed read of the target (``UserPool``, ``IdentityProvider``...); never copy a secret from it."""
    context: Mapping[Kind, Mapping[str, Any]] = field(default_factory=dict)
    """Parsed reads of the kinds this kind's rules look at (``pool`` for ``mfa``...); absent = unknown."""
    warnings: list[str] = field(default_factory=list)
    """Where a rule says what the service accepts but may surprise (shown with the plan)."""


@dataclass(frozen=True)
class Rule:
    """One normalisation or cross-field rule."""

    name: str
    phase: Literal["prepare", "finalise"]
    func: Callable[..., dict[str, Any]]
    kinds: frozenset[Kind]
    source: str


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

_MISSING = object()


_pointer = join
"""A JSON Pointer (RFC 6901) for ``keys`` (:func:`poolpatch.pointer.join`)."""


def _get(document: Mapping[str, Any], *keys: str) -> Any:
    """The value at ``keys``, or ``None`` when any step is missing or not an object."""
    current: Any = document
    for key in keys:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _touched(patch: Mapping[str, Any], *keys: str) -> bool:
    """Whether the patch sets or removes the member at ``keys``, an ancestor of it, or a descendant."""
    current: Any = patch
    for key in keys:
        if not isinstance(current, Mapping):
            return True
        if key not in current:
            return False
        current = current[key]
    return True


def _sets(patch: Mapping[str, Any], *keys: str) -> bool:
    """Whether the patch holds a non-null value at exactly ``keys``."""
    current: Any = patch
    for key in keys:
        if not isinstance(current, Mapping) or key not in current:
            return False
        current = current[key]
    return current is not None


def _removes(patch: Mapping[str, Any], *keys: str) -> bool:
    """Whether the patch holds ``null`` at exactly ``keys``."""
    current: Any = patch
    for key in keys:
        if not isinstance(current, Mapping) or key not in current:
            return False
        current = current[key]
    return current is None


def _child(document: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The object member ``key`` of ``document`` if it is one."""
    value = document.get(key)
    return value if isinstance(value, dict) else None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


# Empty values the service gives a meaning to (cognito-api.md §2.3).
_KEEP_EMPTY: frozenset[tuple[str, ...]] = frozenset(
    {
        ("SmsConfiguration", "SnsCallerArn"),
        ("UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"),
    }
)
# Maps whose values may be empty strings: a tag value is 0-256 characters (cognito-api.md §3.2), so
# `{"legal-hold": ""}` is a tag, and stripping it would drop it on the next unrelated write.
_EMPTY_VALUED_MAPS: frozenset[str] = frozenset({"UserPoolTags"})


def _meaningful_empty(path: tuple[str, ...]) -> bool:
    """True for the empty values the service gives a meaning to."""
    return path in _KEEP_EMPTY or (len(path) == 2 and path[0] in _EMPTY_VALUED_MAPS)


def _strip(value: Any, path: tuple[str, ...], keep: Callable[[tuple[str, ...]], bool]) -> Any:
    """``value`` without ``None``, ``""``, ``[]`` and ``{}`` (recursively), or ``_MISSING``."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            stripped = _strip(item, (*path, key), keep)
            if stripped is not _MISSING:
                out[key] = stripped
        value = out
    elif isinstance(value, list):
        value = [s for s in (_strip(item, path, keep) for item in value) if s is not _MISSING]
    if _is_empty(value) and not (value is not None and keep(path)):
        return _MISSING
    return value


def _strip_document(document: dict[str, Any], keep: Callable[[tuple[str, ...]], bool]) -> dict[str, Any]:
    stripped = _strip(document, (), keep)
    return {} if stripped is _MISSING else dict(stripped)


# --------------------------------------------------------------------------------------------------
# Pool, prepare
# --------------------------------------------------------------------------------------------------


def temporary_password_days(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``AdminCreateUserConfig.UnusedAccountValidityDays``; keep its value only where nothing newer is.

    Source: cognito-api.md §3 row 1 (Model ``PasswordPolicyType.TemporaryPasswordValidityDays``; API
    ``API_AdminCreateUserConfigType.html``; aws/aws-sdk-js#3817). Both sent →
    ``InvalidParameterException``; the legacy value is effective until
    ``TemporaryPasswordValidityDays`` is set, so it is copied there only when that is absent.
    """
    admin = _child(document, "AdminCreateUserConfig")
    if admin is None or "UnusedAccountValidityDays" not in admin:
        return document
    legacy = admin.pop("UnusedAccountValidityDays")
    if legacy is None:
        return document
    policies = document.setdefault("Policies", {})
    password = policies.setdefault("PasswordPolicy", {})
    if password.get("TemporaryPasswordValidityDays") is None:
        password["TemporaryPasswordValidityDays"] = legacy
    return document


_LEGACY_VERIFICATION: tuple[tuple[str, str], ...] = (
    ("SmsVerificationMessage", "SmsMessage"),
    ("EmailVerificationMessage", "EmailMessage"),
    ("EmailVerificationSubject", "EmailSubject"),
)


def legacy_verification_messages(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the legacy verification members; fill the template members they stand for, only if missing.

    Source: cognito-api.md §3 row 2 (aws/aws-cdk#6811; aws/aws-cli#8280; the template wins when they
    differ).
    """
    template = dict(document.get("VerificationMessageTemplate") or {})
    for legacy, member in _LEGACY_VERIFICATION:
        value = document.pop(legacy, None)
        if value is not None and template.get(member) is None:
            template[member] = value
    if template:
        document["VerificationMessageTemplate"] = template
    return document


_CODE_PAIR = ("EmailMessage", "EmailSubject")
_LINK_PAIR = ("EmailMessageByLink", "EmailSubjectByLink")


def _email_option(template: Mapping[str, Any]) -> str:
    return str(template.get("DefaultEmailOption") or "CONFIRM_WITH_CODE")


def _unused_pair(template: Mapping[str, Any]) -> tuple[str, str]:
    return _CODE_PAIR if _email_option(template) == "CONFIRM_WITH_LINK" else _LINK_PAIR


def verification_email_pair(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only the email message/subject pair matching ``DefaultEmailOption`` (default by code).

    Source: cognito-api.md §3 row 3 (Model ``UpdateUserPoolRequest.VerificationMessageTemplate``: *"When
    you supply both parameters with either choice, Amazon Cognito returns an error."*).
    """
    template = _child(document, "VerificationMessageTemplate")
    if template is not None:
        for member in _unused_pair(template):
            template.pop(member, None)
    return document


def _is_aws_tag(key: str) -> bool:
    return key.lower().startswith("aws:")


def aws_tags(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Drop ``UserPoolTags`` keys starting with ``aws:`` (reserved; Describe returns them).

    Source: cognito-api.md §3 row 14 (hashicorp/terraform-provider-aws#11265; go-to-k/cdkd#155).
    """
    tags = _child(document, "UserPoolTags")
    if tags is not None:
        document["UserPoolTags"] = {k: v for k, v in tags.items() if not _is_aws_tag(k)}
    return document


def empty_containers(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Strip ``None``, ``""``, ``[]`` and ``{}`` recursively, except the empties that mean something.

    ``SmsConfiguration.SnsCallerArn`` may be ``""``, an empty
    ``UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`` disables the setting, and a
    tag value may be ``""`` (``UserPoolTags`` values are 0-256 characters).
    Source: cognito-api.md §2.3 (hashicorp/terraform-provider-aws#21143, #2365) and §1
    (hashicorp/terraform-provider-aws#34904). ``False`` and ``0`` are values, never stripped.
    """
    return _strip_document(document, _meaningful_empty)


# --------------------------------------------------------------------------------------------------
# Client, prepare
# --------------------------------------------------------------------------------------------------


def publish_secrets_never_derived(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Never carry ``PublishSecretsInAWSSecretsManager`` over from live state.

    Source: cognito-api.md §2.2 and §5 (Model
    ``UpdateUserPoolClientRequest.PublishSecretsInAWSSecretsManager``: ``false`` *"immediately and
    permanently deletes the Secrets Manager secret"*).
    """
    document.pop("PublishSecretsInAWSSecretsManager", None)
    return document


@dataclass(frozen=True)
class _Token:
    number: str
    unit: str
    default_unit: str
    default_number: int
    min_seconds: int
    max_seconds: int
    range_text: str


_TOKENS: tuple[_Token, ...] = (
    _Token("AccessTokenValidity", "AccessToken", "hours", 1, 300, 86_400, "5 minutes to 1 day"),
    _Token("IdTokenValidity", "IdToken", "hours", 1, 300, 86_400, "5 minutes to 1 day"),
    _Token(
        "RefreshTokenValidity", "RefreshToken", "days", 30, 3_600, 3_650 * 86_400, "60 minutes to 3,650 days"
    ),
)
_UNIT_SECONDS: Mapping[str, int] = {"seconds": 1, "minutes": 60, "hours": 3_600, "days": 86_400}


def token_validity_units(document: dict[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Give each token number its unit so the three always travel together.

    A missing unit becomes the service default (access/ID ``hours``, refresh ``days``), which is what
    the service applies to a number sent without one; a missing number becomes the service default
    (1 hour, 1 hour, 30 days) *with its default unit*, which is what the service applies when it is
    omitted. The meaning never changes. Source: cognito-api.md §3 row 21 and §4.2 (Model
    ``UpdateUserPoolClientRequest.*TokenValidity``; awsdocs/aws-cloudformation-user-guide#828).
    """
    units = dict(document.get("TokenValidityUnits") or {})
    for token in _TOKENS:
        if document.get(token.number) is None:
            document[token.number] = token.default_number
            units[token.unit] = token.default_unit
        elif units.get(token.unit) is None:
            units[token.unit] = token.default_unit
    document["TokenValidityUnits"] = units
    return document


# --------------------------------------------------------------------------------------------------
# Pool, finalise
# --------------------------------------------------------------------------------------------------


def legacy_fields_rejected(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Refuse a patch that sets a legacy member; point at the member that replaces it.

    The choice is ``InvalidValue``: the service refuses the legacy member next to its modern one
    (``Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays``;
    ``The message is invalid.``), and prepare() drops it from live state, so the patch's value could
    never take effect. Removing a legacy member (``null``) is accepted: it is already gone.
    Source: cognito-api.md §3 rows 1-2.
    """
    if _sets(ctx.patch, "AdminCreateUserConfig", "UnusedAccountValidityDays"):
        raise InvalidValue(
            "AdminCreateUserConfig.UnusedAccountValidityDays is a legacy member the service refuses next to "
            "Policies.PasswordPolicy.TemporaryPasswordValidityDays.",
            path=_pointer("AdminCreateUserConfig", "UnusedAccountValidityDays"),
            remedy="Set /Policies/PasswordPolicy/TemporaryPasswordValidityDays instead.",
        )
    for legacy, member in _LEGACY_VERIFICATION:
        if _sets(ctx.patch, legacy):
            raise InvalidValue(
                f"{legacy} is a legacy member ('no longer used'); the verification template wins over it.",
                path=_pointer(legacy),
                remedy=f"Set /VerificationMessageTemplate/{member} instead.",
            )
    return document


def aws_tags_reserved(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Refuse a patch that sets a tag whose key starts with ``aws:`` (reserved prefix).

    Removing one (``null``) is accepted: prepare() already leaves such keys out of every write.
    Source: cognito-api.md §3 row 14 (hashicorp/terraform-provider-aws#11265).
    """
    tags = ctx.patch.get("UserPoolTags")
    if isinstance(tags, Mapping):
        for key, value in tags.items():
            if value is not None and _is_aws_tag(str(key)):
                raise InvalidValue(
                    f"Tag key {key!r} uses the reserved 'aws:' prefix.",
                    path=_pointer("UserPoolTags", str(key)),
                    remedy="Choose a key that does not start with 'aws:'.",
                )
    return aws_tags(document, ctx.description)


#: Tags per user pool (cognito-api.md §3.2).
MAX_TAGS = 50


def tag_limit(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Refuse a patch that leaves more than 50 tags on the pool.

    Only checked when the patch names ``UserPoolTags``: a live pool is never blocked by its own state.
    Source: cognito-api.md §3.2 (``UserPoolTags``: key 1-128, value 0-256, at most 50 per pool).
    """
    if "UserPoolTags" not in ctx.patch:
        return document
    tags = document.get("UserPoolTags")
    if isinstance(tags, Mapping) and len(tags) > MAX_TAGS:
        raise InvalidValue(
            f"The pool would have {len(tags)} tags; Cognito allows at most {MAX_TAGS} per user pool.",
            path="/UserPoolTags",
            remedy="Remove tags (null) in the same patch, or merge several into one.",
        )
    return document


def verification_email_pair_final(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Send only the email pair matching the resulting ``DefaultEmailOption``.

    A pair member the patch sets for the other option is ``ConflictingSettings`` (it would be silently
    dropped otherwise); the other pair left over from live state is dropped, as prepare() does.
    Source: cognito-api.md §3 row 3 (Model ``UpdateUserPoolRequest.VerificationMessageTemplate``).
    """
    template = _child(document, "VerificationMessageTemplate")
    if template is None:
        return document
    option = _email_option(template)
    for member in _unused_pair(template):
        if _sets(ctx.patch, "VerificationMessageTemplate", member):
            wanted = "CONFIRM_WITH_CODE" if member in _CODE_PAIR else "CONFIRM_WITH_LINK"
            raise ConflictingSettings(
                f"VerificationMessageTemplate.{member} is not used when DefaultEmailOption is {option}; "
                "the service refuses both email pairs together.",
                path=_pointer("VerificationMessageTemplate", member),
                remedy=f"Set /VerificationMessageTemplate/DefaultEmailOption to {wanted} in the same patch, "
                "or set the member of the pair that matches the current option.",
            )
    return verification_email_pair(document, ctx.description)


_CODE_PLACEHOLDER = "{####}"
_LINK_PLACEHOLDER = re.compile(r"\{##.+?##\}", re.DOTALL)


def verification_placeholders(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Verification texts the patch sets carry their placeholder: by code ``{####}``, by link ``{##…##}``.

    Source: cognito-api.md §3 row 3 and §3.2 (Model ``VerificationMessageTemplateType.DefaultEmailOption``:
    *"For link, your template body must contain link text in the format {##Click here##} … For code …
    {####}"*; SMS verification and authentication texts need ``{####}``).
    """
    checks: tuple[tuple[tuple[str, ...], str], ...] = (
        (("VerificationMessageTemplate", "SmsMessage"), "code"),
        (("VerificationMessageTemplate", "EmailMessage"), "code"),
        (("VerificationMessageTemplate", "EmailMessageByLink"), "link"),
        (("SmsAuthenticationMessage",), "code"),
    )
    for keys, style in checks:
        if not _sets(ctx.patch, *keys):
            continue
        value = _get(document, *keys)
        if not isinstance(value, str):
            continue
        if style == "code" and _CODE_PLACEHOLDER not in value:
            raise InvalidValue(
                f"{'.'.join(keys)} must contain the code placeholder {{####}}.",
                path=_pointer(*keys),
                remedy="Include {####} where the code goes.",
            )
        if style == "link" and not _LINK_PLACEHOLDER.search(value):
            raise InvalidValue(
                f"{'.'.join(keys)} must contain the link placeholder {{##link text##}}.",
                path=_pointer(*keys),
                remedy="Include link text in the form {##Verify your email##}.",
            )
    return document


def _pre_token_both(lambdas: dict[str, Any], arn: Any, patched_config: Any) -> None:
    """The patch names both representations: they must agree; the config gets the ARN if it lacks one."""
    config = _child(lambdas, "PreTokenGenerationConfig")
    patched_arn = patched_config.get("LambdaArn") if isinstance(patched_config, Mapping) else None
    if (arn is None) != (patched_config is None) or patched_arn not in (None, arn):
        raise ConflictingSettings(
            "LambdaConfig.PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be identical.",
            path=_pointer("LambdaConfig", "PreTokenGenerationConfig", "LambdaArn"),
            remedy="Set only /LambdaConfig/PreTokenGenerationConfig (poolpatch keeps the other in step), "
            "or give both the same ARN.",
        )
    if config is not None:
        config["LambdaArn"] = arn
        config.setdefault("LambdaVersion", "V1_0")


def pre_token_generation(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Treat ``PreTokenGeneration`` and ``PreTokenGenerationConfig`` as one logical field.

    When the patch sets or removes one, the other follows; ``LambdaVersion`` comes from live state
    (through the merge), ``V1_0`` when there is none. The patch setting both with different ARNs, or
    setting one while removing the other, is ``ConflictingSettings``. Source: cognito-api.md §3 row 5
    (Model ``LambdaConfigType.PreTokenGenerationConfig``: the ARN *"must be identical"*) and §11
    (hashicorp/terraform-provider-aws#35007, aws/aws-cdk#31595).
    """
    lambda_patch = ctx.patch.get("LambdaConfig")
    lambdas = _child(document, "LambdaConfig")
    if not isinstance(lambda_patch, Mapping) or lambdas is None:
        return document
    names_arn = "PreTokenGeneration" in lambda_patch
    names_config = "PreTokenGenerationConfig" in lambda_patch
    if names_arn and names_config:
        _pre_token_both(lambdas, lambda_patch["PreTokenGeneration"], lambda_patch["PreTokenGenerationConfig"])
    elif names_arn:
        arn = lambdas.get("PreTokenGeneration")
        if arn is None:
            lambdas.pop("PreTokenGenerationConfig", None)
        else:
            version = _get(ctx.live, "LambdaConfig", "PreTokenGenerationConfig", "LambdaVersion") or "V1_0"
            lambdas["PreTokenGenerationConfig"] = {"LambdaArn": arn, "LambdaVersion": version}
    elif names_config:
        config = _child(lambdas, "PreTokenGenerationConfig")
        if config is None:
            lambdas.pop("PreTokenGeneration", None)
        else:
            config.setdefault("LambdaVersion", "V1_0")
            if config.get("LambdaArn") is not None:
                lambdas["PreTokenGeneration"] = config["LambdaArn"]
    return document


_SENDERS = ("CustomSMSSender", "CustomEmailSender")
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")


def custom_sender_kms_key(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Custom senders need ``LambdaConfig.KMSKeyID`` (a KMS key ARN) and sender ``LambdaVersion`` ``V1_0``.

    Checked only when the patch touches a sender or the key. A sender the patch sets without a
    ``LambdaVersion`` gets ``V1_0``, the only value the model allows. Source: cognito-api.md §3 row 6
    (Model ``LambdaConfigType.KMSKeyID``; awsdocs/amazon-cognito-developer-guide#44;
    aws-amplify/amplify-backend#2429) and §11 (hashicorp/terraform-provider-aws#29048).
    """
    lambdas = _child(document, "LambdaConfig")
    if lambdas is None:
        return document
    touched_key = _touched(ctx.patch, "LambdaConfig", "KMSKeyID")
    present = [s for s in _SENDERS if isinstance(lambdas.get(s), dict)]
    for sender in present:
        if not _touched(ctx.patch, "LambdaConfig", sender):
            continue
        config = lambdas[sender]
        config.setdefault("LambdaVersion", "V1_0")
        if config["LambdaVersion"] != "V1_0":
            raise InvalidValue(
                f"LambdaConfig.{sender}.LambdaVersion must be V1_0.",
                path=_pointer("LambdaConfig", sender, "LambdaVersion"),
                remedy="Set LambdaVersion to V1_0.",
            )
    touched_sender = any(_touched(ctx.patch, "LambdaConfig", s) for s in present)
    key = lambdas.get("KMSKeyID")
    if present and key is None and (touched_key or touched_sender):
        raise ConflictingSettings(
            f"{' and '.join(present)} need LambdaConfig.KMSKeyID: the key encrypts the codes sent to them.",
            path=_pointer("LambdaConfig", "KMSKeyID"),
            remedy="Set /LambdaConfig/KMSKeyID to a KMS key ARN, or remove the custom sender triggers in "
            "the same patch.",
        )
    if key is not None and touched_key and not (isinstance(key, str) and _KMS_KEY_ARN.match(key)):
        raise InvalidValue(
            "LambdaConfig.KMSKeyID must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID).",
            path=_pointer("LambdaConfig", "KMSKeyID"),
            remedy="Use the key's ARN, not its id or an alias.",
        )
    return document


def tier_never_side_effect(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """``UserPoolTier`` changes only when the patch names it; removing it is refused.

    An omitted ``UserPoolTier`` leaves the tier unchanged (a documented exception), so ``null`` cannot
    mean "reset": the patch must name a tier. Source: cognito-api.md §1 (API ``API_UpdateUserPool.html``)
    and §3 row 9.
    """
    if _removes(ctx.patch, "UserPoolTier"):
        raise InvalidValue(
            "UserPoolTier cannot be removed: the service keeps the current tier when it is omitted.",
            path=_pointer("UserPoolTier"),
            remedy="Name the tier explicitly: LITE, ESSENTIALS or PLUS.",
        )
    if not _touched(ctx.patch, "UserPoolTier"):
        if "UserPoolTier" in ctx.live:
            document["UserPoolTier"] = ctx.live["UserPoolTier"]
        else:
            document.pop("UserPoolTier", None)
    return document


def _threat_protection_on(add_ons: Any) -> bool:
    if not isinstance(add_ons, Mapping):
        return False
    return add_ons.get("AdvancedSecurityMode") in ("AUDIT", "ENFORCED") or bool(
        add_ons.get("AdvancedSecurityAdditionalFlows")
    )


def _effective_tier(document: Mapping[str, Any], ctx: RuleContext) -> str:
    return str(document.get("UserPoolTier") or ctx.description.get("UserPoolTier") or "ESSENTIALS")


def threat_protection_tier(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Threat protection (``AUDIT``/``ENFORCED`` or additional flows) needs the Plus tier.

    Raised only when the patch touches ``UserPoolAddOns`` or ``UserPoolTier``; add-ons and tier both
    unchanged pass (pre-feature-plan LITE pools are grandfathered). Source: cognito-api.md §3 row 8
    (Model ``UserPoolAddOnsType``: *"your user pool must be on the Plus tier"*;
    hashicorp/terraform-provider-aws#40734).
    """
    add_ons = document.get("UserPoolAddOns")
    tier = _effective_tier(document, ctx)
    if not _threat_protection_on(add_ons) or tier == "PLUS":
        return document
    add_ons_changed = add_ons != ctx.live.get("UserPoolAddOns")
    tier_changed = tier != _effective_tier(ctx.live, ctx)
    if not (add_ons_changed or tier_changed):
        return document
    path = _pointer("UserPoolAddOns") if add_ons_changed else _pointer("UserPoolTier")
    raise ConflictingSettings(
        f"Threat protection (UserPoolAddOns) needs the PLUS tier; the pool would be on {tier}.",
        path=path,
        remedy="Set /UserPoolTier to PLUS in the same patch, or set /UserPoolAddOns/AdvancedSecurityMode to "
        "OFF without AdvancedSecurityAdditionalFlows.",
    )


def mfa_via_set_user_pool_mfa_config(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Turning MFA on (``OFF`` → ``ON``/``OPTIONAL``) is impossible through ``UpdateUserPool``.

    Only what is certain is checked: the service answers *"Cannot turn MFA functionality ON, once the
    user pool has been created."* Other MFA transitions, and which factors are enabled, belong to
    ``GetUserPoolMfaConfig``/``SetUserPoolMfaConfig`` and are not guessed here. Source: cognito-api.md
    §3 row 7 and §6 (aws-cloudformation/cloudformation-coverage-roadmap#1176; aws/aws-cdk#21284).
    """
    if not _touched(ctx.patch, "MfaConfiguration"):
        return document
    before = ctx.live.get("MfaConfiguration") or ctx.description.get("MfaConfiguration") or "OFF"
    after = document.get("MfaConfiguration")
    if before == "OFF" and after in ("ON", "OPTIONAL"):
        raise ImmutableSetting(
            f"MfaConfiguration cannot go from OFF to {after} through UpdateUserPool.",
            path=_pointer("MfaConfiguration"),
            remedy=f"Use the `mfa` kind, which writes SetUserPoolMfaConfig and enables a factor with it: "
            f'send {{"MfaConfiguration": "{after}", "SoftwareTokenMfaConfiguration": {{"Enabled": true}}}} '
            "with target kind `mfa` (CLI: --kind mfa), and keep MfaConfiguration out of this pool patch.",
        )
    return document


def sms_for_phone_verification(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Auto-verifying ``phone_number`` needs an ``SmsConfiguration``.

    Checked only when the patch touches ``AutoVerifiedAttributes`` or ``SmsConfiguration``. Source:
    cognito-api.md §3 row 12 (*"SMS configuration is required when phone_number is selected for auto
    verification"*; aws-amplify/amplify-backend#1523).
    """
    if not (_touched(ctx.patch, "AutoVerifiedAttributes") or _touched(ctx.patch, "SmsConfiguration")):
        return document
    verified = document.get("AutoVerifiedAttributes") or []
    if "phone_number" in verified and not document.get("SmsConfiguration"):
        raise ConflictingSettings(
            "AutoVerifiedAttributes includes phone_number but there is no SmsConfiguration.",
            path=_pointer("SmsConfiguration"),
            remedy="Keep or set /SmsConfiguration (SnsCallerArn and ExternalId), or remove phone_number from "
            "/AutoVerifiedAttributes.",
        )
    return document


def device_configuration_pass_through(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """``DeviceConfiguration`` is sent exactly as live state holds it, absence included, unless patched.

    Any member activates device remembering and ``null`` deactivates it, so no rule may add, fill or
    drop it as a side effect. Source: cognito-api.md §3 row 15 (Model ``UserPoolType.DeviceConfiguration``;
    aws/aws-cdk#33282).
    """
    if _touched(ctx.patch, "DeviceConfiguration"):
        return document
    if "DeviceConfiguration" in ctx.live:
        document["DeviceConfiguration"] = copy.deepcopy(ctx.live["DeviceConfiguration"])
    else:
        document.pop("DeviceConfiguration", None)
    return document


def dcr_enable_status(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """A ``DcrConfiguration`` the patch sends carries an explicit ``EnableStatus``.

    An omitted ``EnableStatus`` turns dynamic client registration on, and an omitted block keeps the
    existing one, so ``null`` cannot mean "reset" either (both ``InvalidValue``). Empty
    ``AuthenticatedGrantTypes``/``OpenDcrGrantTypes`` are rejected by the service. Source:
    cognito-api.md §1 table and §5 (Model ``UpdateUserPoolRequest.DcrConfiguration``).
    """
    if not _touched(ctx.patch, "DcrConfiguration"):
        return document
    if _removes(ctx.patch, "DcrConfiguration"):
        raise InvalidValue(
            "DcrConfiguration cannot be removed: the service keeps the existing configuration when it is "
            "omitted.",
            path=_pointer("DcrConfiguration"),
            remedy='Send {"EnableStatus": "Disabled"} to turn dynamic client registration off.',
        )
    dcr = _child(document, "DcrConfiguration") or {}
    if dcr.get("EnableStatus") is None:
        raise InvalidValue(
            "DcrConfiguration needs an explicit EnableStatus: an omitted one turns dynamic client "
            "registration on.",
            path=_pointer("DcrConfiguration", "EnableStatus"),
            remedy="Set /DcrConfiguration/EnableStatus to Enabled or Disabled.",
        )
    for member in ("AuthenticatedGrantTypes", "OpenDcrGrantTypes"):
        if dcr.get(member) == [] and _touched(ctx.patch, "DcrConfiguration", member):
            raise InvalidValue(
                f"DcrConfiguration.{member} cannot be empty.",
                path=_pointer("DcrConfiguration", member),
                remedy="Name at least one grant type, or remove the member (null) to get the default.",
            )
    return document


# --------------------------------------------------------------------------------------------------
# Client, finalise
# --------------------------------------------------------------------------------------------------


def publish_secrets_explicit_only(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Send ``PublishSecretsInAWSSecretsManager`` only when the patch names it with a value.

    Source: cognito-api.md §1 table and §5 (Model
    ``UpdateUserPoolClientRequest.PublishSecretsInAWSSecretsManager``: omitted *"doesn't change how it
    manages the existing secret"*).
    """
    if _sets(ctx.patch, "PublishSecretsInAWSSecretsManager"):
        document["PublishSecretsInAWSSecretsManager"] = ctx.patch["PublishSecretsInAWSSecretsManager"]
    else:
        document.pop("PublishSecretsInAWSSecretsManager", None)
    return document


def _describe_seconds(seconds: int) -> str:
    for unit in ("days", "hours", "minutes"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} seconds"


def token_validity(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Numbers travel with their units; ranges are checked after converting.

    Units and numbers are filled as in prepare (:func:`token_validity_units`); then every number the
    patch touches (itself or its unit) must lie in its effective range: access/ID 5 minutes to 1 day,
    refresh 60 minutes to 3,650 days, else ``InvalidValue`` naming the member. Source: cognito-api.md §3
    row 21 and §4.2 (DG ``quotas.html``; hashicorp/terraform-provider-aws#30433).
    """
    token_validity_units(document, ctx.description)
    units = document["TokenValidityUnits"]
    for token in _TOKENS:
        if not (_touched(ctx.patch, token.number) or _touched(ctx.patch, "TokenValidityUnits", token.unit)):
            continue
        number, unit = document[token.number], units[token.unit]
        if unit not in _UNIT_SECONDS:
            raise InvalidValue(
                f"TokenValidityUnits.{token.unit} {unit!r} is not a time unit.",
                path=_pointer("TokenValidityUnits", token.unit),
                remedy="Use seconds, minutes, hours or days.",
            )
        if not isinstance(number, int) or isinstance(number, bool):
            continue
        seconds = number * _UNIT_SECONDS[unit]
        if not token.min_seconds <= seconds <= token.max_seconds:
            raise InvalidValue(
                f"{token.number} {number} {unit} ({_describe_seconds(seconds)}) is outside "
                f"{token.range_text}.",
                path=_pointer(token.number),
                remedy=f"Send {token.number} with /TokenValidityUnits/{token.unit} so that the duration lies "
                f"within {token.range_text} (a number without a unit means {token.default_unit}).",
            )
    return document


def auth_session_validity(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """``AuthSessionValidity`` the patch sets lies within 3 to 15 minutes.

    Source: cognito-api.md §4.2 (Model ``UpdateUserPoolClientRequest.AuthSessionValidity``; DG
    ``quotas.html``).
    """
    value = document.get("AuthSessionValidity")
    if (
        _sets(ctx.patch, "AuthSessionValidity")
        and isinstance(value, int)
        and not isinstance(value, bool)
        and not 3 <= value <= 15
    ):
        raise InvalidValue(
            f"AuthSessionValidity {value} minutes is outside 3 to 15 minutes.",
            path=_pointer("AuthSessionValidity"),
            remedy="Use a number of minutes from 3 to 15.",
        )
    return document


_OAUTH_FLOWS = frozenset({"code", "implicit", "client_credentials"})


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def oauth_flows(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """OAuth flows: known values; ``client_credentials`` alone, without ``openid``; code/implicit need URLs.

    Each check runs only when the patch touches one of the members it reads. Source: cognito-api.md §3.1
    (Model; aws/aws-sdk-js-v3#2650; hashicorp/terraform-provider-aws#4984; cisagov/crossfeed#440;
    awsdocs/aws-cloudformation-user-guide#563).
    """
    flows = _strings(document.get("AllowedOAuthFlows"))
    scopes = _strings(document.get("AllowedOAuthScopes"))
    touched_flows = _touched(ctx.patch, "AllowedOAuthFlows")
    if touched_flows:
        for index, flow in enumerate(flows):
            if flow not in _OAUTH_FLOWS:
                raise InvalidValue(
                    f"AllowedOAuthFlows value {flow!r} is not an OAuth flow.",
                    path=_pointer("AllowedOAuthFlows", index),
                    remedy="Use code, implicit or client_credentials ('token' is the implicit flow).",
                )
        if "client_credentials" in flows and len(set(flows)) > 1:
            raise ConflictingSettings(
                "client_credentials must be the only OAuth flow of an app client.",
                path=_pointer("AllowedOAuthFlows"),
                remedy="Use a separate app client for machine-to-machine access.",
            )
    if (
        "client_credentials" in flows
        and "openid" in scopes
        and (touched_flows or _touched(ctx.patch, "AllowedOAuthScopes"))
    ):
        raise ConflictingSettings(
            "The openid scope is not supported with the client_credentials flow.",
            path=_pointer("AllowedOAuthScopes"),
            remedy="Remove openid from /AllowedOAuthScopes, or use a code flow client.",
        )
    if (
        {"code", "implicit"} & set(flows)
        and not document.get("CallbackURLs")
        and (touched_flows or _touched(ctx.patch, "CallbackURLs"))
    ):
        raise ConflictingSettings(
            "The code and implicit flows need at least one callback URL.",
            path=_pointer("CallbackURLs"),
            remedy="Keep or add a URL in /CallbackURLs, or remove code/implicit from /AllowedOAuthFlows.",
        )
    return document


_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def redirect_uri_problem(url: str) -> str | None:
    """Why ``url`` is not an acceptable callback or redirect URI, or ``None`` when it is.

    Absolute, no fragment, HTTPS except ``http://localhost``, ``http://127.0.0.1`` and
    ``http://[::1]``; app schemes such as ``myapp://callback`` are allowed (cognito-api.md §3.1, Model
    ``UserPoolClientType.CallbackURLs``).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a valid URI"
    scheme = parts.scheme.lower()
    if not scheme:
        return "must be an absolute URI"
    if "#" in url:
        return "must not include a fragment"
    if scheme in ("http", "https") and not host:
        return "must name a host"
    if scheme == "http" and host not in _LOOPBACK_HOSTS:
        return "must use HTTPS (plain HTTP only for localhost, 127.0.0.1 or [::1])"
    return None


def callback_urls(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Callback URLs the patch introduces are valid redirect URIs.

    URLs already in the live client are not re-checked. Source: cognito-api.md §3.1 (Model
    ``UserPoolClientType.CallbackURLs``).
    """
    if not _touched(ctx.patch, "CallbackURLs"):
        return document
    existing = set(_strings(ctx.live.get("CallbackURLs")))
    for index, url in enumerate(_strings(document.get("CallbackURLs"))):
        problem = None if url in existing else redirect_uri_problem(url)
        if problem:
            raise InvalidValue(
                f"Callback URL {url!r} {problem}.",
                path=_pointer("CallbackURLs", index),
                remedy="Use an absolute https:// URL without a fragment, http://localhost for testing, or an "
                "app scheme such as myapp://callback.",
            )
    return document


def default_redirect_uri(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """``DefaultRedirectURI`` is a valid redirect URI and *"Must be in the CallbackURLs list."*

    Checked when the patch touches ``DefaultRedirectURI`` or ``CallbackURLs``. Source: cognito-api.md
    §3.1 (Model ``UpdateUserPoolClientRequest.DefaultRedirectURI``).
    """
    touched_default = _touched(ctx.patch, "DefaultRedirectURI")
    if not (touched_default or _touched(ctx.patch, "CallbackURLs")):
        return document
    default = document.get("DefaultRedirectURI")
    if default is None:
        return document
    problem = redirect_uri_problem(str(default)) if touched_default else None
    if problem:
        raise InvalidValue(
            f"DefaultRedirectURI {default!r} {problem}.",
            path=_pointer("DefaultRedirectURI"),
            remedy="Use one of the URLs in /CallbackURLs.",
        )
    if default not in _strings(document.get("CallbackURLs")):
        raise ConflictingSettings(
            f"DefaultRedirectURI {default!r} is not in CallbackURLs.",
            path=_pointer("DefaultRedirectURI"),
            remedy="Add it to /CallbackURLs, choose one of them, or remove /DefaultRedirectURI (null).",
        )
    return document


def context_data_needs_secret(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """``EnablePropagateAdditionalUserContextData=true`` only on an app client with a secret.

    Whether the client has a secret comes from the description (presence only; the secret is never
    copied). A secret can only be given at creation, so the remedy is a new app client. Source:
    cognito-api.md §3.1 and §2.2 (Model
    ``UpdateUserPoolClientRequest.EnablePropagateAdditionalUserContextData``).
    """
    if (
        _touched(ctx.patch, "EnablePropagateAdditionalUserContextData")
        and document.get("EnablePropagateAdditionalUserContextData") is True
        and not ctx.description.get("ClientSecret")
    ):
        raise ConflictingSettings(
            "EnablePropagateAdditionalUserContextData can only be true on an app client with a client "
            "secret.",
            path=_pointer("EnablePropagateAdditionalUserContextData"),
            remedy="Create a new app client with GenerateSecret (a secret cannot be added to an existing "
            "client), or leave the setting false.",
        )
    return document


_LEGACY_AUTH_FLOWS = frozenset({"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})


def explicit_auth_flows_legacy(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Legacy ``ExplicitAuthFlows`` values do not mix with ``ALLOW_*`` ones.

    Checked when the patch touches ``ExplicitAuthFlows``. Source: cognito-api.md §3.1 (Model
    ``UpdateUserPoolClientRequest.ExplicitAuthFlows``).
    """
    if not _touched(ctx.patch, "ExplicitAuthFlows"):
        return document
    flows = set(_strings(document.get("ExplicitAuthFlows")))
    legacy = sorted(flows & _LEGACY_AUTH_FLOWS)
    if legacy and any(f.startswith("ALLOW_") for f in flows):
        raise ConflictingSettings(
            f"ExplicitAuthFlows mixes legacy values ({', '.join(legacy)}) with ALLOW_* values.",
            path=_pointer("ExplicitAuthFlows"),
            remedy="Use only ALLOW_* values (ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_CUSTOM_AUTH, "
            "ALLOW_USER_PASSWORD_AUTH, ...).",
        )
    return document


# --------------------------------------------------------------------------------------------------
# Both, finalise
# --------------------------------------------------------------------------------------------------


def _patch_literal_empties(patch: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """Paths where the patch itself holds an empty string, list or object."""
    found: set[tuple[str, ...]] = set()

    def walk(value: Mapping[str, Any], path: tuple[str, ...]) -> None:
        for key, item in value.items():
            here = (*path, key)
            if item is not None and _is_empty(item):
                found.add(here)
            elif isinstance(item, Mapping):
                walk(item, here)

    walk(patch, ())
    return found


def empty_containers_final(document: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Strip the empties that removals left behind (``LambdaConfig: {}`` ...), as prepare() does.

    An empty value the patch itself sets is sent as written: for some members empty and omitted
    differ (``DcrConfiguration.AuthenticatedGrantTypes``, ``ReadAttributes``), and the model checks
    (``poolpatch.model``) and the service decide. Source: cognito-api.md §2.3.
    """
    literal = _patch_literal_empties(ctx.patch)
    return _strip_document(document, lambda path: _meaningful_empty(path) or path in literal)


# --------------------------------------------------------------------------------------------------
# Registry and entry points
# --------------------------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule("temporary-password-days", "prepare", temporary_password_days, _POOL, "cognito-api.md §3 row 1"),
    Rule(
        "legacy-verification-messages",
        "prepare",
        legacy_verification_messages,
        _POOL,
        "cognito-api.md §3 row 2",
    ),
    Rule("verification-email-pair", "prepare", verification_email_pair, _POOL, "cognito-api.md §3 row 3"),
    Rule("aws-tags", "prepare", aws_tags, _POOL, "cognito-api.md §3 row 14"),
    Rule(
        "publish-secrets-never-derived",
        "prepare",
        publish_secrets_never_derived,
        _CLIENT,
        "cognito-api.md §2.2, §5",
    ),
    Rule("token-validity-units", "prepare", token_validity_units, _CLIENT, "cognito-api.md §3 row 21, §4.2"),
    Rule("empty-containers", "prepare", empty_containers, _BOTH, "cognito-api.md §2.3"),
    Rule("legacy-fields-rejected", "finalise", legacy_fields_rejected, _POOL, "cognito-api.md §3 rows 1-2"),
    Rule("aws-tags-reserved", "finalise", aws_tags_reserved, _POOL, "cognito-api.md §3 row 14"),
    Rule("tag-limit", "finalise", tag_limit, _POOL, "cognito-api.md §3.2"),
    Rule(
        "verification-email-pair-final",
        "finalise",
        verification_email_pair_final,
        _POOL,
        "cognito-api.md §3 row 3",
    ),
    Rule(
        "verification-placeholders",
        "finalise",
        verification_placeholders,
        _POOL,
        "cognito-api.md §3 row 3, §3.2",
    ),
    Rule("pre-token-generation", "finalise", pre_token_generation, _POOL, "cognito-api.md §3 row 5"),
    Rule("custom-sender-kms-key", "finalise", custom_sender_kms_key, _POOL, "cognito-api.md §3 row 6"),
    Rule("tier-never-side-effect", "finalise", tier_never_side_effect, _POOL, "cognito-api.md §1, §3 row 9"),
    Rule("threat-protection-tier", "finalise", threat_protection_tier, _POOL, "cognito-api.md §3 row 8"),
    Rule(
        "mfa-via-set-user-pool-mfa-config",
        "finalise",
        mfa_via_set_user_pool_mfa_config,
        _POOL,
        "cognito-api.md §3 row 7, §6",
    ),
    Rule(
        "sms-for-phone-verification",
        "finalise",
        sms_for_phone_verification,
        _POOL,
        "cognito-api.md §3 row 12",
    ),
    Rule(
        "device-configuration-pass-through",
        "finalise",
        device_configuration_pass_through,
        _POOL,
        "cognito-api.md §3 row 15",
    ),
    Rule("dcr-enable-status", "finalise", dcr_enable_status, _POOL, "cognito-api.md §1, §5"),
    Rule(
        "publish-secrets-explicit-only",
        "finalise",
        publish_secrets_explicit_only,
        _CLIENT,
        "cognito-api.md §1, §5",
    ),
    Rule("token-validity", "finalise", token_validity, _CLIENT, "cognito-api.md §3 row 21, §4.2"),
    Rule("auth-session-validity", "finalise", auth_session_validity, _CLIENT, "cognito-api.md §4.2"),
    Rule("oauth-flows", "finalise", oauth_flows, _CLIENT, "cognito-api.md §3.1"),
    Rule("callback-urls", "finalise", callback_urls, _CLIENT, "cognito-api.md §3.1"),
    Rule("default-redirect-uri", "finalise", default_redirect_uri, _CLIENT, "cognito-api.md §3.1"),
    Rule(
        "context-data-needs-secret",
        "finalise",
        context_data_needs_secret,
        _CLIENT,
        "cognito-api.md §3.1",
    ),
    Rule(
        "explicit-auth-flows-legacy",
        "finalise",
        explicit_auth_flows_legacy,
        _CLIENT,
        "cognito-api.md §3.1",
    ),
    Rule("empty-containers-final", "finalise", empty_containers_final, _BOTH, "cognito-api.md §2.3"),
)


def all_rules() -> tuple[Rule, ...]:
    """Every rule in execution order: the pool and client rules, then those of the other kinds."""
    # poolpatch.kind_rules builds on this module's helpers, so it is imported on first use.
    from poolpatch.kind_rules import KIND_RULES

    return (*RULES, *KIND_RULES)


def _rules(kind: Kind, phase: str) -> Iterable[Rule]:
    return (rule for rule in all_rules() if rule.phase == phase and kind in rule.kinds)


def prepare(kind: Kind, document: Mapping[str, Any], description: Mapping[str, Any]) -> dict[str, Any]:
    """Make a projected live update document write-ready (phase ``prepare``).

    Deterministic and idempotent (``prepare(prepare(x)) == prepare(x)``); the input is not modified.
    """
    result: dict[str, Any] = tree_copy(dict(document))
    for rule in _rules(kind, "prepare"):
        result = rule.func(result, description)
    return result


def finalise(kind: Kind, document: Mapping[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Apply the cross-field rules to the merged document and return the document to send.

    Raises :class:`~poolpatch.errors.ConflictingSettings`, :class:`~poolpatch.errors.InvalidValue` or
    :class:`~poolpatch.errors.ImmutableSetting`, each with a JSON Pointer ``path`` and a ``remedy``.
    The input is not modified.
    """
    result: dict[str, Any] = tree_copy(dict(document))
    for rule in _rules(kind, "finalise"):
        result = rule.func(result, ctx)
    return result


DEFAULT_PASSWORD_POLICY: Mapping[str, Any] = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}
"""The service's default password policy (Model ``PasswordPolicyType``; cognito-api.md §3.2, §4.1).

``PasswordHistorySize`` is left out: password history is an Essentials+ feature (DG, not the model), so an
explicit ``0`` could be refused on a Lite pool. :func:`explicit_defaults` removes it instead (a nested
``null``), so the merge does not keep the live history size; if the service keeps it anyway, verification
reports the difference.
"""

_RESET_PASSWORD_POLICY: Mapping[str, Any] = {**DEFAULT_PASSWORD_POLICY, "PasswordHistorySize": None}

_POOL_DEFAULTS: Mapping[str, Any] = {
    # Documented rule "omitted = OFF"; measured: an omitted MfaConfiguration stayed ON (go-to-k/cdkd#1968).
    "MfaConfiguration": "OFF",
    # Default INACTIVE per go-to-k/cdkd#155; the behaviour on omission is unmeasured (go-to-k/cdkd#2675).
    "DeletionProtection": "INACTIVE",
    # Documented rule "default policy"; measured: an omitted Policies was preserved (go-to-k/cdkd#1968).
    # SignInPolicy is not reset: no UpdateUserPool input can express removing it (go-to-k/cdkd#1979).
    "Policies": {"PasswordPolicy": _RESET_PASSWORD_POLICY},
    # nil = no change; the empty list disables it (Terraform provider comment, not AWS;
    # hashicorp/terraform-provider-aws#34904).
    "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
}

_CLIENT_DEFAULTS: Mapping[str, Any] = {
    # Documented at creation ("On at create"); behaviour of an omitted value on update is undocumented.
    "EnableTokenRevocation": True,
}

_IDP_DEFAULTS: Mapping[str, Any] = {
    # Omitted = kept, explicitly empty = cleared (floci-io/floci#2858, "verified against the live Cognito
    # API"; Terraform sends them only when changed): a removal is sent as the empty value.
    "AttributeMapping": {},
    "IdpIdentifiers": [],
    "AcrMapping": {},
}

_GROUP_DEFAULTS: Mapping[str, Any] = {
    # UpdateGroup keeps an omitted member (cognito-surface.md §5, unconfirmed); the description has no
    # minimum length (Model DescriptionType), so an empty one clears it. RoleArn and Precedence cannot be
    # cleared at all (kind_rules.group_members_cannot_be_cleared).
    "Description": "",
}

_LOG_DELIVERY_DEFAULTS: Mapping[str, Any] = {
    # The list is the whole configuration and required; [] removes every delivery (Terraform's delete,
    # cognito-surface.md §9).
    "LogConfigurations": [],
}

_DEFAULTS: Mapping[Kind, Mapping[str, Any]] = {
    "pool": _POOL_DEFAULTS,
    "client": _CLIENT_DEFAULTS,
    "identityProvider": _IDP_DEFAULTS,
    "group": _GROUP_DEFAULTS,
    "logDelivery": _LOG_DELIVERY_DEFAULTS,
}


def explicit_defaults(kind: Kind, patch: Mapping[str, Any]) -> dict[str, Any]:
    """The explicit defaults to send for members the patch removes where omission is not a reset.

    For each top-level member the patch sets to ``null`` where the service is known or measured to
    keep an omitted member (cognito-api.md §1 measured deviations, §4.1), the documented default
    replaces the ``null``:

    - pool ``MfaConfiguration`` → ``OFF``: documented default; measured: omission kept ``ON``.
    - pool ``DeletionProtection`` → ``INACTIVE``: default per go-to-k/cdkd#155 (third party);
      omission unmeasured.
    - pool ``Policies`` (and ``Policies.PasswordPolicy: null``) → the default password policy:
      documented default; measured: omission kept the policy. ``PasswordHistorySize`` appears as a
      nested ``null`` so the merge drops the live value (see :data:`DEFAULT_PASSWORD_POLICY`);
      ``SignInPolicy`` cannot be removed by any UpdateUserPool input and is left alone.
    - pool ``UserAttributeUpdateSettings`` (and its list set to ``null``) → an empty
      ``AttributesRequireVerificationBeforeUpdate``: Terraform observation, not AWS.
    - client ``EnableTokenRevocation`` → ``true``: documented at creation; update unconfirmed. Token
      numbers are reset by the ``token-validity`` rule.
    - identity provider ``AttributeMapping``, ``IdpIdentifiers``, ``AcrMapping`` → empty: omitted is kept,
      empty is cleared (floci-io/floci#2858, third party).
    - group ``Description`` → ``""``: UpdateGroup keeps an omitted member (unconfirmed).
    - log delivery ``LogConfigurations`` → ``[]``: required; the empty list removes every delivery.

    Each returned member replaces the patch's member of the same name (a nested removal comes back as
    the whole patched member); the engine merges the result into the patch before merging, so the
    plan shows the default as the new value.
    """
    table = _DEFAULTS.get(kind, {})
    out = {key: copy.deepcopy(table[key]) for key, value in patch.items() if value is None and key in table}
    if kind == "pool":
        # Nested removals: the whole patched member is returned with the default in place of the null.
        if _removes(patch, "Policies", "PasswordPolicy"):
            out["Policies"] = {**patch["Policies"], "PasswordPolicy": dict(_RESET_PASSWORD_POLICY)}
        if _removes(patch, "UserAttributeUpdateSettings", "AttributesRequireVerificationBeforeUpdate"):
            out["UserAttributeUpdateSettings"] = {
                **patch["UserAttributeUpdateSettings"],
                "AttributesRequireVerificationBeforeUpdate": [],
            }
    return out
