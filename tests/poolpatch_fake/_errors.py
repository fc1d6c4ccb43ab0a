"""Cognito error types the fake raises, serialised like AWS JSON-1.1 errors.

moto's ``JsonRESTError`` already renders ``{"__type": ..., "message": ...}`` with HTTP 400, which botocore
turns into ``ClientError`` with that code, in-process and over HTTP. moto has ``InvalidParameterException``
(re-exported here); the other codes are the modelled errors of cognito-api.md §7.3.
"""

from __future__ import annotations

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.core.exceptions import JsonRESTError

__all__ = [
    "DuplicateProviderException",
    "FeatureUnavailableInTierException",
    "InvalidOAuthFlowException",
    "InvalidParameterException",
    "LimitExceededException",
    "ManagedLoginBrandingExistsException",
    "ResourceNotFoundException",
    "UserPoolAddOnNotEnabledException",
    "UserPoolTaggingException",
    "service_error",
]


class InvalidOAuthFlowException(JsonRESTError):
    """``InvalidOAuthFlowException`` (UpdateUserPoolClient / CreateUserPoolClient, cognito-api.md §3.1)."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidOAuthFlowException", message)


class FeatureUnavailableInTierException(JsonRESTError):
    """``FeatureUnavailableInTierException`` (UpdateUserPool, cognito-api.md §3 row 8)."""

    def __init__(self, message: str) -> None:
        super().__init__("FeatureUnavailableInTierException", message)


class UserPoolTaggingException(JsonRESTError):
    """``UserPoolTaggingException`` (UpdateUserPool tags, cognito-api.md §3 row 14)."""

    def __init__(self, message: str) -> None:
        super().__init__("UserPoolTaggingException", message)


class ResourceNotFoundException(JsonRESTError):
    """``ResourceNotFoundException`` (every operation of cognito-surface.md §1-§9 models it)."""

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class DuplicateProviderException(JsonRESTError):
    """``DuplicateProviderException`` (CreateIdentityProvider, cognito-surface.md §3 "Other")."""

    def __init__(self, message: str) -> None:
        super().__init__("DuplicateProviderException", message)


class UserPoolAddOnNotEnabledException(JsonRESTError):
    """``UserPoolAddOnNotEnabledException``: *"thrown when user pool add-ons aren't enabled"*
    (Describe/SetRiskConfiguration, cognito-surface.md §6)."""

    def __init__(self, message: str) -> None:
        super().__init__("UserPoolAddOnNotEnabledException", message)


class ManagedLoginBrandingExistsException(JsonRESTError):
    """``ManagedLoginBrandingExistsException``: a second style for one client (cognito-surface.md §8)."""

    def __init__(self, message: str) -> None:
        super().__init__("ManagedLoginBrandingExistsException", message)


class LimitExceededException(JsonRESTError):
    """``LimitExceededException`` (CreateManagedLoginBranding beyond 20 styles, cognito-surface.md §8)."""

    def __init__(self, message: str) -> None:
        super().__init__("LimitExceededException", message)


def service_error(error_code: str, message: str, status: int = 400) -> JsonRESTError:
    """Return an AWS JSON-1.1 error with any code and HTTP status (used by fault injection)."""
    error = JsonRESTError(error_code, message)
    error.code = status
    return error
