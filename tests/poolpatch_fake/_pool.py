"""User-pool behaviours of the real service that moto 5.2.5 lacks (cognito-api.md §1, §3, §4.1, §6, §10).

Every function here is pure over moto's ``CognitoIdpUserPool`` objects and request dictionaries; the hooks
in ``poolpatch_fake._patch`` call them from moto's response handlers. Validation always runs before any
state is touched, like the service.

Storage: ``pool.extended_config`` holds exactly the configuration members the service would store (model
names of ``UserPoolType``), ``pool.mfa_config`` the MFA mode, ``pool.name`` the name. Legacy members
(``UnusedAccountValidityDays`` default, ``*VerificationMessage``/``EmailVerificationSubject``) are derived
when describing.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

import botocore.session
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolAttribute

from poolpatch_fake._errors import (
    FeatureUnavailableInTierException,
    InvalidParameterException,
    UserPoolTaggingException,
)

# Create-only members: no UpdateUserPool input exists for them (cognito-api.md §6); moto's update drops
# UsernameAttributes and AliasAttributes (§10), the fake keeps all three.
IMMUTABLE_MEMBERS = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration")

# Omitted from UpdateUserPool yet unchanged: UserPoolTier ("With the exception of UserPoolTier", API
# API_UpdateUserPool.html), DcrConfiguration (Model UpdateUserPoolRequest.DcrConfiguration),
# UserAttributeUpdateSettings (nil = no change: Terraform user_pool.go,
# hashicorp/terraform-provider-aws#34904).
# All three are the §1 "documented exceptions" table of cognito-api.md.
KEPT_WHEN_OMITTED = ("UserPoolTier", "DcrConfiguration", "UserAttributeUpdateSettings")

LEGACY_VERIFICATION_MEMBERS = (
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
)

DEFAULT_SMS_MESSAGE = "Your verification code is {####}. "
DEFAULT_EMAIL_MESSAGE = "Your verification code is {####}. "
DEFAULT_EMAIL_SUBJECT = "Your verification code"
DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS = 7
DEFAULT_TIER = "ESSENTIALS"  # Model UserPoolTier: "Defaults to ESSENTIALS."

CODE_PLACEHOLDER = "{####}"
LINK_PLACEHOLDER = re.compile(r"\{##.+##\}", re.DOTALL)
MAX_CUSTOM_ATTRIBUTES = 50  # cognito-api.md §6: "50 per pool (not adjustable)"
MAX_CUSTOM_ATTRIBUTES_PER_REQUEST = 25  # §6: "1-25 per request"
MAX_CUSTOM_ATTRIBUTE_NAME = 20  # §6: "name <= 20 characters"


def _defaults() -> dict[str, Any]:
    """What an omitted member turns into (cognito-api.md §4.1; unconfirmed rows follow the Model rule)."""
    return {
        # Rule "default policy, TemporaryPasswordValidityDays 7" (§4.1 Policies); the measured
        # preservation (go-to-k/cdkd#1968) is deliberately not emulated: omission must never be relied on.
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 7,
            },
            "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
        },
        "LambdaConfig": {},  # §4.1: omission unassigns every trigger
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},  # §4.1 (unconfirmed)
        "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},  # §4.1 (unconfirmed)
        "VerificationMessageTemplate": {
            "SmsMessage": DEFAULT_SMS_MESSAGE,
            "EmailMessage": DEFAULT_EMAIL_MESSAGE,
            "EmailSubject": DEFAULT_EMAIL_SUBJECT,
            "DefaultEmailOption": "CONFIRM_WITH_CODE",
        },
        "DeletionProtection": "INACTIVE",  # §3 row 10, go-to-k/cdkd#155
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": []},
    }


@functools.cache
def _input_members(operation: str) -> frozenset[str]:
    """Members of the request shape of ``operation`` in the installed botocore model."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    shape = model.operation_model(operation).input_shape
    assert shape is not None
    return frozenset(shape.members)


