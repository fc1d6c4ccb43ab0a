"""The SAM stack embedded: template.yaml's resources on a moto server, driven through the real handlers.

:class:`EmbeddedStack` creates on the server what the template would (the versioned snapshot bucket,
``ChangeQueue.fifo`` with its redrive to ``ChangeDLQ.fifo``, the idempotency table, an event bus with the
request rule and a rule on ``source: poolpatch``) and plays Lambda's part: EventBridge delivers requests to
an SQS *intake tap* (moto delivers events to SQS targets; Lambda targets would need Docker), and
:meth:`EmbeddedStack.run_intake` calls ``functions/intake/app.py`` with each delivered event;
:meth:`EmbeddedStack.run_apply` polls the FIFO queue like the event source mapping (batches of 10, records
built as Lambda builds them, succeeded records deleted, ``batchItemFailures`` made visible again at once);
results arrive on a *results tap* queue.

Used by the integration tests, ``bench/pipeline.py`` and ``make run``::

    with FakeServer() as server, EmbeddedStack(server.endpoint_url).deploy() as stack:
        stack.put_request({...})
        stack.run_intake()
        stack.run_apply()
        print(stack.results())
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config

__all__ = [
    "ACCOUNT_ID",
    "MAX_RECEIVE_COUNT",
    "REGION",
    "REQUEST_DETAIL_TYPE",
    "REQUEST_SOURCE",
    "SQS_RECORD_ATTRIBUTES",
    "VISIBILITY_TIMEOUT",
    "ApplyBatch",
    "CallTap",
    "EmbeddedStack",
    "LambdaContext",
    "change_request",
    "create_drift_state_table",
    "load_handler",
    "tap",
]

#: moto's default account: the hub account the functions run in.
ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
#: template.yaml: MaxReceiveCount (attempts that ran), QueueMaxReceiveCount (the redrive backstop) and
#: ChangeQueue's VisibilityTimeout.
MAX_RECEIVE_COUNT = 5
QUEUE_MAX_RECEIVE_COUNT = 50
VISIBILITY_TIMEOUT = 720
#: template.yaml: the request rule's pattern (EventSources parameter default) and the results' source.
REQUEST_SOURCE = "poolpatch.requests"
REQUEST_DETAIL_TYPE = "User Pool Change Requested"
RESULT_SOURCE = "poolpatch"
#: Where ``functions/<name>/app.py`` live (this file is tests/poolpatch_fake/stack.py).
FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"
FUNCTION_TIMEOUT_MS = {"intake": 30_000, "apply": 120_000, "drift": 900_000}

Handler = Callable[[dict[str, Any], Any], Any]

#: The message attributes Lambda puts in an SQS event record's ``attributes``.
SQS_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "SenderId",
    "MessageDeduplicationId",
    "ApproximateFirstReceiveTimestamp",
)

_EVENT_PATHS = {
    name: f"$.{name}"
    for name in ("id", "detail-type", "source", "account", "time", "region", "resources", "detail")
}
_EVENT_TEMPLATE = (
    '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
    '"account": "<account>", "time": <time>, "region": "<region>", "resources": <resources>, '
    '"detail": <detail>}'
)


@dataclass
class LambdaContext:
    """The Lambda context object the handlers receive (as in the Powertools testing examples)."""

    function_name: str = "poolpatch-apply"
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:poolpatch-apply"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/poolpatch-apply"
    log_stream_name: str = "embedded"
    timeout_ms: int = 120_000
    #: Milliseconds left, when a test makes time run out (default: the fixed budget ``timeout_ms``).
    remaining: Callable[[], int] | None = None

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left (a fixed budget unless ``remaining`` says otherwise)."""
        return self.remaining() if self.remaining is not None else self.timeout_ms

    @classmethod
    def of(cls, function: str, *, account_id: str = ACCOUNT_ID, region: str = REGION) -> LambdaContext:
        """A fresh context (new request id) for ``poolpatch-{function}``."""
        name = f"poolpatch-{function}"
        return cls(
            function_name=name,
            invoked_function_arn=f"arn:aws:lambda:{region}:{account_id}:function:{name}",
            log_group_name=f"/aws/lambda/{name}",
            timeout_ms=FUNCTION_TIMEOUT_MS.get(function, 30_000),
        )


