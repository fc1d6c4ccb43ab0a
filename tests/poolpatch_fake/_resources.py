"""Named resources of a user pool with the service's semantics where moto 5.2.5 differs (cognito-surface.md
§1, §3-§5, §14): domains, identity providers, resource servers and groups.

The handlers are registered in ``poolpatch_fake._patch._PATCHES``. State stays in moto's own objects:
domains in ``backend.user_pool_domains`` (as ``FakeDomain``, a subclass that adds the members moto lacks),
identity providers, resource servers and groups in the pool's dictionaries. Lists page with an opaque
``NextToken`` (the offset) and the service's page sizes (§13).
"""

from __future__ import annotations

import copy
import datetime
from typing import Any
from urllib.parse import urlparse

from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpGroup,
    CognitoIdpIdentityProvider,
    CognitoIdpUserPool,
    CognitoIdpUserPoolDomain,
    CognitoResourceServer,
    cognitoidp_backends,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult

from poolpatch_fake._clock import next_timestamp
from poolpatch_fake._errors import (
    DuplicateProviderException,
    FeatureUnavailableInTierException,
    InvalidParameterException,
    ResourceNotFoundException,
)
from poolpatch_fake._settings import pool_of, request_of, set_relying_party, tier

S3_BUCKET = "aws-cognito-prod-assets"  # plausible fixed value of the read-only DomainDescription.S3Bucket

# --------------------------------------------------------------------------------------------- paging


def page(items: list[Any], request: dict[str, Any], limit_member: str, maximum: int) -> tuple[list[Any], str]:
    """One page of ``items`` and the NextToken ("" on the last page). ``limit_member`` above ``maximum``
    is a validation error (Model ``ListProvidersLimitType`` 60, ``ListResourceServersLimitType`` 50,
    ``QueryLimitType`` 60; cognito-surface.md §13)."""
    limit = request.get(limit_member)
    size = maximum if limit is None else int(limit)
    if not 1 <= size <= maximum:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{limit}' at '{limit_member[0].lower()}{limit_member[1:]}' "
            f"failed to satisfy constraint: Member must have value less than or equal to {maximum}"
        )
    token = request.get("NextToken")
    start = 0
    if token is not None:
        if not str(token).startswith("page-") or not str(token)[5:].isdigit():
            raise InvalidParameterException("Invalid NextToken.")
        start = int(str(token)[5:])
    end = start + size
    return items[start:end], (f"page-{end}" if end < len(items) else "")


def _paged(result: dict[str, Any], token: str) -> ActionResult:
    if token:
        result["NextToken"] = token
    return ActionResult(result)


# -------------------------------------------------------------------------------------------- 2. domain


class FakeDomain(CognitoIdpUserPoolDomain):
    """A domain with the members moto drops (cognito-surface.md §1, §14)."""

    def __init__(self, user_pool_id: str, account_id: str, domain: str, request: dict[str, Any]) -> None:
        super().__init__(user_pool_id, domain, copy.deepcopy(request.get("CustomDomainConfig")))
        self.account_id = account_id
        self.custom = bool(request.get("CustomDomainConfig"))
        self.managed_login_version = 1
        self.routing: dict[str, Any] | None = None
        self.version = ""
        self.apply(request)

    def apply(self, request: dict[str, Any]) -> None:
        """Store a Create/Update request. An omitted ManagedLoginVersion / Routing / SecurityPolicy is reset
        to the default (kept or reset is unconfirmed, §1; the fake never lets omission preserve)."""
        self.custom_domain_config = copy.deepcopy(request.get("CustomDomainConfig") or {})
        self.managed_login_version = int(request.get("ManagedLoginVersion") or 1)
        self.routing = copy.deepcopy(request.get("Routing"))
        self.version = next_timestamp(None).strftime("%Y%m%d%H%M%S")

    def describe(self) -> dict[str, Any]:
        """``DomainDescription`` (Model ``DomainDescriptionType``): a stable ``AWSAccountId`` (the pool's
        account; moto returns a random UUID per call, §1)."""
        document: dict[str, Any] = {
            "UserPoolId": self.user_pool_id,
            "AWSAccountId": self.account_id,
            "Domain": self.domain,
            "S3Bucket": S3_BUCKET,
            "CloudFrontDistribution": self._distribution_name(),
            "Version": self.version,
            "Status": "ACTIVE",
            "ManagedLoginVersion": self.managed_login_version,
        }
        if self.custom:
            document["CustomDomainConfig"] = copy.deepcopy(self.custom_domain_config)
        if self.routing is not None:
            document["Routing"] = copy.deepcopy(self.routing)
        return document

    def write_result(self) -> dict[str, Any]:
        result: dict[str, Any] = {"CloudFrontDomain": self._distribution_name()}
        result["ManagedLoginVersion"] = self.managed_login_version
        return result