def stored_members(*, creating: bool) -> frozenset[str]:
    """Configuration members a CreateUserPool / UpdateUserPool request may set (stored in extended_config)."""
    members = _input_members("CreateUserPool" if creating else "UpdateUserPool")
    excluded = {"UserPoolId", "PoolName", "Schema", "MfaConfiguration", *LEGACY_VERIFICATION_MEMBERS}
    return members - excluded


# --------------------------------------------------------------------------------------------- validation


def _check_placeholders(request: dict[str, Any], option: str) -> None:
    """Placeholder rules (cognito-api.md §3 rows 2-3, §3.2): ``{####}`` in SMS/code texts, ``{##...##}`` in
    by-link texts; a code-style legacy ``EmailVerificationMessage`` with CONFIRM_WITH_LINK is "The message is
    invalid." (aws/aws-cdk#6811, aws/aws-cli#8280)."""
    template = request.get("VerificationMessageTemplate") or {}
    code_texts = {
        "VerificationMessageTemplate.SmsMessage": template.get("SmsMessage"),
        "VerificationMessageTemplate.EmailMessage": template.get("EmailMessage"),
        "SmsVerificationMessage": request.get("SmsVerificationMessage"),
        "SmsAuthenticationMessage": request.get("SmsAuthenticationMessage"),
    }
    for name, text in code_texts.items():
        if text is not None and CODE_PLACEHOLDER not in text:
            raise InvalidParameterException(f"{name} must contain the {CODE_PLACEHOLDER} placeholder.")
    by_link = template.get("EmailMessageByLink")
    if by_link is not None and not LINK_PLACEHOLDER.search(by_link):
        raise InvalidParameterException(
            "VerificationMessageTemplate.EmailMessageByLink must contain the {##...##} placeholder."
        )
    legacy_email = request.get("EmailVerificationMessage")
    if legacy_email is not None:
        valid = (
            LINK_PLACEHOLDER.search(legacy_email)
            if option == "CONFIRM_WITH_LINK"
            else CODE_PLACEHOLDER in legacy_email
        )
        if not valid:
            raise InvalidParameterException("The message is invalid.")


def validate_verification_messages(request: dict[str, Any]) -> None:
    """Verification-message rules of cognito-api.md §3 rows 2-3 (Model
    ``UpdateUserPoolRequest.VerificationMessageTemplate``: "When you supply both parameters with either
    choice, Amazon Cognito returns an error")."""
    template = request.get("VerificationMessageTemplate") or {}
    if "EmailMessage" in template and "EmailMessageByLink" in template:
        raise InvalidParameterException(
            "You can provide only one of EmailMessage or EmailMessageByLink in VerificationMessageTemplate."
        )
    option = template.get("DefaultEmailOption", "CONFIRM_WITH_CODE")
    _check_placeholders(request, option)


def validate_tier(request: dict[str, Any], current_tier: str) -> None:
    """Threat protection needs the Plus tier (cognito-api.md §3 row 8; Model ``UserPoolAddOnsType``;
    hashicorp/terraform-provider-aws#40734)."""
    tier = request.get("UserPoolTier") or current_tier
    mode = (request.get("UserPoolAddOns") or {}).get("AdvancedSecurityMode", "OFF")
    if mode in ("AUDIT", "ENFORCED") and tier != "PLUS":
        raise FeatureUnavailableInTierException(
            f"The following features need to be disabled for the {tier} pricing tier configured: "
            "Threat Protection"
        )


