"""Installing the fake: replacement handlers on moto's ``CognitoIdpResponse`` and a request hook.

moto serves every Cognito JSON request, in-process (``mock_aws``) and in a moto server, through
``CognitoIdpResponse.call_action`` and then the handler named after the operation, so patching that class
covers both transports. The hook logs the call, applies the request-rate quotas, the latency and injected
faults *before* the handler runs (state is untouched), then adds injected raw members to the serialised JSON
body.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from poolpatch_fake import _client, _pool, _resources, _settings, faults
from poolpatch_fake._clock import next_timestamp
from poolpatch_fake.faults import TYPE_RESPONSE

_ORIGINAL_CALL_ACTION = BaseResponse.call_action


def _request(response: CognitoIdpResponse) -> dict[str, Any]:
    body = response.body
    document = json.loads(body) if body else {}
    assert isinstance(document, dict)
    return document


def _text(request: dict[str, Any], member: str) -> str:
    """A string member of the request ("" when absent, which moto then reports as not found)."""
    return str(request.get(member) or "")


def _user_pool_id(response: CognitoIdpResponse) -> str:
    """The user pool a request addresses ("" when none): ``UserPoolId``, else the pool of a ``ResourceArn``
    (``arn:aws:cognito-idp:<region>:<account>:userpool/<id>``, the tagging operations)."""
    try:
        request = _request(response)
    except (ValueError, AssertionError):
        return ""
    pool_id = request.get("UserPoolId")
    if isinstance(pool_id, str):
        return pool_id
    arn = request.get("ResourceArn")
    if isinstance(arn, str) and ":userpool/" in arn:
        return arn.rsplit("/", 1)[1]
    return ""


def _call_action(self: CognitoIdpResponse) -> TYPE_RESPONSE:
    operation = self._get_action()
    # moto's setup_class has resolved the caller's account (MOTO_ACCOUNT_ID, the x-moto-account-id header,
    # else the account of the access key: an STS assumed-role key maps to the role's account) and the
    # Region (from the SigV4 credential scope) before any handler runs.
    try:
        sent: dict[str, Any] | None = _request(self)
    except (ValueError, AssertionError):
        sent = None
    failure = faults.before_call(
        operation, self.current_account, self.region, _user_pool_id(self), request=sent
    )
    if failure is not None:
        return failure
    status, headers, body = _ORIGINAL_CALL_ACTION(self)
    if status == 200:
        lost = faults.take_lost(operation)
        if lost is not None:
            return lost
        body = faults.apply_raw_members(operation, body)
    return status, headers, body


def _create_user_pool(self: CognitoIdpResponse) -> ActionResult:
    request = _request(self)
    _pool.validate_create(request)
    pool = self.backend.create_user_pool(request["PoolName"], dict(request))
    pool.extended_config = _pool.build_config(request, None)
    pool.mfa_config = request.get("MfaConfiguration") or "OFF"
    _pool.complete_schema(pool)
    pool.last_modified_date = pool.creation_date
    return ActionResult({"UserPool": _pool.describe(pool)})


def _describe_user_pool(self: CognitoIdpResponse) -> ActionResult:
    pool = self.backend.describe_user_pool(_text(_request(self), "UserPoolId"))
    return ActionResult({"UserPool": _pool.describe(pool)})


def _update_user_pool(self: CognitoIdpResponse) -> ActionResult:
    request = _request(self)
    pool = self.backend.describe_user_pool(_text(request, "UserPoolId"))
    _pool.validate_update(pool, request)
    pool.extended_config = _pool.build_config(request, pool.extended_config)
    # Omitted MfaConfiguration follows the Model rule (OFF), not the measured "left ON" (go-to-k/cdkd#1968):
    # poolpatch must never rely on omission (cognito-api.md §1, §4.1).
    pool.mfa_config = request.get("MfaConfiguration") or "OFF"
    if request.get("PoolName"):
        pool.name = request["PoolName"]  # §2.1: PoolName renames the pool; omitted keeps it
    pool.last_modified_date = next_timestamp(pool.last_modified_date)
    return ActionResult({})


def _add_custom_attributes(self: CognitoIdpResponse) -> ActionResult:
    request = _request(self)
    pool = self.backend.describe_user_pool(_text(request, "UserPoolId"))
    attributes = list(request.get("CustomAttributes") or [])
    _pool.validate_custom_attributes(pool, attributes)
    self.backend.add_custom_attributes(pool.id, attributes)
    pool.last_modified_date = next_timestamp(pool.last_modified_date)
    return EmptyResult()


def _create_user_pool_client(self: CognitoIdpResponse) -> ActionResult:
    request = _request(self)
    pool = self.backend.describe_user_pool(_text(request, "UserPoolId"))
    _client.validate(request)
    config = _client.build_config(request, creating=True)
    confidential = bool(request.get("GenerateSecret") or request.get("ClientSecret"))
    client = self.backend.create_user_pool_client(pool.id, confidential, dict(config))
    if request.get("ClientSecret"):
        client.secret = request["ClientSecret"]  # a custom secret is create-only (§2.2)
    client.extended_config = config
    created = next_timestamp(None)
    setattr(client, "creation_date", created)  # noqa: B010 - attributes moto's client class lacks
    setattr(client, "last_modified_date", created)  # noqa: B010
    return ActionResult({"UserPoolClient": _client.describe(client)})


def _describe_user_pool_client(self: CognitoIdpResponse) -> ActionResult:
    request = _request(self)
    client = self.backend.describe_user_pool_client(_text(request, "UserPoolId"), _text(request, "ClientId"))
    return ActionResult({"UserPoolClient": _client.describe(client)})


def _update_user_pool_client(self: CognitoIdpResponse) -> ActionResult:
    request = _request(self)
    client = self.backend.describe_user_pool_client(_text(request, "UserPoolId"), _text(request, "ClientId"))
    _client.validate(request)
    client.extended_config = _client.build_config(request, creating=False)
    modified = next_timestamp(getattr(client, "last_modified_date", None))
    setattr(client, "last_modified_date", modified)  # noqa: B010 - attribute moto's client class lacks
    return ActionResult({"UserPoolClient": _client.describe(client)})


_PATCHES: dict[str, Callable[..., Any]] = {
    "call_action": _call_action,
    "create_user_pool": _create_user_pool,
    "describe_user_pool": _describe_user_pool,
    "update_user_pool": _update_user_pool,
    "add_custom_attributes": _add_custom_attributes,
    "create_user_pool_client": _create_user_pool_client,
    "describe_user_pool_client": _describe_user_pool_client,
    "update_user_pool_client": _update_user_pool_client,
    # Configuration kinds (cognito-surface.md §0): handlers moto lacks are added, and removed by uninstall().
    "get_user_pool_mfa_config": _settings.get_user_pool_mfa_config,
    "set_user_pool_mfa_config": _settings.set_user_pool_mfa_config,
    "create_user_pool_domain": _resources.create_user_pool_domain,
    "describe_user_pool_domain": _resources.describe_user_pool_domain,
    "update_user_pool_domain": _resources.update_user_pool_domain,
    "delete_user_pool_domain": _resources.delete_user_pool_domain,
    "create_identity_provider": _resources.create_identity_provider,
    "describe_identity_provider": _resources.describe_identity_provider,
    "update_identity_provider": _resources.update_identity_provider,
    "list_identity_providers": _resources.list_identity_providers,
    "create_resource_server": _resources.create_resource_server,
    "describe_resource_server": _resources.describe_resource_server,
    "update_resource_server": _resources.update_resource_server,
    "delete_resource_server": _resources.delete_resource_server,
    "list_resource_servers": _resources.list_resource_servers,
    "create_group": _resources.create_group,
    "get_group": _resources.get_group,
    "update_group": _resources.update_group,
    "list_groups": _resources.list_groups,
    "describe_risk_configuration": _settings.describe_risk_configuration,
    "set_risk_configuration": _settings.set_risk_configuration,
    "get_ui_customization": _settings.get_ui_customization,
    "set_ui_customization": _settings.set_ui_customization,
    "create_managed_login_branding": _settings.create_managed_login_branding,
    "describe_managed_login_branding": _settings.describe_managed_login_branding,
    "describe_managed_login_branding_by_client": _settings.describe_managed_login_branding_by_client,
    "update_managed_login_branding": _settings.update_managed_login_branding,
    "delete_managed_login_branding": _settings.delete_managed_login_branding,
    "get_log_delivery_configuration": _settings.get_log_delivery_configuration,
    "set_log_delivery_configuration": _settings.set_log_delivery_configuration,
}

_lock = threading.Lock()
_saved: dict[str, Any] | None = None


def is_installed() -> bool:
    """Return whether the fake's handlers are in place."""
    return _saved is not None


def install() -> None:
    """Replace moto's Cognito handlers with the fake's (idempotent)."""
    global _saved  # noqa: PLW0603 - one process-wide installation
    with _lock:
        if _saved is not None:
            return
        _saved = {name: CognitoIdpResponse.__dict__.get(name) for name in _PATCHES}
        for name, function in _PATCHES.items():
            setattr(CognitoIdpResponse, name, function)


def uninstall() -> None:
    """Restore moto's own handlers (idempotent)."""
    global _saved  # noqa: PLW0603 - one process-wide installation
    with _lock:
        if _saved is None:
            return
        for name, original in _saved.items():
            if original is None:
                delattr(CognitoIdpResponse, name)
            else:
                setattr(CognitoIdpResponse, name, original)
        _saved = None
