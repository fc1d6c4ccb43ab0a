"""Cognito adapter: describe, update and add attributes, with the raw-response guard.

The engine talks to Cognito only through :class:`CognitoPort`. The boto3
implementation owns every AWS detail:

- **Raw responses.** botocore keeps only the response members its model knows
  (cognito-api.md §2.3), so the adapter captures the raw JSON of each describe
  through botocore's ``after-call`` event; the engine compares it with the
  model and refuses to write when the service sent something the SDK would drop.
- **Errors** become poolpatch errors with stable codes; nothing is classified by
  message text.
- **Retries.** Throttling and 5xx come from botocore's ``standard`` retry mode
  (:func:`client_config`). ``ConcurrentModificationException`` is not retried by
  botocore (cognito-api.md §7.2), so the adapter retries it with bounded,
  jittered backoff; the whole update document is resent, which is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from poolpatch import __version__
from poolpatch.errors import (
    AccessDenied,
    ConcurrentModification,
    ConflictingSettings,
    InvalidValue,
    NotFound,
    PoolpatchError,
    ServiceError,
    Throttled,
)
from poolpatch.kinds import KINDS, spec
from poolpatch.request import Target
from poolpatch.scrub import scrub, secret_inputs

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

#: Attempts in all (first try included) botocore makes for throttling and transient errors.
SDK_MAX_ATTEMPTS = 5
#: Attempts the adapter makes when Cognito reports an overlapping write.
CONFLICT_MAX_ATTEMPTS = 5


def client_config(*, max_attempts: int = SDK_MAX_ATTEMPTS) -> Config:
    """botocore configuration for every Cognito client poolpatch creates."""
    return Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        user_agent_extra=f"poolpatch/{__version__}",
        connect_timeout=5,
        read_timeout=20,
    )


@dataclass(frozen=True)
class Described:
    """A describe result: the parsed object and the raw JSON the service sent for it."""

    parsed: dict[str, Any]
    raw: dict[str, Any]


class CognitoPort(Protocol):
    """What the engine needs from Cognito."""

    def describe(self, target: Target) -> Described:
        """The read operation of the target's kind (DescribeUserPool, GetUserPoolMfaConfig...)."""
        ...

    def update(self, target: Target, document: Mapping[str, Any]) -> None:
        """The write operation of the target's kind with the complete update document (no id members)."""
        ...

    def add_custom_attributes(self, target: Target, attributes: Sequence[Mapping[str, Any]]) -> None:
        """AddCustomAttributes to the target's pool."""
        ...


_READS = frozenset(entry.read for entry in KINDS.values())
#: Writes besides ``Create*`` that a repeat would not do the same way (the second add fails).
NOT_REPEATED = frozenset({"AddCustomAttributes"})
#: Operations whose raw JSON the adapter keeps: every read, and the listings that return objects whole.
_CAPTURED = _READS | frozenset(
    entry.list_operation for entry in KINDS.values() if entry.listed_whole and entry.list_operation
)


def raw_not_captured(what: str) -> ServiceError:
    """The error for a response whose raw JSON was not captured: the unknown-field guard cannot run."""
    return ServiceError(
        f"The raw {what} response was not captured; the unknown-field guard cannot run.",
        remedy="Retry; if it persists, report it (a botocore change in response handling?).",
        retryable=True,
    )


def read_input(target: Target) -> dict[str, Any]:
    """The read operation's input for ``target``: the members of its input shape the target fills."""
    from poolpatch import model

    entry = spec(target.kind)
    members = model.service_model().operation_model(entry.read).input_shape.members  # type: ignore[union-attr]
    values = {"UserPoolId": target.user_pool_id, "ClientId": target.client_id}
    if entry.name_member:
        values[entry.name_member] = target.name
    return {member: values[member] for member in members if values.get(member) is not None}


def write_ids(target: Target, *, branding_id: str | None = None) -> dict[str, str]:
    """The id members of the write operation's input for ``target`` (design.md: not in the document)."""
    entry = spec(target.kind)
    values = {
        "UserPoolId": target.user_pool_id,
        "ClientId": target.client_id,
        "ManagedLoginBrandingId": branding_id,
    }
    if entry.name_member:
        values[entry.name_member] = target.name
    return {member: value for member in entry.ids if (value := values.get(member)) is not None}