def _domain_taken(region: str, name: str) -> bool:
    """Domain names are one namespace per Region across all accounts (cognito-surface.md §1:
    aws-samples/aws-cdk-examples#402, aws-samples/websocket-chat-application#56)."""
    for _account, backend_region, backend in cognitoidp_backends.iter_backends():
        if (
            backend_region == region
            and isinstance(backend, CognitoIdpBackend)
            and name in backend.user_pool_domains
        ):
            return True
    return False


def pool_domains(pool: CognitoIdpUserPool) -> list[FakeDomain]:
    """The pool's domains (at most one prefix and one custom domain)."""
    return [
        domain
        for domain in pool.backend.user_pool_domains.values()
        if isinstance(domain, FakeDomain) and domain.user_pool_id == pool.id
    ]


def _check_managed_login_version(pool: CognitoIdpUserPool, request: dict[str, Any]) -> None:
    """Version 2 needs a plan other than Lite (Model ``CreateUserPoolDomainRequest.ManagedLoginVersion``)."""
    if request.get("ManagedLoginVersion") == 2 and tier(pool) == "LITE":
        raise FeatureUnavailableInTierException(
            "The following features need to be disabled for the LITE pricing tier configured: Managed login"
        )


def create_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    """Unique names; one prefix and one custom domain per pool (cognito-surface.md §1); a custom domain
    moves the passkey relying party to itself (Model ``CreateUserPoolDomainRequest.CustomDomainConfig``)."""
    request = request_of(self)
    pool = pool_of(self, request)
    name = str(request.get("Domain") or "")
    if _domain_taken(self.region, name):
        raise InvalidParameterException("Domain already associated with another user pool.")
    custom = bool(request.get("CustomDomainConfig"))
    if any(domain.custom == custom for domain in pool_domains(pool)):
        kind = "custom" if custom else "prefix"
        raise InvalidParameterException(f"User pool already has a {kind} domain configured.")
    _check_managed_login_version(pool, request)
    domain = FakeDomain(pool.id, pool.account_id, name, request)
    self.backend.user_pool_domains[name] = domain
    if custom:
        set_relying_party(pool, name)
    return ActionResult(domain.write_result())


def describe_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    """An unknown name is an empty DomainDescription, not an error (cognito-surface.md §1; TF
    user_pool_domain.go)."""
    domain = self.backend.user_pool_domains.get(str(request_of(self).get("Domain") or ""))
    return ActionResult({"DomainDescription": domain.describe() if isinstance(domain, FakeDomain) else {}})


def _owned_domain(self: CognitoIdpResponse, request: dict[str, Any]) -> FakeDomain:
    pool = pool_of(self, request)
    name = str(request.get("Domain") or "")
    domain = self.backend.user_pool_domains.get(name)
    if not isinstance(domain, FakeDomain):
        raise ResourceNotFoundException(f"Domain {name} does not exist.")
    if domain.user_pool_id != pool.id:
        raise InvalidParameterException(f"Domain {name} is not associated with user pool {pool.id}.")
    return domain


def update_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    """The name and the prefix/custom kind never change: a custom domain updated without
    CustomDomainConfig is rejected (hashicorp/terraform-provider-aws#43248, #43252); the UserPoolId must be
    the domain's (moto checks neither, §14)."""
    request = request_of(self)
    domain = _owned_domain(self, request)
    if domain.custom and not request.get("CustomDomainConfig"):
        raise InvalidParameterException("Cannot convert custom domain to prefix domain.")
    if not domain.custom and request.get("CustomDomainConfig"):
        raise InvalidParameterException("Cannot convert prefix domain to custom domain.")  # (unconfirmed)
    _check_managed_login_version(pool_of(self, request), request)
    domain.apply(request)
    return ActionResult(domain.write_result())