@cache
def load_handler(function: str, functions_dir: Path = FUNCTIONS_DIR) -> Handler:
    """``lambda_handler`` of ``functions/{function}/app.py``, imported by file path (all three are app.py)."""
    path = functions_dir / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"poolpatch_functions_{function}_app", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.lambda_handler
    return handler


def change_request(
    user_pool_id: str,
    patch: Mapping[str, Any] | None = None,
    *,
    request_id: str | None = None,
    client_id: str | None = None,
    account_id: str | None = None,
    region: str | None = None,
    mode: str = "apply",
    reason: str = "embedded stack",
) -> dict[str, Any]:
    """A change request document (design.md, "The change request (v1)")."""
    target: dict[str, str] = {"userPoolId": user_pool_id}
    for key, value in (("clientId", client_id), ("accountId", account_id), ("region", region)):
        if value:
            target[key] = value
    document: dict[str, Any] = {
        "version": "1",
        "requestId": request_id or f"req-{uuid.uuid4().hex[:12]}",
        "target": target,
        "mode": mode,
        "reason": reason,
        "requestedBy": "poolpatch_fake.stack",
    }
    if patch is not None:
        document["patch"] = dict(patch)
    return document


# --- client call taps: count calls and short-circuit them with an error or a response ----------------


@dataclass
class CallTap:
    """Counts calls of one operation on a botocore event emitter and answers some of them itself.

    ``skip`` calls pass untouched first; then the next ``times`` calls (``-1``: all) are answered with
    ``error_code``/``status`` (a ``ClientError``), or with ``response`` (HTTP 200) when given. The answer
    short-circuits the request, so botocore's retries do not consume it.
    """

    operation: str
    error_code: str | None = None
    status: int = 400
    response: Mapping[str, Any] | None = None
    times: int = 0
    skip: int = 0
    calls: int = 0
    answered: int = 0
    params: list[dict[str, Any]] = field(default_factory=list)

    def record_params(self, params: Mapping[str, Any] | None = None, **_: Any) -> None:
        """``before-parameter-build`` hook: keep each call's API parameters."""
        self.params.append(dict(params or {}))

    def __call__(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.calls += 1
        if self.calls <= self.skip or not (self.times < 0 or self.answered < self.times):
            return None
        if self.error_code is None and self.response is None:
            return None
        self.answered += 1
        if self.response is not None:
            parsed = {**self.response, "ResponseMetadata": {"HTTPStatusCode": 200}}
            return AWSResponse("https://embedded.invalid", 200, HTTPHeaders(), None), parsed
        parsed = {
            "Error": {"Code": self.error_code, "Message": f"Injected {self.error_code}"},
            "ResponseMetadata": {"HTTPStatusCode": self.status},
        }
        return AWSResponse("https://embedded.invalid", self.status, HTTPHeaders(), None), parsed


def tap(
    emitter: Any,
    service: str,
    operation: str,
    *,
    error_code: str | None = None,
    status: int = 400,
    response: Mapping[str, Any] | None = None,
    times: int = 0,
    skip: int = 0,
) -> CallTap:
    """Register a :class:`CallTap` on ``emitter`` (``client.meta.events`` or ``boto3.Session().events``).

    ``service`` is the hyphenated service id of the event names (``s3``, ``sts``, ``eventbridge``,
    ``cognito-identity-provider``). Clients copy a session's emitter when they are created, so register on
    a session before the client exists, or on the client itself.
    """
    handler = CallTap(
        operation, error_code=error_code, status=status, response=response, times=times, skip=skip
    )
    emitter.register(f"before-parameter-build.{service}.{operation}", handler.record_params)
    emitter.register(f"before-call.{service}.{operation}", handler)
    return handler


# --- the stack -------------------------------------------------------------------------------------


@dataclass
class ApplyBatch:
    """One invocation of the apply handler: the records it got and the ones it reported as failed."""

    message_ids: list[str]
    failed_ids: list[str]
    bodies: list[str]
    error: BaseException | None = None


class EmbeddedStack:
    """template.yaml's resources on a moto server, and the functions driven with what moto delivers.

    ``name`` prefixes every resource (a fresh one per stack keeps tests apart on one server). Use
    :meth:`deploy` once, then run handlers inside :meth:`environment` (the context manager form does both).
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        name: str | None = None,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
        allowed_account_ids: Sequence[str] = (),
        target_role_name: str = "poolpatch-target",
        target_role_external_id: str = "poolpatch-embedded",
        request_sources: Sequence[str] = (REQUEST_SOURCE,),
        max_receive_count: int = MAX_RECEIVE_COUNT,
        queue_max_receive_count: int = QUEUE_MAX_RECEIVE_COUNT,
        log_level: str = "INFO",
        drift_reads_per_second: float = 1000.0,
        drift_correction_limit_percent: float = 10.0,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.name = name or f"poolpatch-{uuid.uuid4().hex[:8]}"
        self.region = region
        self.account_id = account_id
        self.allowed_account_ids = tuple(allowed_account_ids) or (account_id,)
        self.target_role_name = target_role_name
        self.target_role_external_id = target_role_external_id
        self.request_sources = tuple(request_sources)
        self.max_receive_count = max_receive_count
        self.queue_max_receive_count = queue_max_receive_count
        self.log_level = log_level
        #: template.yaml's DriftReadsPerSecond is 3; the embedded default paces loosely so tests stay fast.
        self.drift_reads_per_second = drift_reads_per_second
        self.drift_correction_limit_percent = drift_correction_limit_percent
        self.drift_table = f"{self.name}-drift-state"
        self.drift_work_url = ""
        self.drift_check_url = ""
        self.bucket = f"{self.name}-snapshots"
        self.table = f"{self.name}-idempotency"
        self.event_bus_name = f"{self.name}-bus"
        self.queue_url = ""
        self.queue_arn = ""
        self.dlq_url = ""
        self.intake_tap_url = ""
        self.results_tap_url = ""
        self._clients: dict[str, Any] = {}
        self._in_flight: list[dict[str, Any]] = []
        self._env_stack: contextlib.ExitStack | None = None

    # -- clients and resources --

    def client(self, service: str) -> Any:
        """A boto3 client for the server (moto's test credentials, no retries hiding errors)."""
        if service not in self._clients:
            self._clients[service] = boto3.session.Session().client(
                service,  # type: ignore[call-overload]
                region_name=self.region,
                endpoint_url=self.endpoint_url,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=Config(retries={"mode": "standard", "max_attempts": 2}),
            )
        return self._clients[service]

    def deploy(self) -> EmbeddedStack:
        """Create the bucket, queues, table, bus, rules and taps as template.yaml would; return self."""
        s3 = self.client("s3")
        s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": self.region})
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(
            Bucket=self.bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        s3.put_public_access_block(
            Bucket=self.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        sqs = self.client("sqs")
        self.dlq_url = sqs.create_queue(
            QueueName=f"{self.name}-ChangeDLQ.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"]
        dlq_arn = self._queue_arn(self.dlq_url)
        self.queue_url = sqs.create_queue(
            QueueName=f"{self.name}-ChangeQueue.fifo",
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": "false",
                "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": self.queue_max_receive_count}
                ),
            },
        )["QueueUrl"]
        self.queue_arn = self._queue_arn(self.queue_url)
        self.intake_tap_url = sqs.create_queue(QueueName=f"{self.name}-intake-tap")["QueueUrl"]
        self.results_tap_url = sqs.create_queue(QueueName=f"{self.name}-results-tap")["QueueUrl"]
        dynamodb = self.client("dynamodb")
        dynamodb.create_table(
            TableName=self.table,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName=self.table,
            TimeToLiveSpecification={"AttributeName": "expiration", "Enabled": True},
        )
        self._deploy_drift()
        events = self.client("events")
        events.create_event_bus(Name=self.event_bus_name)
        self._rule(
            "requests",
            {"source": list(self.request_sources), "detail-type": [REQUEST_DETAIL_TYPE]},
            self.intake_tap_url,
        )
        self._rule("results", {"source": [RESULT_SOURCE]}, self.results_tap_url)
        return self

    def _deploy_drift(self) -> None:
        """DriftWorkQueue, DriftCheckQueue.fifo and DriftStateTable (the check queue's 60 s delay is left
        out here: tests send and run a check at once; the debounce is the deduplication id's window)."""
        sqs = self.client("sqs")
        self.drift_work_url = sqs.create_queue(
            QueueName=f"{self.name}-DriftWorkQueue", Attributes={"VisibilityTimeout": "960"}
        )["QueueUrl"]
        self.drift_check_url = sqs.create_queue(
            QueueName=f"{self.name}-DriftCheckQueue.fifo",
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": "false",
                "VisibilityTimeout": "960",
            },
        )["QueueUrl"]
        create_drift_state_table(self.client("dynamodb"), self.drift_table)

    def _queue_arn(self, url: str) -> str:
        attributes = self.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        return str(attributes["Attributes"]["QueueArn"])

    def _rule(self, name: str, pattern: Mapping[str, Any], queue_url: str) -> None:
        events = self.client("events")
        rule = f"{self.name}-{name}"
        events.put_rule(Name=rule, EventBusName=self.event_bus_name, EventPattern=json.dumps(pattern))
        events.put_targets(
            Rule=rule,
            EventBusName=self.event_bus_name,
            Targets=[
                {
                    "Id": "tap",
                    "Arn": self._queue_arn(queue_url),
                    # moto 5.2.5's default target input drops ``account``; spell the whole event out.
                    "InputTransformer": {"InputPathsMap": _EVENT_PATHS, "InputTemplate": _EVENT_TEMPLATE},
                }
            ],
        )

    # -- the functions' environment --

    def variables(self) -> dict[str, str]:
        """The functions' environment variables (template.yaml Globals), pointed at the server."""
        return {
            "SNAPSHOT_BUCKET": self.bucket,
            "CHANGE_QUEUE_URL": self.queue_url,
            "EVENT_BUS_NAME": self.event_bus_name,
            "IDEMPOTENCY_TABLE": self.table,
            "ALLOWED_ACCOUNT_IDS": ",".join(self.allowed_account_ids),
            "TARGET_ROLE_NAME": self.target_role_name,
            "TARGET_ROLE_EXTERNAL_ID": self.target_role_external_id,
            "MAX_RECEIVE_COUNT": str(self.max_receive_count),
            "QUEUE_MAX_RECEIVE_COUNT": str(self.queue_max_receive_count),
            "CHANGE_DLQ_URL": self.dlq_url,
            "EVENT_SOURCES": ",".join(self.request_sources),
            "DRIFT_WORK_QUEUE_URL": self.drift_work_url,
            "DRIFT_CHECK_QUEUE_URL": self.drift_check_url,
            "DRIFT_STATE_TABLE": self.drift_table,
            "DRIFT_READS_PER_SECOND": str(self.drift_reads_per_second),
            "DRIFT_CORRECTION_LIMIT_PERCENT": str(self.drift_correction_limit_percent),
            "DRIFT_CORRECTION": "enabled",
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_SERVICE_NAME": "poolpatch",
            "POWERTOOLS_METRICS_NAMESPACE": "Poolpatch",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_LOG_LEVEL": self.log_level,
        }

    @contextlib.contextmanager
    def environment(self, **overrides: str | None) -> Iterator[dict[str, str]]:
        """Set the functions' environment (``None`` in ``overrides`` unsets a variable) for the block.

        The settings and runtime caches are cleared on entry and exit, so each block starts like a new
        Lambda container; the previous environment is restored afterwards.
        """
        wanted: dict[str, str | None] = {**self.variables(), "AWS_SESSION_TOKEN": None, "AWS_PROFILE": None}
        wanted.update(overrides)
        saved = {key: os.environ.get(key) for key in wanted}
        _set_env(wanted)
        from poolpatch_lambda import settings

        settings.clear()
        clear_runtimes()
        _refresh_powertools()
        try:
            yield {key: value for key, value in wanted.items() if value is not None}
        finally:
            _set_env(saved)
            settings.clear()
            clear_runtimes()

    def runtime(self, function: str = "apply") -> Any:
        """The function's cached runtime (its handler uses it too); inside :meth:`environment`."""
        from poolpatch_lambda import apply, drift, intake, settings

        factories: dict[str, tuple[Callable[[], Any], Callable[[Any, str], Any]]] = {
            "intake": (settings.intake_settings, intake.runtime_for),
            "apply": (settings.apply_settings, apply.runtime_for),
            "drift": (settings.drift_settings, drift.runtime_for),
        }
        getter, factory = factories[function]
        return factory(getter(), self.account_id)

    def __enter__(self) -> EmbeddedStack:
        if not self.queue_url:
            self.deploy()
        self._env_stack = contextlib.ExitStack()
        self._env_stack.enter_context(self.environment())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._env_stack is not None:
            self._env_stack.close()
            self._env_stack = None

    # -- producers --

    def put_request(
        self,
        detail: Mapping[str, Any],
        *,
        source: str = REQUEST_SOURCE,
        detail_type: str = REQUEST_DETAIL_TYPE,
    ) -> str:
        """Put a change request on the bus (``events:PutEvents``); returns the event id."""
        response = self.client("events").put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": self.event_bus_name,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents failed: {response['Entries']}")
        return str(response["Entries"][0]["EventId"])

    def send_to_queue(
        self, body: str | Mapping[str, Any], *, group_id: str, deduplication_id: str | None = None
    ) -> str:
        """A producer sending straight to the FIFO queue; returns the message id."""
        text = body if isinstance(body, str) else json.dumps(body)
        response = self.client("sqs").send_message(
            QueueUrl=self.queue_url,
            MessageBody=text,
            MessageGroupId=group_id,
            MessageDeduplicationId=deduplication_id or uuid.uuid4().hex,
        )
        return str(response["MessageId"])

    def group_id(self, user_pool_id: str, *, account_id: str | None = None, region: str | None = None) -> str:
        """The message group of a pool: ``{account}/{region}/{pool}``."""
        return f"{account_id or self.account_id}/{region or self.region}/{user_pool_id}"

    # -- the functions, driven like Lambda drives them --

    def run_intake(self) -> list[Any]:
        """Call the intake handler with every event the request rule delivered; return its outputs."""
        handler = load_handler("intake")
        outputs = []
        for message in self._drain(self.intake_tap_url):
            event = json.loads(message["Body"])
            outputs.append(handler(event, LambdaContext.of("intake", account_id=self.account_id)))
        return outputs

    def invoke_intake(self, document: Mapping[str, Any]) -> Any:
        """A direct (synchronous) invocation of the intake function with a bare change request."""
        return load_handler("intake")(dict(document), LambdaContext.of("intake", account_id=self.account_id))

    def run_apply(
        self, *, max_batches: int = 1000, batch_size: int = 10, lose_deletes: bool = False
    ) -> list[ApplyBatch]:
        """Poll the FIFO queue like the event source mapping until it is empty (or ``max_batches``).

        Each batch is built as Lambda builds an SQS event; succeeded records are deleted, the
        ``batchItemFailures`` (or the whole batch, if the handler raised) are made visible again at once.
        ``lose_deletes`` keeps succeeded records too (a function that timed out after its work).
        """
        handler = load_handler("apply")
        sqs = self.client("sqs")
        batches: list[ApplyBatch] = []
        for _ in range(max_batches):
            messages = sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=batch_size,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                break
            self._in_flight = messages
            event = {"Records": [self._record(message) for message in messages]}
            ids = [message["MessageId"] for message in messages]
            batch = ApplyBatch(ids, [], [message["Body"] for message in messages])
            try:
                response = handler(event, LambdaContext.of("apply", account_id=self.account_id))
                batch.failed_ids = [item["itemIdentifier"] for item in response.get("batchItemFailures", [])]
            except Exception as exc:  # Lambda retries the whole batch
                batch.error = exc
                batch.failed_ids = list(ids)
            batches.append(batch)
            failed = set(batch.failed_ids)
            done = [m for m in messages if m["MessageId"] not in failed and not lose_deletes]
            again = [m for m in messages if m["MessageId"] in failed or lose_deletes]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            if again:
                sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                        for i, m in enumerate(again)
                    ],
                )
            if lose_deletes:
                break
        return batches

    def release_in_flight(self) -> None:
        """Make the last batch's messages visible again (their visibility timeout ran out: after a crash)."""
        if self._in_flight:
            self.client("sqs").change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(self._in_flight)
                ],
            )
            self._in_flight = []

    def _record(self, message: Mapping[str, Any], *, queue_arn: str | None = None) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        keep = SQS_RECORD_ATTRIBUTES
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {key: str(attributes[key]) for key in keep if key in attributes},
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value.get("DataType", "String"),
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn or self.queue_arn,
            "awsRegion": self.region,
        }

    def run_drift(self) -> Any:
        """Invoke the drift function as its schedule would: a sweep starts (its units wait in the queue)."""
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.account_id,
            "time": "2025-06-03T00:00:00Z",
            "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:{self.account_id}:rule/{self.name}-drift"],
            "detail": {},
        }
        return self.invoke_drift(event)

    def invoke_drift(self, event: Mapping[str, Any], *, remaining: Callable[[], int] | None = None) -> Any:
        """One invocation of the drift function with ``event``."""
        context = LambdaContext.of("drift", account_id=self.account_id)
        context.remaining = remaining
        return load_handler("drift")(dict(event), context)

    def run_drift_work(
        self,
        *,
        remaining: Callable[[], int] | None = None,
        max_invocations: int = 10_000,
        budget: Callable[[], Callable[[], int]] | None = None,
    ) -> list[Any]:
        """Play the drift queues' event source mappings (batch size 1) until both are empty.

        Each record is handed to the function as Lambda would; a success deletes it, a reported failure
        leaves it invisible for the retry delay the function set. ``remaining`` makes time run out;
        ``budget`` makes a new ``remaining`` for each invocation (each one starts with its own time).
        """
        sqs = self.client("sqs")
        arns = {url: self._queue_arn(url) for url in (self.drift_check_url, self.drift_work_url)}
        responses: list[Any] = []
        for _ in range(max_invocations):
            for url in (self.drift_check_url, self.drift_work_url):
                messages = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=1,
                    MessageSystemAttributeNames=["All"],
                    WaitTimeSeconds=0,
                ).get("Messages", [])
                if messages:
                    break
            else:
                return responses
            message = messages[0]
            record = self._record(message, queue_arn=arns[url])
            response = self.invoke_drift(
                {"Records": [record]}, remaining=budget() if budget is not None else remaining
            )
            responses.append(response)
            if not response.get("batchItemFailures"):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            # A failed record stays where the function left it: invisible for its retry delay.
        return responses

    def drift_sweep(self, *, remaining: Callable[[], int] | None = None) -> str:
        """A whole scheduled sweep: start it, run every unit; returns the sweep id."""
        started = self.run_drift()
        self.run_drift_work(remaining=remaining)
        return str(started["sweepId"])

    def put_desired(self, key: str, document: Any) -> None:
        """Store a desired-state document at ``desired/{key}`` (a dict is written as JSON)."""
        body = document if isinstance(document, str | bytes) else json.dumps(document)
        self.client("s3").put_object(Bucket=self.bucket, Key=f"desired/{key}", Body=body)

    def drift_report(self, sweep_id: str) -> dict[str, Any]:
        """``report.json``, ``targets.jsonl`` (as ``targets``) and ``summary.md`` (as ``summary``)."""
        s3 = self.client("s3")

        def read(name: str) -> str:
            key = f"drift-reports/{sweep_id}/{name}"
            return str(s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode())

        report: dict[str, Any] = json.loads(read("report.json"))
        report["targets"] = [json.loads(line) for line in read("targets.jsonl").splitlines()]
        report["summary"] = read("summary.md")
        return report

    # -- what came out --

    def results(self) -> list[dict[str, Any]]:
        """Drain the results tap: the EventBridge events (``source: poolpatch``) published since last time."""
        return [json.loads(message["Body"]) for message in self._drain(self.results_tap_url)]

    def dlq_messages(self) -> list[dict[str, Any]]:
        """The messages in the DLQ (``Body``, ``Attributes``...), left there."""
        sqs = self.client("sqs")
        found: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(
                QueueUrl=self.dlq_url,
                MaxNumberOfMessages=10,
                MessageSystemAttributeNames=["All"],
                VisibilityTimeout=60,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                break
            found.extend(messages)
        if found:
            sqs.change_message_visibility_batch(
                QueueUrl=self.dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(found)
                ],
            )
        return found

    def queue_depth(self) -> int:
        """Messages in the FIFO queue, visible or in flight."""
        attributes = self.client("sqs").get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def snapshot(self, reference: str) -> dict[str, Any]:
        """Read a snapshot by its ``s3://bucket/key`` reference."""
        bucket, _, key = reference.removeprefix("s3://").partition("/")
        body = self.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        document: dict[str, Any] = json.loads(body)
        return document

    def snapshot_keys(self, prefix: str = "snapshots/") -> list[str]:
        """Every key below ``prefix`` in the snapshot bucket."""
        paginator = self.client("s3").get_paginator("list_objects_v2")
        return [
            item["Key"]
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        ]

    def idempotency_records(self) -> list[dict[str, Any]]:
        """Every item of the idempotency table."""
        paginator = self.client("dynamodb").get_paginator("scan")
        return [item for page in paginator.paginate(TableName=self.table) for item in page.get("Items", [])]

    def _drain(self, queue_url: str) -> list[dict[str, Any]]:
        sqs = self.client("sqs")
        drained: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=30
            ).get("Messages", [])
            if not messages:
                return drained
            drained.extend(messages)
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )


def create_drift_state_table(dynamodb: Any, name: str) -> None:
    """template.yaml's DriftStateTable: keys ``pk`` and ``sk``, on demand."""
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
    )


def clear_runtimes() -> None:
    """Forget every function's cached runtime: the next invocation starts like a new container."""
    from poolpatch_lambda import apply, drift, intake

    for module in (intake, apply, drift):
        module.runtime_for.cache_clear()


def _refresh_powertools() -> None:
    """Apply ``POWERTOOLS_*`` to the functions' Logger and Metrics, which read them once, at import.

    In Lambda the environment exists before the import; in one test process the module may have been
    imported earlier (by another test) with no namespace, and every ``log_metrics`` flush would then fail.
    """
    from poolpatch_lambda.observability import logger, metrics

    provider: Any = metrics.provider
    provider.namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or provider.namespace
    provider.service = os.environ.get("POWERTOOLS_SERVICE_NAME") or provider.service
    logger.setLevel(os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO").upper())


def _set_env(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