def _blobs_decoded(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The write input with every blob member's base64 text as bytes (botocore encodes bytes itself).

    Update documents are JSON, so blobs (``ImageFile``, branding ``Assets[].Bytes``) travel as base64
    text from export to patch to snapshot; only the SDK call needs the bytes.
    """
    from poolpatch import model

    shape = model.service_model().operation_model(operation).input_shape
    return cast("dict[str, Any]", _decode(shape, params))


def _decode(shape: Any, value: Any) -> Any:
    type_name = getattr(shape, "type_name", None)
    if type_name == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise InvalidValue(
                "A binary member must be base64 text.",
                remedy="Encode the file with `base64 -w0 FILE` and send the text.",
            ) from None
    if type_name == "structure" and isinstance(value, Mapping) and not shape.is_document_type:
        return {key: _decode(shape.members.get(key), item) for key, item in value.items()}
    if type_name == "list" and isinstance(value, list):
        return [_decode(shape.member, item) for item in value]
    return value


# Error code -> poolpatch error type; anything absent is a ServiceError.
_NOT_FOUND = {"ResourceNotFoundException"}
_DENIED = {"NotAuthorizedException", "AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
_THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"}
_CONFLICT = {"ConcurrentModificationException"}
_TIER = {"FeatureUnavailableInTierException", "TierChangeNotAllowedException"}
_REJECTED = {
    "InvalidParameterException",
    "InvalidUserPoolConfigurationException",
    "UnsupportedIdentityProviderException",
    "DuplicateProviderException",
    "ManagedLoginBrandingExistsException",
    "InvalidOAuthFlowException",
    "ScopeDoesNotExistException",
    "UserPoolTaggingException",
    "InvalidEmailRoleAccessPolicyException",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidSmsRoleTrustRelationshipException",
    "OperationNotEnabledException",
    "LimitExceededException",
}
_RETRY_LATER = {"UserImportInProgressException", "InternalErrorException", "ServiceUnavailable"}


def translate(error: ClientError, operation: str, *, service: str = "cognito-idp") -> PoolpatchError:
    """Map a botocore ``ClientError`` to a poolpatch error with a stable code.

    ``service`` is the IAM service prefix named in the remedy (``sts`` for AssumeRole).
    """
    code = error.response.get("Error", {}).get("Code", "Unknown")
    message = error.response.get("Error", {}).get("Message", "") or code
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400) or 400)
    text = f"{operation} failed: {code}: {message}"
    if code in _NOT_FOUND:
        return NotFound(text, remedy="Check the user pool / app client id, account and Region.")
    if code in _DENIED:
        return AccessDenied(text, remedy=f"Allow {service}:{operation} for the caller or target role.")
    if code in _THROTTLED:
        return Throttled(text, remedy="Retried by botocore already; lower the request rate.")
    if code in _CONFLICT:
        return ConcurrentModification(text, remedy="Another write to this pool was in progress; retry.")
    if code == "UserPoolAddOnNotEnabledException":
        return ConflictingSettings(
            text,
            remedy='Turn threat protection on first with a `pool` change: {"UserPoolTier": "PLUS", '
            '"UserPoolAddOns": {"AdvancedSecurityMode": "AUDIT"}}.',
        )
    if code in _TIER:
        return ConflictingSettings(text, remedy="Change the pool's UserPoolTier first, or drop the feature.")
    if code in _REJECTED:
        return InvalidValue(text, remedy="Fix the value the service names; the change was not written.")
    return ServiceError(text, retryable=code in _RETRY_LATER or status >= 500)


class Boto3Cognito:
    """:class:`CognitoPort` over a boto3 ``cognito-idp`` client."""

    def __init__(
        self,
        client: CognitoIdentityProviderClient,
        *,
        session: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        conflict_attempts: int = CONFLICT_MAX_ATTEMPTS,
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
        once: Callable[[], CognitoIdentityProviderClient] | None = None,
    ) -> None:
        self._client = client
        #: Makes a client that sends each request once (no SDK retries), for the calls a repeat would do
        #: twice (:data:`NOT_REPEATED`); made on first use.
        self._once_factory = once
        self._once: CognitoIdentityProviderClient | None = None
        #: The assumed-role session behind the client (``roleArn``, ``name``), recorded in results.
        self.session: dict[str, str] | None = dict(session) if session else None
        self._sleep = sleep
        self._attempts = conflict_attempts
        self._base = backoff_base
        self._cap = backoff_cap
        self._raw = threading.local()
        self._lock = threading.Lock()
        self._branding: dict[tuple[str, str | None], str] = {}
        events = client.meta.events
        for operation in _CAPTURED:
            events.register(f"after-call.cognito-idp.{operation}", self._capture)

    def last_raw(self) -> dict[str, Any] | None:
        """The raw JSON of this thread's last captured call (a read, or a listing of whole objects)."""
        body = getattr(self._raw, "body", None)
        return body if isinstance(body, dict) else None

    @property
    def client(self) -> CognitoIdentityProviderClient:
        """The boto3 client behind the port (list operations of the fleet reader share it)."""
        return self._client

    def _capture(self, http_response: Any = None, model: Any = None, **_: Any) -> None:
        if model is None or model.name not in _CAPTURED:
            return
        try:
            body = json.loads(http_response.content) if http_response is not None else {}
        except (ValueError, AttributeError):
            body = {}
        self._raw.body = body if isinstance(body, dict) else {}

    def describe(self, target: Target) -> Described:
        """Read the target's kind (its read operation), keeping the raw JSON alongside the parsed object.

        For a ``managedLoginBranding`` target the style's ``ManagedLoginBrandingId`` is remembered: the
        update names the style by it, and poolpatch resolves it from the client (design.md).
        """
        entry = spec(target.kind)
        params = read_input(target)
        self._raw.body = None
        method = getattr(self._client, xform_name(entry.read))
        response: Mapping[str, Any] = self.call(entry.read, lambda: method(**params))
        body = self._raw.body
        if entry.read_member is None:
            parsed = {key: value for key, value in response.items() if key != "ResponseMetadata"}
            raw = body
        else:
            parsed = dict(response.get(entry.read_member) or {})
            raw = body.get(entry.read_member) if isinstance(body, dict) else None
        if not isinstance(raw, dict):
            # Without the raw JSON the unknown-field guard cannot run: never fall back to the parsed
            # object, which by construction holds only what the local model knows.
            raise raw_not_captured(entry.read_member or entry.read)
        if target.kind == "managedLoginBranding" and isinstance(parsed.get("ManagedLoginBrandingId"), str):
            with self._lock:
                self._branding[(target.user_pool_id, target.client_id)] = parsed["ManagedLoginBrandingId"]
        return Described(parsed=parsed, raw=raw)

    def update(self, target: Target, document: Mapping[str, Any]) -> None:
        """Send the complete update document with the target's ids, retrying overlapping writes."""
        entry = spec(target.kind)
        with self._lock:
            branding = self._branding.get((target.user_pool_id, target.client_id))
        if target.kind == "managedLoginBranding" and branding is None:
            raise ServiceError(
                "The branding style's id is unknown: the client's style was not read before this write.",
                remedy="Read the target (DescribeManagedLoginBrandingByClient) through this adapter first; "
                "the engine always does.",
            )
        params = _blobs_decoded(entry.write, {**document, **write_ids(target, branding_id=branding)})
        method = getattr(self._client, xform_name(entry.write))
        self._with_conflict_retry(entry.write, lambda: method(**params), params)

    def invoke(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Any other Cognito operation by its API name (the creates of a clone, listings), with the same error
        translation, blob decoding and overlapping-write retries as :meth:`update`; the response without
        ``ResponseMetadata``.

        A create (and ``AddCustomAttributes``) is not idempotent: when its response is lost, botocore's retry
        would create a second pool or app client. With ``once`` given, those calls go through a client that
        sends them once; the caller looks for what a failed create may have made (``bundle.clone``).
        """
        client = self._client
        if self._once_factory is not None and (operation.startswith("Create") or operation in NOT_REPEATED):
            with self._lock:
                if self._once is None:
                    self._once = self._once_factory()
                client = self._once
        method = getattr(client, xform_name(operation))
        decoded = _blobs_decoded(operation, dict(params))
        response: Mapping[str, Any] = self._with_conflict_retry(operation, lambda: method(**decoded), decoded)
        return {key: value for key, value in response.items() if key != "ResponseMetadata"}

    def add_custom_attributes(self, target: Target, attributes: Sequence[Mapping[str, Any]]) -> None:
        """Add custom attributes (add-only; cognito-api.md §6)."""
        items = [dict(item) for item in attributes]
        self._with_conflict_retry(
            "AddCustomAttributes",
            lambda: self._client.add_custom_attributes(
                UserPoolId=target.user_pool_id,
                CustomAttributes=items,  # type: ignore[arg-type]
            ),
        )

    def _with_conflict_retry(
        self, operation: str, call: Callable[[], Any], params: Mapping[str, Any] | None = None
    ) -> Any:
        for attempt in range(1, self._attempts + 1):
            try:
                return self.call(operation, call, params)
            except ConcurrentModification:
                if attempt == self._attempts:
                    raise
                self._sleep(random.uniform(0, min(self._cap, self._base * 2**attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def call(operation: str, call: Callable[[], Any], params: Mapping[str, Any] | None = None) -> Any:
        """Run one SDK call, translating its failures to poolpatch errors with stable codes.

        ``params`` is the input sent: a message quoting one of its secrets has it replaced
        (:mod:`poolpatch.scrub`), so the secret reaches no report, result or log.
        """
        try:
            return call()
        except (ClientError, ParamValidationError, BotoCoreError) as exc:
            error = _error(exc, operation)
        if params:
            secrets = secret_inputs(operation, params)
            if secrets:
                error.message = scrub(error.message, secrets)
        raise error


def _error(exc: Exception, operation: str) -> PoolpatchError:
    if isinstance(exc, ClientError):
        return translate(exc, operation)
    if isinstance(exc, ParamValidationError):
        return InvalidValue(
            f"{operation} input was refused by botocore: {exc}",
            remedy="This is a poolpatch check gap; please report it with the request.",
        )
    return ServiceError(f"{operation} failed: {exc}", retryable=True)
