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

import json
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

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
from poolpatch.request import Target

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
        """DescribeUserPool (``UserPool``) or DescribeUserPoolClient (``UserPoolClient``)."""
        ...

    def update(self, target: Target, document: Mapping[str, Any]) -> None:
        """UpdateUserPool / UpdateUserPoolClient with the complete update document (no id members)."""
        ...

    def add_custom_attributes(self, target: Target, attributes: Sequence[Mapping[str, Any]]) -> None:
        """AddCustomAttributes to the target's pool."""
        ...


# Error code -> poolpatch error type; anything absent is a ServiceError.
_NOT_FOUND = {"ResourceNotFoundException"}
_DENIED = {"NotAuthorizedException", "AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
_THROTTLED = {"TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded"}
_CONFLICT = {"ConcurrentModificationException"}
_TIER = {"FeatureUnavailableInTierException", "TierChangeNotAllowedException"}
_REJECTED = {
    "InvalidParameterException",
    "InvalidOAuthFlowException",
    "ScopeDoesNotExistException",
    "UserPoolTaggingException",
    "InvalidEmailRoleAccessPolicyException",
    "InvalidSmsRoleAccessPolicyException",
    "InvalidSmsRoleTrustRelationshipException",
    "OperationNotEnabledException",
    "UserPoolAddOnNotEnabledException",
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
    ) -> None:
        self._client = client
        #: The assumed-role session behind the client (``roleArn``, ``name``), recorded in results.
        self.session: dict[str, str] | None = dict(session) if session else None
        self._sleep = sleep
        self._attempts = conflict_attempts
        self._base = backoff_base
        self._cap = backoff_cap
        self._raw = threading.local()
        events = client.meta.events
        events.register("after-call.cognito-idp.DescribeUserPool", self._capture)
        events.register("after-call.cognito-idp.DescribeUserPoolClient", self._capture)

    @property
    def client(self) -> CognitoIdentityProviderClient:
        """The boto3 client behind the port (list operations of the fleet reader share it)."""
        return self._client

    def _capture(self, http_response: Any = None, **_: Any) -> None:
        try:
            body = json.loads(http_response.content) if http_response is not None else {}
        except (ValueError, AttributeError):
            body = {}
        self._raw.body = body if isinstance(body, dict) else {}

    def describe(self, target: Target) -> Described:
        """Describe the pool or client, keeping the raw JSON alongside the parsed object."""
        self._raw.body = {}
        if target.client_id:
            response: Mapping[str, Any] = self.call(
                "DescribeUserPoolClient",
                lambda: self._client.describe_user_pool_client(
                    UserPoolId=target.user_pool_id, ClientId=target.client_id or ""
                ),
            )
            member = "UserPoolClient"
        else:
            response = self.call(
                "DescribeUserPool", lambda: self._client.describe_user_pool(UserPoolId=target.user_pool_id)
            )
            member = "UserPool"
        parsed = dict(response.get(member) or {})
        raw = self._raw.body.get(member)
        if not isinstance(raw, dict):
            # Without the raw JSON the unknown-field guard cannot run: never fall back to the parsed
            # object, which by construction holds only what the local model knows.
            raise ServiceError(
                f"The raw {member} response was not captured; the unknown-field guard cannot run.",
                remedy="Retry; if it persists, report it (a botocore change in response handling?).",
                retryable=True,
            )
        return Described(parsed=parsed, raw=raw)

    def update(self, target: Target, document: Mapping[str, Any]) -> None:
        """Send the complete update document, retrying overlapping writes with bounded backoff."""
        if target.client_id:
            params = {**document, "UserPoolId": target.user_pool_id, "ClientId": target.client_id}
            self._with_conflict_retry(
                "UpdateUserPoolClient", lambda: self._client.update_user_pool_client(**params)
            )
        else:
            params = {**document, "UserPoolId": target.user_pool_id}
            self._with_conflict_retry("UpdateUserPool", lambda: self._client.update_user_pool(**params))

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

    def _with_conflict_retry(self, operation: str, call: Callable[[], Any]) -> Any:
        for attempt in range(1, self._attempts + 1):
            try:
                return self.call(operation, call)
            except ConcurrentModification:
                if attempt == self._attempts:
                    raise
                self._sleep(random.uniform(0, min(self._cap, self._base * 2**attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def call(operation: str, call: Callable[[], Any]) -> Any:
        """Run one SDK call, translating its failures to poolpatch errors with stable codes."""
        try:
            return call()
        except ClientError as exc:
            raise translate(exc, operation) from None
        except ParamValidationError as exc:
            raise InvalidValue(
                f"{operation} input was refused by botocore: {exc}",
                remedy="This is a poolpatch check gap; please report it with the request.",
            ) from None
        except BotoCoreError as exc:
            raise ServiceError(f"{operation} failed: {exc}", retryable=True) from None