def validate_update(pool: CognitoIdpUserPool, request: dict[str, Any]) -> None:
    """Reject an UpdateUserPool request the service rejects, before any state changes."""
    # §3 row 1: legacy + new temporary-password validity together (aws/aws-sdk-js#3817,
    # pulumi/pulumi-aws-native#1256, hashicorp/terraform-provider-aws#8827).
    legacy_days = (request.get("AdminCreateUserConfig") or {}).get("UnusedAccountValidityDays")
    new_days = ((request.get("Policies") or {}).get("PasswordPolicy") or {}).get(
        "TemporaryPasswordValidityDays"
    )
    if legacy_days is not None and new_days is not None:
        raise InvalidParameterException(
            "Please use TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays"
        )
    validate_verification_messages(request)
    # §3 row 7: MFA cannot go OFF -> ON/OPTIONAL through UpdateUserPool
    # (aws-cloudformation/cloudformation-coverage-roadmap#1176).
    if pool.mfa_config == "OFF" and request.get("MfaConfiguration") in ("ON", "OPTIONAL"):
        raise InvalidParameterException(
            "Cannot turn MFA functionality ON, once the user pool has been created."
        )
    validate_tier(request, pool.extended_config.get("UserPoolTier", DEFAULT_TIER))
    # §3 row 14: aws: tag keys are reserved (hashicorp/terraform-provider-aws#11265).
    reserved = sorted(key for key in (request.get("UserPoolTags") or {}) if key.lower().startswith("aws:"))
    if reserved:
        raise UserPoolTaggingException(f"Tag keys starting with 'aws:' are reserved for AWS use: {reserved}")


def validate_create(request: dict[str, Any]) -> None:
    """Reject a CreateUserPool request the service rejects (the same message and tier rules)."""
    validate_verification_messages(request)
    validate_tier(request, DEFAULT_TIER)


# ----------------------------------------------------------------------------------------------- storage


def _fold_legacy_verification(config: dict[str, Any], request: dict[str, Any]) -> None:
    """Legacy verification members fill template members that are missing; the template wins when both
    are sent (cognito-api.md §3 row 2, AWS support quoted in aws/aws-cdk#6811)."""
    template: dict[str, Any] = config["VerificationMessageTemplate"]
    template.setdefault("DefaultEmailOption", "CONFIRM_WITH_CODE")
    pairs = [("SmsVerificationMessage", "SmsMessage")]
    if template["DefaultEmailOption"] == "CONFIRM_WITH_CODE":
        pairs += [("EmailVerificationMessage", "EmailMessage"), ("EmailVerificationSubject", "EmailSubject")]
    sent_template = request.get("VerificationMessageTemplate") or {}
    for legacy, member in pairs:
        if request.get(legacy) is not None and member not in sent_template:
            template[member] = request[legacy]


