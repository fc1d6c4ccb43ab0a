"""Intake: validate change requests at the edge and enqueue them per pool, or reject them with a result.

Accepted: an EventBridge event with ``detail-type: User Pool Change Requested``
from one of ``EVENT_SOURCES``, sent by the own account or an allowed one; or a
bare change request by direct invocation (``lambda:InvokeFunction`` is the
authorisation there). Anything else (another source or detail-type, a foreign
account, a malformed envelope or request) ends as a ``rejected`` result event:
never a traceback, never a queued message.

The checks here need no Cognito call: the envelope, the request's shape and
ids, the allow-list, the patch against the service model (unknown, read-only,
immutable members, invalid values), and a restore reference's scope (the
snapshot bucket and the target's own prefix: ``snapshots/...`` for a snapshot,
the pool's ``bundles/...`` for a bundle). Everything else is decided by
apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import ValidationError

from poolpatch.adapters.events import ChangeQueue
from poolpatch.adapters.session import check_allowed
from poolpatch.adapters.snapshots import scoped_bundle_key, scoped_key
from poolpatch.errors import AccessDenied, InvalidRequest, PoolpatchError
from poolpatch.model import check_document
from poolpatch.request import ACCOUNT_ID, parse_request
from poolpatch_lambda.observability import logger, metrics
from poolpatch_lambda.runtime import Runtime, rejection, safe_request_id
from poolpatch_lambda.settings import IntakeSettings

REQUEST_DETAIL_TYPE = "User Pool Change Requested"

IntakeRuntime = Runtime[IntakeSettings]


def handle(event: Any, *, invocation_id: str, runtime: IntakeRuntime) -> dict[str, Any]:
    """One invocation: an EventBridge event (``detail-type`` present) or a bare change request."""
    if isinstance(event, Mapping) and "detail-type" in event:
        try:
            envelope = EventBridgeModel.model_validate(event)
        except ValidationError as exc:
            fields = sorted({str(error["loc"][0]) for error in exc.errors() if error.get("loc")})
            error = InvalidRequest(
                f"The event is not a valid EventBridge event (invalid: {', '.join(fields) or 'envelope'}).",
                path="",
                remedy='Send the change request as the "detail" of an EventBridge event, or invoke directly.',
            )
            return _reject(error, safe_request_id(event.get("detail"), invocation_id), None, runtime)
        detail = envelope.detail
        request_id = safe_request_id(detail, envelope.id)
        target = detail.get("target") if isinstance(detail, Mapping) else None
        refusal = _refuse_envelope(envelope, runtime)
        if refusal is not None:
            return _reject(refusal, request_id, target, runtime)
        return intake(detail, default_request_id=envelope.id, runtime=runtime)
    return intake(event, default_request_id=invocation_id, runtime=runtime)


def _refuse_envelope(envelope: EventBridgeModel, runtime: IntakeRuntime) -> PoolpatchError | None:
    sources = runtime.settings.sources
    if envelope.source not in sources:
        return AccessDenied(
            "The event's source is not an accepted request source.",
            path="",
            remedy=f"Producers send with source {' or '.join(sorted(sources))} (EVENT_SOURCES).",
        )
    if envelope.detail_type != REQUEST_DETAIL_TYPE:
        return InvalidRequest(
            "The event's detail-type is not a change request.",
            path="",
            remedy=f'Send detail-type "{REQUEST_DETAIL_TYPE}".',
        )
    if envelope.account not in runtime.allowed() | {runtime.own_account}:
        shown = envelope.account if ACCOUNT_ID.fullmatch(envelope.account) else "(invalid)"
        return AccessDenied(
            f"Events from account {shown} are not accepted.",
            path="",
            remedy="Send from the poolpatch account or an account in ALLOWED_ACCOUNT_IDS.",
        )
    return None


def intake(document: Any, *, default_request_id: str, runtime: IntakeRuntime) -> dict[str, Any]:
    """Validate one change request; enqueue it, or publish ``rejected`` when it can never succeed."""
    logger.remove_keys(["request_id", "user_pool_id"])  # keys of the previous invocation
    logger.set_correlation_id(safe_request_id(document, default_request_id))
    try:
        request = parse_request(document, default_request_id=default_request_id)
    except PoolpatchError as error:
        target = document.get("target") if isinstance(document, Mapping) else None
        return _reject(error, safe_request_id(document, default_request_id), target, runtime)
    target = request.target.resolved(account_id=runtime.own_account, region=runtime.settings.region)
    logger.append_keys(request_id=request.request_id, user_pool_id=target.user_pool_id)
    try:
        check_allowed(target, own_account=runtime.own_account, allowed=runtime.settings.allowed_accounts)
        if request.patch:
            problems = check_document(target.kind, request.patch, partial=True)
            if problems:
                raise problems[0]
        if request.restore is not None:
            scoped_key(request.restore, bucket=runtime.settings.snapshot_bucket, target=target)
        if request.restore_bundle is not None:
            scoped_bundle_key(request.restore_bundle, bucket=runtime.settings.snapshot_bucket, target=target)
    except PoolpatchError as error:
        return _reject(error, request.request_id, target.to_dict(), runtime)
    message_id = _queue(runtime).send(request, target)
    logger.info("request enqueued", extra={"message_id": message_id, "group_id": target.group_id})
    metrics.add_metric(name="RequestsEnqueued", unit=MetricUnit.Count, value=1)
    return {
        "status": "queued",
        "requestId": request.request_id,
        "messageId": message_id,
        "target": target.to_dict(),
    }


def _queue(runtime: IntakeRuntime) -> ChangeQueue:
    return ChangeQueue(runtime.client("sqs"), runtime.settings.change_queue_url)


def _reject(error: PoolpatchError, request_id: str, target: Any, runtime: IntakeRuntime) -> dict[str, Any]:
    document = rejection(error, request_id, target)
    runtime.publish([document])
    return document


@cache
def runtime_for(settings: IntakeSettings, own_account: str) -> IntakeRuntime:
    """One runtime per container (settings are frozen and cached, so this is built once)."""
    return Runtime(settings=settings, own_account=own_account)
