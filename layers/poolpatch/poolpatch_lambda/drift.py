"""Drift: compare desired-state documents with live targets; correct through the queue or report.

Reads go through the read-only role in every account (the stack sets
``TARGET_ROLE_NAME`` of this function to ``{TargetRoleName}-read``, a role whose
IAM allows no write), so drift cannot write even by mistake; corrections are
ordinary change requests on the change queue (the one writer path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.adapters.events import ChangeQueue
from poolpatch.engine import Engine
from poolpatch.errors import InvalidRequest, PoolpatchError, ServiceError
from poolpatch.request import load_json, parse_request
from poolpatch_lambda.observability import logger, metrics
from poolpatch_lambda.runtime import Runtime, target_engine
from poolpatch_lambda.settings import DriftSettings

DRIFT_DETAIL_TYPE = "User Pool Drift Detected"
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._:-]")


@dataclass
class DriftRuntime(Runtime[DriftSettings]):
    """The drift function's collaborators, built once per container."""

    _engine: Engine | None = None

    def engine(self) -> Engine:
        """The engine over read-only sessions (it only ever plans)."""
        if self._engine is None:
            self._engine = target_engine(self, self.settings, snapshot_bucket=self.settings.snapshot_bucket)
        return self._engine

    def queue(self) -> ChangeQueue:
        """The FIFO change queue, for corrections."""
        return ChangeQueue(self.client("sqs"), self.settings.change_queue_url)


def drift(runtime: DriftRuntime, *, now: datetime | None = None) -> dict[str, Any]:
    """Compare every desired-state document with its live target; correct through the queue or report.

    A desired-state document (``s3://{SNAPSHOT_BUCKET}/{DESIRED_STATE_PREFIX}*.json``) is a change
    request template: ``target``, ``patch`` (the desired values) and ``"correct": true|false``. Drift is
    what a plan of that patch would change. Corrections go into the change queue like any other request
    (one writer path); reports are published as ``User Pool Drift Detected`` events.
    """
    settings = runtime.settings
    now = now or datetime.now(UTC)
    s3 = runtime.client("s3")
    engine = runtime.engine()
    summary: dict[str, Any] = {"checked": 0, "drifted": 0, "corrected": 0, "errors": 0}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=settings.snapshot_bucket, Prefix=settings.desired_prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if not key.endswith(".json"):
                continue
            summary["checked"] += 1
            try:
                _drift_one(key, runtime, engine, now, summary)
            except PoolpatchError as error:
                summary["errors"] += 1
                logger.error(
                    "desired state could not be checked", extra={"key": key, "error": error.to_dict()}
                )
    metrics.add_metric(name="DriftedTargets", unit=MetricUnit.Count, value=summary["drifted"])
    return summary


def _drift_one(
    key: str, runtime: DriftRuntime, engine: Engine, now: datetime, summary: dict[str, Any]
) -> None:
    settings = runtime.settings
    try:
        body = runtime.client("s3").get_object(Bucket=settings.snapshot_bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise ServiceError(
            f"Cannot read desired state s3://{settings.snapshot_bucket}/{key}: {exc}"
        ) from None
    desired = load_json(body, what=f"desired state {key}")
    if not isinstance(desired, dict):
        raise InvalidRequest(f"Desired state {key} must be a JSON object.", path="")
    correct = desired.pop("correct", False)
    if not isinstance(correct, bool):
        raise InvalidRequest(
            f"Desired state {key}: `correct` must be true or false.",
            path="/correct",
            remedy='Write "correct": true to correct drift, or false (the default) to report it.',
        )
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    name = key.removeprefix(settings.desired_prefix).removesuffix(".json")
    base_id = "drift-" + _UNSAFE_ID.sub("-", name)
    document = {**desired, "version": "1", "mode": "plan", "requestId": f"{base_id}-{stamp}"[:128]}
    document.setdefault("reason", f"drift correction from {key}")
    document.setdefault("requestedBy", "poolpatch-drift")
    request = parse_request(document)
    result = engine.run(request)
    if result.error is not None:
        raise result.error
    if not result.changes:
        return
    summary["drifted"] += 1
    if correct:
        target = request.target.resolved(account_id=runtime.own_account, region=settings.region)
        runtime.queue().send(parse_request({**document, "mode": "apply"}), target)
        summary["corrected"] += 1
        return
    runtime.publisher().publish([result.to_dict()], detail_type=DRIFT_DETAIL_TYPE)


@cache
def runtime_for(settings: DriftSettings, own_account: str) -> DriftRuntime:
    """One runtime per container (settings are frozen and cached, so this is built once)."""
    return DriftRuntime(settings=settings, own_account=own_account)