def build_config(request: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Return the stored configuration after CreateUserPool (``previous`` None) or UpdateUserPool.

    Update replaces (cognito-api.md §1, Model ``UpdateUserPool``: "If you don't provide a value for an
    attribute, Amazon Cognito sets it to its default value"), except ``KEPT_WHEN_OMITTED`` and the
    create-only ``IMMUTABLE_MEMBERS``. Newer members (``UserPoolTier``, ``KeyConfiguration``,
    ``IssuerConfiguration``, ``AcrConfiguration``, ``DcrConfiguration``, ``Policies.SignInPolicy``) are
    stored and returned as sent.
    """
    members = stored_members(creating=previous is None)
    config = {k: copy.deepcopy(v) for k, v in request.items() if k in members and v is not None}
    if previous is None:
        config.setdefault("UserPoolTier", DEFAULT_TIER)
    else:
        for member in (*IMMUTABLE_MEMBERS, *KEPT_WHEN_OMITTED):
            if member in previous and (member in IMMUTABLE_MEMBERS or member not in request):
                config[member] = copy.deepcopy(previous[member])
        # aws: tags are the service's own (e.g. CloudFormation's) and survive a tag-replacing update.
        system_tags = {k: v for k, v in (previous.get("UserPoolTags") or {}).items() if k.startswith("aws:")}
        config["UserPoolTags"] = {**system_tags, **(config.get("UserPoolTags") or {})}
    if not config.get("UserPoolTags"):
        config.pop("UserPoolTags", None)
    for member, default in _defaults().items():
        config.setdefault(member, default)
    policies: dict[str, Any] = config["Policies"]
    for member, default in _defaults()["Policies"].items():
        policies.setdefault(member, default)
    _fold_legacy_verification(config, request)
    return config


def complete_schema(pool: CognitoIdpUserPool) -> None:
    """Put every standard attribute in the schema, first, as the service does; moto keeps only the
    attributes sent in ``Schema`` when any are sent (the service returns the full standard schema:
    hashicorp/terraform-provider-aws#38096, cognito-api.md §11)."""
    attributes: dict[str, CognitoIdpUserPoolAttribute] = {}
    for name, schema in CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.items():
        attributes[name] = pool.schema_attributes.get(name) or CognitoIdpUserPoolAttribute(
            name, False, schema
        )
    for name, attribute in pool.schema_attributes.items():
        attributes.setdefault(name, attribute)
    pool.schema_attributes = attributes


def validate_custom_attributes(pool: CognitoIdpUserPool, attributes: list[dict[str, Any]]) -> None:
    """AddCustomAttributes limits (cognito-api.md §6; DG quotas.html): 1-25 per request, names of at most 20
    characters, at most 50 custom attributes per pool; re-adding a name is rejected (moto does that too)."""
    if not 1 <= len(attributes) <= MAX_CUSTOM_ATTRIBUTES_PER_REQUEST:
        raise InvalidParameterException(
            f"CustomAttributes must contain between 1 and {MAX_CUSTOM_ATTRIBUTES_PER_REQUEST} attributes."
        )
    for attribute in attributes:
        if len(attribute.get("Name", "")) > MAX_CUSTOM_ATTRIBUTE_NAME:
            raise InvalidParameterException(
                f"Custom attribute name {attribute.get('Name')!r} is longer than "
                f"{MAX_CUSTOM_ATTRIBUTE_NAME} characters."
            )
    existing = sum(1 for name in pool.schema_attributes if name.startswith(("custom:", "dev:")))
    if existing + len(attributes) > MAX_CUSTOM_ATTRIBUTES:
        raise InvalidParameterException(
            f"A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes; it has {existing}."
        )


# ---------------------------------------------------------------------------------------------- describe


def describe(pool: CognitoIdpUserPool) -> dict[str, Any]:
    """Return the ``UserPool`` member of DescribeUserPool / CreateUserPool as the service builds it.

    Adds the legacy members the service still returns (cognito-api.md §3 rows 1-2, §2.1):
    ``AdminCreateUserConfig.UnusedAccountValidityDays`` (7 when never set) and ``SmsVerificationMessage``,
    ``EmailVerificationMessage``, ``EmailVerificationSubject`` mirroring ``VerificationMessageTemplate``
    (code-style defaults when the template has no such member, which reproduces the CONFIRM_WITH_LINK trap
    of row 2). ``MfaConfiguration`` comes from the pool's MFA state, which SetUserPoolMfaConfig also changes.
    """
    document: dict[str, Any] = {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool.arn,
        "CreationDate": pool.creation_date,
        "LastModifiedDate": pool.last_modified_date,
        "EstimatedNumberOfUsers": len(pool.users),
        "SchemaAttributes": [attribute.to_json() for attribute in pool.schema_attributes.values()],
    }
    document.update(copy.deepcopy(pool.extended_config))
    document["MfaConfiguration"] = pool.mfa_config
    admin = document.setdefault("AdminCreateUserConfig", {"AllowAdminCreateUserOnly": False})
    admin.setdefault("UnusedAccountValidityDays", DEFAULT_UNUSED_ACCOUNT_VALIDITY_DAYS)
    template = document.get("VerificationMessageTemplate") or {}
    document["SmsVerificationMessage"] = template.get("SmsMessage", DEFAULT_SMS_MESSAGE)
    document["EmailVerificationMessage"] = template.get("EmailMessage", DEFAULT_EMAIL_MESSAGE)
    document["EmailVerificationSubject"] = template.get("EmailSubject", DEFAULT_EMAIL_SUBJECT)
    # Domain (prefix) and CustomDomain: a pool holds one of each (cognito-api.md §2.1, cognito-surface.md §1).
    for domain in pool.backend.user_pool_domains.values():
        if domain.user_pool_id == pool.id:
            custom = bool(getattr(domain, "custom", domain.custom_domain_config))
            document["CustomDomain" if custom else "Domain"] = domain.domain
    return document