def delete_user_pool_domain(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    domain = _owned_domain(self, request)
    del self.backend.user_pool_domains[domain.domain]
    return EmptyResult()


# -------------------------------------------------------------------------------- 3. identity providers

# Keys the service adds to ProviderDetails in Describe (API_UpdateIdentityProvider.html examples;
# cognito-surface.md §3 table); sent values win.
_DERIVED_DETAILS: dict[str, dict[str, str]] = {
    "OIDC": {"attributes_url_add_attributes": "false"},
    "Google": {
        "attributes_url": "https://people.googleapis.com/v1/people/me?personFields=",
        "attributes_url_add_attributes": "true",
        "authorize_url": "https://accounts.google.com/o/oauth2/v2/auth",
        "token_url": "https://www.googleapis.com/oauth2/v4/token",
        "token_request_method": "POST",
        "oidc_issuer": "https://accounts.google.com",
    },
    "Facebook": {
        "attributes_url": "https://graph.facebook.com/v17.0/me?fields=",
        "attributes_url_add_attributes": "true",
        "authorize_url": "https://www.facebook.com/v17.0/dialog/oauth",
        "token_url": "https://graph.facebook.com/v17.0/oauth/access_token",
        "token_request_method": "GET",
    },
    "LoginWithAmazon": {
        "attributes_url": "https://api.amazon.com/user/profile",
        "attributes_url_add_attributes": "false",
        "authorize_url": "https://www.amazon.com/ap/oa",
        "token_url": "https://api.amazon.com/auth/o2/token",
        "token_request_method": "POST",
    },
    "SignInWithApple": {
        "attributes_url_add_attributes": "false",
        "authorize_url": "https://appleid.apple.com/auth/authorize",
        "token_url": "https://appleid.apple.com/auth/token",
        "token_request_method": "POST",
        "oidc_issuer": "https://appleid.apple.com",
    },
}
# A fixed, plausible encryption certificate (SAML ActiveEncryptionCertificate is service-generated).
SAML_ENCRYPTION_CERTIFICATE = "MIICvTCCAaWgAwIBAgIJAPoolpatchFakeEncryptionCertificate0000000000"
_IDP_MAP_MEMBERS = ("AttributeMapping", "IdpIdentifiers", "AcrMapping")


def _idp_details(idp: CognitoIdpIdentityProvider) -> dict[str, str]:
    """ProviderDetails as Describe returns them: derived keys added, ``client_secret`` in plaintext
    (API_DescribeIdentityProvider.html), SignInWithApple's ``private_key`` never returned (§3)."""
    provider_type = str(idp.extended_config.get("ProviderType") or "")
    details = dict(idp.extended_config.get("ProviderDetails") or {})
    for key, value in _DERIVED_DETAILS.get(provider_type, {}).items():
        details.setdefault(key, value)
    if provider_type == "SignInWithApple":
        details.pop("private_key", None)
    if provider_type == "SAML":
        host = urlparse(details.get("MetadataURL", "")).hostname or "idp.example.com"
        details.setdefault("ActiveEncryptionCertificate", SAML_ENCRYPTION_CERTIFICATE)
        details.setdefault("SSORedirectBindingURI", f"https://{host}/saml2/sso")
        details.setdefault("SLORedirectBindingURI", f"https://{host}/saml2/slo")
    return details


def _idp_document(pool: CognitoIdpUserPool, idp: CognitoIdpIdentityProvider) -> dict[str, Any]:
    document: dict[str, Any] = {
        "UserPoolId": pool.id,
        "ProviderName": idp.name,
        "ProviderType": idp.extended_config.get("ProviderType"),
        "ProviderDetails": _idp_details(idp),
    }
    for member in _IDP_MAP_MEMBERS:
        if member in idp.extended_config:
            document[member] = copy.deepcopy(idp.extended_config[member])
    document["LastModifiedDate"] = idp.last_modified_date
    document["CreationDate"] = idp.creation_date
    return document


def _idp(pool: CognitoIdpUserPool, name: str) -> CognitoIdpIdentityProvider:
    idp = pool.identity_providers.get(name)
    if idp is None:
        raise ResourceNotFoundException(f"Identity provider {name} does not exist.")
    return idp


def _empty(value: Any) -> bool:
    return value is None or value in ({}, [])


def create_identity_provider(self: CognitoIdpResponse) -> ActionResult:
    """A duplicate name is ``DuplicateProviderException`` (Model; moto overwrites, §14); without
    AttributeMapping the service stores ``{"username": "sub"}`` (moto, floci; unconfirmed on AWS, §3)."""
    request = request_of(self)
    pool = pool_of(self, request)
    name = str(request.get("ProviderName") or "")
    if name in pool.identity_providers:
        raise DuplicateProviderException(f"A provider with the name {name} already exists in this user pool.")
    config: dict[str, Any] = {
        "ProviderType": request.get("ProviderType"),
        "ProviderDetails": copy.deepcopy(request.get("ProviderDetails") or {}),
    }
    for member in _IDP_MAP_MEMBERS:
        if not _empty(request.get(member)):
            config[member] = copy.deepcopy(request[member])
    idp = CognitoIdpIdentityProvider(name, config)  # moto adds AttributeMapping {"username": "sub"}
    idp.creation_date = idp.last_modified_date = next_timestamp(None)
    pool.identity_providers[name] = idp
    return ActionResult({"IdentityProvider": _idp_document(pool, idp)})


def describe_identity_provider(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    pool = pool_of(self, request)
    idp = _idp(pool, str(request.get("ProviderName") or ""))
    return ActionResult({"IdentityProvider": _idp_document(pool, idp)})


def update_identity_provider(self: CognitoIdpResponse) -> ActionResult:
    """ProviderDetails, when sent, replaces the map (aws/aws-cdk#29494); AttributeMapping / IdpIdentifiers /
    AcrMapping omitted are kept, explicitly empty are cleared (floci-io/floci#2858, unconfirmed);
    ``LastModifiedDate`` moves (moto never moves it, §14)."""
    request = request_of(self)
    pool = pool_of(self, request)
    idp = _idp(pool, str(request.get("ProviderName") or ""))
    if request.get("ProviderDetails") is not None:
        idp.extended_config["ProviderDetails"] = copy.deepcopy(request["ProviderDetails"])
    for member in _IDP_MAP_MEMBERS:
        if member not in request:
            continue
        if _empty(request[member]):
            idp.extended_config.pop(member, None)
        else:
            idp.extended_config[member] = copy.deepcopy(request[member])
    idp.last_modified_date = next_timestamp(idp.last_modified_date)
    return ActionResult({"IdentityProvider": _idp_document(pool, idp)})


def list_identity_providers(self: CognitoIdpResponse) -> ActionResult:
    """Name, type and dates only, 60 per page (Model ``ProviderDescription``, cognito-surface.md §3, §13)."""
    request = request_of(self)
    pool = pool_of(self, request)
    items, token = page(list(pool.identity_providers.values()), request, "MaxResults", 60)
    providers = [
        {
            "ProviderName": idp.name,
            "ProviderType": idp.extended_config.get("ProviderType"),
            "LastModifiedDate": idp.last_modified_date,
            "CreationDate": idp.creation_date,
        }
        for idp in items
    ]
    return _paged({"Providers": providers}, token)


# ------------------------------------------------------------------------------ 4. resource servers


def _server_document(server: CognitoResourceServer) -> dict[str, Any]:
    """The full ``ResourceServerType``; ``Scopes`` is always present (``[]`` when none: chosen, so a
    reset by omission is visible)."""
    return {
        "UserPoolId": server.user_pool_id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": copy.deepcopy(list(server.scopes or [])),
    }


def _server(pool: CognitoIdpUserPool, identifier: str) -> CognitoResourceServer:
    server = pool.resource_servers.get(identifier)
    if server is None:
        raise ResourceNotFoundException(f"Resource server {identifier} does not exist.")
    return server


def create_resource_server(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    pool = pool_of(self, request)
    identifier = str(request.get("Identifier") or "")
    if identifier in pool.resource_servers:
        raise InvalidParameterException(f"{identifier} already exists in user pool {pool.id}.")
    server = CognitoResourceServer(
        pool.id, identifier, str(request.get("Name") or ""), copy.deepcopy(request.get("Scopes") or [])
    )
    pool.resource_servers[identifier] = server
    return ActionResult({"ResourceServer": _server_document(server)})


def describe_resource_server(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    server = _server(pool_of(self, request), str(request.get("Identifier") or ""))
    return ActionResult({"ResourceServer": _server_document(server)})


def update_resource_server(self: CognitoIdpResponse) -> ActionResult:
    """Omitted members are reset: an omitted ``Scopes`` deletes every scope (*"If you don't provide a value
    for an attribute, it is set to the default value"*, API_UpdateResourceServer.html); ``Name`` is
    required (Model). moto has no UpdateResourceServer (§14)."""
    request = request_of(self)
    pool = pool_of(self, request)
    server = _server(pool, str(request.get("Identifier") or ""))
    if not request.get("Name"):
        raise InvalidParameterException(
            "1 validation error detected: Value null at 'name' failed to satisfy "
            "constraint: Member must not be null"
        )
    server.name = str(request["Name"])
    server.scopes = copy.deepcopy(request.get("Scopes") or [])
    return ActionResult({"ResourceServer": _server_document(server)})


def delete_resource_server(self: CognitoIdpResponse) -> ActionResult:
    """moto has no DeleteResourceServer (cognito-surface.md §4, §14)."""
    request = request_of(self)
    pool = pool_of(self, request)
    server = _server(pool, str(request.get("Identifier") or ""))
    del pool.resource_servers[server.identifier]
    return EmptyResult()


def list_resource_servers(self: CognitoIdpResponse) -> ActionResult:
    """Full objects, 50 per page; an unknown pool is ``ResourceNotFoundException`` (moto: ``KeyError``,
    cognito-surface.md §4)."""
    request = request_of(self)
    pool = pool_of(self, request)
    items, token = page(list(pool.resource_servers.values()), request, "MaxResults", 50)
    return _paged({"ResourceServers": [_server_document(server) for server in items]}, token)


# ------------------------------------------------------------------------------------------- 5. groups


def _group_document(group: CognitoIdpGroup) -> dict[str, Any]:
    """``GroupType`` with only the members that are set: no invented ``Description: ""`` (moto's default,
    cognito-surface.md §5); an empty description counts as unset."""
    document: dict[str, Any] = {"GroupName": group.group_name, "UserPoolId": group.user_pool_id}
    if group.description:
        document["Description"] = group.description
    if group.role_arn is not None:
        document["RoleArn"] = group.role_arn
    if group.precedence is not None:
        document["Precedence"] = group.precedence
    document["LastModifiedDate"] = group.last_modified_date
    document["CreationDate"] = group.creation_date
    return document


def create_group(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    pool = pool_of(self, request)
    # moto's signature says str/int; None (omitted) is what it stores for an unset member.
    description: Any = request.get("Description")
    role_arn: Any = request.get("RoleArn")
    precedence: Any = request.get("Precedence")
    group = self.backend.create_group(
        pool.id, str(request.get("GroupName") or ""), description, role_arn, precedence
    )
    group.creation_date = group.last_modified_date = next_timestamp(None)
    return ActionResult({"Group": _group_document(group)})


def get_group(self: CognitoIdpResponse) -> ActionResult:
    request = request_of(self)
    group = self.backend.get_group(str(pool_of(self, request).id), str(request.get("GroupName") or ""))
    return ActionResult({"Group": _group_document(group)})


def update_group(self: CognitoIdpResponse) -> ActionResult:
    """Omitted members are kept (cognito-surface.md §5, unconfirmed; moto merges too); ``LastModifiedDate``
    strictly moves (cognito-api.md §8)."""
    request = request_of(self)
    pool = pool_of(self, request)
    group = self.backend.get_group(pool.id, str(request.get("GroupName") or ""))
    previous: datetime.datetime = group.last_modified_date
    group.update(request.get("Description"), request.get("RoleArn"), request.get("Precedence"))
    group.last_modified_date = next_timestamp(previous)
    return ActionResult({"Group": _group_document(group)})


def list_groups(self: CognitoIdpResponse) -> ActionResult:
    """Full ``GroupType`` objects, 60 per page (``Limit``; cognito-surface.md §5, §13)."""
    request = request_of(self)
    pool = pool_of(self, request)
    items, token = page(list(pool.groups.values()), request, "Limit", 60)
    return _paged({"Groups": [_group_document(group) for group in items]}, token)
