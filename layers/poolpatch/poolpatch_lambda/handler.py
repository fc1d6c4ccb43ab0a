"""Decorator helpers shared by the functions: environment validation first, then Powertools.

The fixed order of style.md: environment validation → ``inject_lambda_context``
→ ``log_metrics`` → ``capture_lambda_handler`` (response capture off).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from poolpatch_lambda.observability import logger

T = TypeVar("T")
Handler = Callable[[dict[str, Any], Any], Any]


class ConfigurationError(RuntimeError):
    """The function's environment is invalid: fail loudly on every invocation until fixed."""


def validate_environment(getter: Callable[[], BaseModel]) -> Callable[[Handler], Handler]:
    """Validate the environment model before anything else runs."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(event: dict[str, Any], context: Any) -> Any:
            try:
                getter()
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
                )
                logger.error("invalid function environment", extra={"problems": problems})
                raise ConfigurationError(f"invalid function environment: {problems}") from None
            return handler(event, context)

        return wrapper

    return decorate


def trace_header() -> str | None:
    """The X-Ray trace header of this invocation, for result events."""
    return os.environ.get("_X_AMZN_TRACE_ID")
