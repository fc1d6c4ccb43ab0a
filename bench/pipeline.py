"""What the apply pipeline adds per request over the engine alone: AWS calls, CPU and wall time.

The same change requests (same patches, on twin pools) run two ways against one moto server with the
Cognito fake, interleaved batch by batch, alternating which side goes first, so that both see the same
machine and server state. By default (``--server process``) the server is a separate process
(``python -m poolpatch_fake.server`` on 127.0.0.1, started and always stopped by this script), so this
process's CPU is the handler's (or the engine's) alone; ``--server thread`` runs it in this process
(``poolpatch_fake.server.FakeServer``), the older mode, for moto's CPU by operation.

- **engine alone**: ``Engine.run`` with a Boto3 Cognito port and the S3 snapshot store (what the CLI does);
- **apply function**: sent to ``ChangeQueue.fifo`` and processed by ``functions/apply/app.py`` in full
  batches of 10 records for 10 different pools, as the event source mapping delivers them
  (``poolpatch_fake.stack.EmbeddedStack.run_apply``): target role assumed, idempotency record in
  DynamoDB, one ``PutEvents`` for the batch's results.

Printed per request, after warm-up batches (the cold container's calls are shown on their own):

(a) **AWS calls**: HTTP requests counted by a botocore ``before-send`` handler registered on every client
    created during the run (``ClientCreator.create_client`` is wrapped, so the function's runtime
    session, its assumed-role sessions' clients and the engine's own clients are all seen), by service and
    operation, engine alone against the function, and what the function adds. The event source mapping's
    own calls (ReceiveMessage, DeleteMessageBatch: Lambda's work, played by the harness) are shown apart.
(b) **CPU**: ``time.process_time()`` deltas of this process around each ``Engine.run`` and around each
    handler invocation, per request (all of this process's threads: the engine's snapshot-writer thread
    too); the overhead is function minus engine. ``time.thread_time()`` of the calling thread is printed
    beside it. With ``--server process`` moto's work is in the other process and not counted; its CPU
    during the same blocks (``/proc/<pid>/stat``, clock-tick resolution, Linux) is printed for
    information. With ``--server thread`` moto serves in this process (one thread per request), so
    process CPU includes the server's work, and the overhead also includes moto's emulation of the calls
    only the function makes (DynamoDB, EventBridge): moto's CPU by operation is printed to separate it.
(c) **Wall time** per request both ways (the function's invocation divided by its records), and the
    function's throughput.

Targets (PASS/FAIL): at most 2 idempotency writes (PutItem/UpdateItem/DeleteItem on the idempotency
table) per request, at most 0.1 PutEvents per request, CPU overhead (process CPU of this process, over
the engine alone) at most 10 ms per request. Exit status 0 either way.
Run: ``.venv/bin/python bench/pipeline.py [--requests N] [--warmup B] [--server process|thread]``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import boto3
import botocore.client

import poolpatch
import poolpatch_fake
from poolpatch.adapters.cognito import Boto3Cognito, client_config
from poolpatch.adapters.snapshots import S3SnapshotStore
from poolpatch.engine import Engine, fixed
from poolpatch.request import parse_request
from poolpatch_fake import seed
from poolpatch_fake import stack as stack_module
from poolpatch_fake.stack import ACCOUNT_ID, REGION, EmbeddedStack, change_request

BATCH = 10
POOLS = 10
MAX_IDEMPOTENCY_WRITES = 2
MAX_PUT_EVENTS = 0.1
MAX_CPU_OVERHEAD_MS = 10.0
#: DynamoDB operations that write an item.
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
#: The event source mapping's own SQS calls (Lambda's poller, not the function).
SERVER_ESM_OPERATIONS = frozenset({"ReceiveMessage", "DeleteMessageBatch"})
#: How long the server process may take to print its endpoint, and its own stop-by bound (a backstop
#: should this script die without stopping it).
SERVER_START_TIMEOUT = 30.0
SERVER_MAX_SECONDS = 3600.0
SERVER_STOP_TIMEOUT = 10.0

Key = tuple[str, str, str]  # (side, service, operation)


class RequestCounter:
    """HTTP requests sent by every botocore client created while installed, by side, service and operation.

    ``side`` is the phase the request was sent in (``engine`` or ``function``; nothing is counted outside a
    phase). Requests from the harness's clients during the function's phase are the event source
    mapping's (``esm``): the harness plays Lambda's poller.
    """

    def __init__(self) -> None:
        self.counts: Counter[Key] = Counter()
        self.idempotency_writes: Counter[str] = Counter()
        self.phase: str | None = None
        self.table = ""
        self._harness: set[int] = set()

    @contextlib.contextmanager
    def installed(self) -> Iterator[RequestCounter]:
        """Register on every client created inside the block."""
        original = botocore.client.ClientCreator.create_client
        counter = self

        @functools.wraps(original)
        def create_client(creator: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(creator, *args, **kwargs)
            counter.watch(client)
            return client

        botocore.client.ClientCreator.create_client = create_client  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            botocore.client.ClientCreator.create_client = original  # type: ignore[method-assign]

    def watch(self, client: Any) -> None:
        """Count the client's HTTP requests (``before-send`` fires once per attempt actually sent)."""
        service = client.meta.service_model.service_name
        identity = id(client)

        def sent(event_name: str = "", request: Any = None, **_: Any) -> None:
            if self.phase is None:
                return
            operation = event_name.rsplit(".", 1)[-1]
            side = "esm" if identity in self._harness and self.phase == "function" else self.phase
            self.counts[side, service, operation] += 1
            if service == "dynamodb" and operation in DYNAMODB_WRITES and self._table(request) == self.table:
                self.idempotency_writes[side] += 1

        client.meta.events.register("before-send", sent)

    def harness(self, client: Any) -> None:
        """Mark a client as the harness's (producer, event source mapping, results tap)."""
        self._harness.add(id(client))

    @contextlib.contextmanager
    def counting(self, phase: str) -> Iterator[None]:
        """Count requests as ``phase`` inside the block."""
        self.phase = phase
        try:
            yield
        finally:
            self.phase = None

    @staticmethod
    def _table(request: Any) -> str:
        try:
            return str(json.loads(request.body or b"{}").get("TableName", ""))
        except (ValueError, AttributeError, TypeError):
            return ""

    def take(self) -> tuple[Counter[Key], Counter[str]]:
        """The counts so far, and start again from zero."""
        taken = self.counts, self.idempotency_writes
        self.counts, self.idempotency_writes = Counter(), Counter()
        return taken


class ServerMeter:
    """moto's server CPU (``time.thread_time`` of its request threads) by side and operation.

    Wraps moto's WSGI application (``DomainDispatcherApplication.__call__``, moto 5.x) while installed;
    the side is the :class:`RequestCounter`'s phase when the request arrives (the client waits for it).
    """

    def __init__(self, counter: RequestCounter) -> None:
        self.counter = counter
        self.cpu: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.available = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[ServerMeter]:
        """Measure inside the block (nothing, if moto's application class is not where it was)."""
        try:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication
        except ImportError:  # pragma: no cover - another moto layout: the figures are only not split
            yield self
            return
        original = DomainDispatcherApplication.__call__
        meter = self

        @functools.wraps(original)
        def call(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
            side = meter.counter.phase
            started = time.thread_time()
            try:
                return original(app, environ, start_response)
            finally:
                if side is not None:
                    operation = meter.operation(environ)
                    if side == "function" and operation in SERVER_ESM_OPERATIONS:
                        side = "esm"
                    meter.cpu[side, operation] += time.thread_time() - started

        DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign,assignment]
        self.available = True
        try:
            yield self
        finally:
            DomainDispatcherApplication.__call__ = original  # type: ignore[method-assign]

    @staticmethod
    def operation(environ: dict[str, Any]) -> str:
        """``PutItem``... from X-Amz-Target (JSON protocols), else the method (S3: PUT is PutObject)."""
        target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
        if target:
            return target.rsplit(".", 1)[-1]
        method = str(environ.get("REQUEST_METHOD", ""))
        return "PutObject" if method == "PUT" else f"{method} (other)"

    def take(self) -> dict[tuple[str, str], float]:
        """The figures so far (seconds), and start again from zero."""
        taken, self.cpu = dict(self.cpu), defaultdict(float)
        return taken


class ServerProcess:
    """``python -m poolpatch_fake.server`` as a child process on 127.0.0.1 (a free port: ``--port 0``).

    ``start()`` waits at most ``SERVER_START_TIMEOUT`` for the endpoint URL on its first line; ``stop()``
    (also on leaving the ``with`` block, whatever happened) sends SIGTERM, waits, and kills it if needed.
    """

    def __init__(self) -> None:
        self.endpoint_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._clock_ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def start(self) -> ServerProcess:
        """Start the server and read its endpoint URL; return self."""
        # The child finds poolpatch_fake (tests/) and poolpatch (layers/poolpatch/) where this process did.
        roots = [
            str(Path(module.__file__ or "").resolve().parents[1]) for module in (poolpatch_fake, poolpatch)
        ]
        pythonpath = os.pathsep.join([*dict.fromkeys(roots), *filter(None, [os.environ.get("PYTHONPATH")])])
        command = [sys.executable, "-m", "poolpatch_fake.server", "--port", "0"]
        command += ["--max-seconds", f"{SERVER_MAX_SECONDS:g}"]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,  # its first line only; its stderr is this script's
            env={**os.environ, "PYTHONPATH": pythonpath},
        )
        try:
            line = self._first_line(self._process)
            if not line.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"the moto server process printed {line!r}, not its endpoint URL")
        except BaseException:
            self.stop()
            raise
        self.endpoint_url = line
        return self

    def _first_line(self, process: subprocess.Popen[bytes]) -> str:
        assert process.stdout is not None
        descriptor = process.stdout.fileno()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        received = b""
        while b"\n" not in received:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(
                    f"the moto server process printed no endpoint within {SERVER_START_TIMEOUT:g} s"
                )
            ready, _, _ = select.select([descriptor], [], [], remaining)
            if ready:
                chunk = os.read(descriptor, 4096)
                if not chunk:
                    process.wait(timeout=SERVER_STOP_TIMEOUT)
                    raise RuntimeError(
                        f"the moto server process exited ({process.returncode}) before printing its endpoint"
                        " (its stderr is above)"
                    )
                received += chunk
        return received.split(b"\n", 1)[0].decode().strip()

    def cpu_seconds(self) -> float | None:
        """The server process's CPU so far (user + system, all its threads; Linux ``/proc``), else None."""
        if self._process is None:
            return None
        try:
            with open(f"/proc/{self._process.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return None
        # After the command name: state is fields[0], utime and stime are stat's 14th and 15th fields.
        return (int(fields[11]) + int(fields[12])) / self._clock_ticks

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after ``SERVER_STOP_TIMEOUT``); idempotent."""
        process, self._process = self._process, None
        if process is not None:
            try:
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(timeout=SERVER_STOP_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=SERVER_STOP_TIMEOUT)
            finally:
                if process.stdout is not None:
                    process.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass
class Usage:
    """Resources used by one side: wall, process CPU and the calling thread's CPU, in seconds; and the
    server process's CPU during the same blocks when ``server_cpu`` can read it (``--server process``)."""

    server_cpu: Callable[[], float | None] | None = None
    wall: list[float] = field(default_factory=list)  # per request
    process: float = 0.0
    thread: float = 0.0
    server: float | None = None
    requests: int = 0

    @contextlib.contextmanager
    def measure(self, requests: int) -> Iterator[None]:
        """Add the block's usage, spread over ``requests`` requests."""
        # The server's CPU is read outside the timed span, so reading it costs this process nothing counted.
        server = self.server_cpu() if self.server_cpu is not None else None
        wall, process, thread = time.perf_counter(), time.process_time(), time.thread_time()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - wall
            self.process += time.process_time() - process
            self.thread += time.thread_time() - thread
            after = self.server_cpu() if self.server_cpu is not None else None
            if server is not None and after is not None:
                self.server = (self.server or 0.0) + after - server
            self.wall.extend([elapsed / requests] * requests)
            self.requests += requests

    def per_request_ms(self, seconds: float) -> float:
        """Milliseconds per request."""
        return seconds / max(1, self.requests) * 1000


@dataclass
class Figures:
    """Everything measured, per side."""

    requests: int
    warmup_requests: int
    batches: list[int]
    engine: Usage
    function: Usage
    calls: Counter[Key]
    warmup_calls: Counter[Key]
    idempotency_writes: Counter[str]
    server: str  # "process" or "thread"
    server_cpu: dict[tuple[str, str], float] | None  # moto's CPU by side and operation (thread mode)
    pipeline_seconds: float


def _patch(sequence: int) -> dict[str, Any]:
    return {
        "Policies": {"PasswordPolicy": {"MinimumLength": 8 + sequence % 90}},
        "UserPoolTags": {"seq": str(sequence)},
    }


@contextlib.contextmanager
def _timed_handler(usage: list[Usage | None], batches: list[int]) -> Iterator[None]:
    """Measure only the apply handler's invocations inside ``run_apply`` (not the harness's polling)."""
    original = stack_module.load_handler

    def load(function: str, *args: Any) -> Any:
        handler = original(function, *args)
        if function != "apply":
            return handler

        def timed(event: dict[str, Any], context: Any) -> Any:
            records = len(event.get("Records", []))
            batches.append(records)
            target = usage[0]
            if target is None:
                return handler(event, context)
            with target.measure(records):
                return handler(event, context)

        return timed

    stack_module.load_handler = load  # type: ignore[assignment]
    try:
        yield
    finally:
        stack_module.load_handler = original


@contextlib.contextmanager
def _quiet_function() -> Iterator[None]:
    """The function's log and metric (EMF) lines are still written, as in Lambda, but to /dev/null."""
    from poolpatch_lambda.observability import logger

    handler: Any = logger.registered_handler
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        previous = handler.setStream(sink) if hasattr(handler, "setStream") else None
        try:
            yield
        finally:
            if previous is not None:
                handler.setStream(previous)


class Bench:
    """The stack, the twin pools, the engine alone, and the meters."""

    def __init__(
        self,
        endpoint_url: str,
        stack: EmbeddedStack,
        counter: RequestCounter,
        server_cpu: Callable[[], float | None] | None = None,
    ) -> None:
        self.stack = stack
        self.counter = counter
        counter.table = stack.table
        for service in ("sqs", "s3", "dynamodb", "events", "cognito-idp", "sts"):
            counter.harness(stack.client(service))
        cognito = stack.client("cognito-idp")
        self.engine_pools = [seed.realistic_pool(cognito)[0] for _ in range(POOLS)]
        self.function_pools = [seed.realistic_pool(cognito)[0] for _ in range(POOLS)]

        # The engine alone gets its own clients, configured as the function's are.
        def client(service: str) -> Any:
            return boto3.client(
                service,  # type: ignore[call-overload]
                region_name=REGION,
                endpoint_url=endpoint_url,
                config=client_config(),
            )

        self.engine = Engine(
            fixed(Boto3Cognito(client("cognito-idp"))),
            S3SnapshotStore(client("s3"), stack.bucket),
            account_id=ACCOUNT_ID,
            region=REGION,
        )
        self.engine_usage = Usage(server_cpu)
        self.function_usage = Usage(server_cpu)
        self.current: list[Usage | None] = [None]
        self.batches: list[int] = []

    def engine_side(self, numbers: list[int], measured: bool) -> None:
        """The requests through ``Engine.run``, one at a time."""
        with self.counter.counting("engine"):
            for number in numbers:
                pool_id = self.engine_pools[number % POOLS]
                request = parse_request(change_request(pool_id, _patch(number), request_id=f"e-{number}"))
                with self.engine_usage.measure(1) if measured else contextlib.nullcontext():
                    result = self.engine.run(request)
                if result.status != "applied":
                    raise RuntimeError(f"engine run ended {result.status}: {result.to_dict()}")

    def function_side(self, numbers: list[int], measured: bool) -> float:
        """The requests through the queue and the apply handler; returns run_apply's wall time."""
        for number in numbers:
            pool_id = self.function_pools[number % POOLS]
            document = change_request(pool_id, _patch(number), request_id=f"p-{number}")
            self.stack.send_to_queue(
                document, group_id=self.stack.group_id(pool_id), deduplication_id=f"p-{number}"
            )
        self.current[0] = self.function_usage if measured else None
        started = time.perf_counter()
        with self.counter.counting("function"):
            outcome = self.stack.run_apply()
        elapsed = time.perf_counter() - started
        self.current[0] = None
        processed = sum(len(batch.message_ids) for batch in outcome)
        failures = [(b.failed_ids, b.error) for b in outcome if b.failed_ids or b.error]
        if processed != len(numbers) or failures:
            raise RuntimeError(f"{processed} of {len(numbers)} processed; failures: {failures}")
        return elapsed


@contextlib.contextmanager
def _moto_server(mode: str, meter: ServerMeter) -> Iterator[tuple[str, Callable[[], float | None] | None]]:
    """The endpoint URL of a moto server with the Cognito fake, and a reader of its CPU (process mode)."""
    if mode == "thread":
        from poolpatch_fake.server import FakeServer

        with meter.installed(), FakeServer() as in_process:
            yield in_process.endpoint_url, None
    else:
        with ServerProcess() as child:
            yield child.endpoint_url, child.cpu_seconds


def run(requests: int, warmup_batches: int, log_level: str, server_mode: str = "process") -> Figures:
    """Run the side-by-side measurement and return the figures."""
    counter = RequestCounter()
    meter = ServerMeter(counter)
    with (
        counter.installed(),
        _moto_server(server_mode, meter) as (endpoint_url, server_cpu),
        EmbeddedStack(endpoint_url, log_level=log_level).deploy() as stack,
    ):
        bench = Bench(endpoint_url, stack, counter, server_cpu)
        total = requests + warmup_batches * BATCH
        pipeline_seconds = 0.0
        warmup_calls: Counter[Key] = Counter()
        with _timed_handler(bench.current, bench.batches), _quiet_function():
            for round_, start in enumerate(range(0, total, BATCH)):
                if round_ == warmup_batches:  # the warm-up's calls are the cold container's: kept apart
                    warmup_calls = counter.take()[0]
                    meter.take()
                numbers = list(range(start, min(total, start + BATCH)))
                measured = round_ >= warmup_batches
                if round_ % 2 == 0:  # alternate which side goes first
                    bench.engine_side(numbers, measured)
                    elapsed = bench.function_side(numbers, measured)
                else:
                    elapsed = bench.function_side(numbers, measured)
                    bench.engine_side(numbers, measured)
                if measured:
                    pipeline_seconds += elapsed
        results = stack.results()
        applied = sum(1 for event in results if event["detail"]["status"] == "applied")
        if applied != total:
            raise RuntimeError(f"{applied} of {total} results are applied")
    calls, writes = counter.take()
    return Figures(
        requests=requests,
        warmup_requests=warmup_batches * BATCH,
        batches=bench.batches[warmup_batches:],
        engine=bench.engine_usage,
        function=bench.function_usage,
        calls=calls,
        warmup_calls=warmup_calls,
        idempotency_writes=writes,
        server=server_mode,
        server_cpu=meter.take() if meter.available else None,
        pipeline_seconds=pipeline_seconds,
    )


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _calls_table(figures: Figures) -> list[str]:
    """(a): calls per request by service and operation, engine alone against the function."""
    n = figures.requests
    lines = [f"    {'service':12s} {'operation':28s} {'engine alone':>12s} {'function':>9s} {'added':>7s}"]
    operations = sorted(
        {(service, operation) for side, service, operation in figures.calls if side != "esm"}
        | {(service, operation) for side, service, operation in figures.warmup_calls if side == "function"}
    )
    engine_total = function_total = 0
    for service, operation in operations:
        by_engine = figures.calls["engine", service, operation]
        by_function = figures.calls["function", service, operation]
        engine_total += by_engine
        function_total += by_function
        cold = figures.warmup_calls["function", service, operation]
        note = f"  (cold container only: {cold} in the warm-up)" if cold and not by_function else ""
        lines.append(
            f"    {service:12s} {operation:28s} {by_engine / n:12.2f} {by_function / n:9.2f} "
            f"{(by_function - by_engine) / n:+7.2f}{note}"
        )
    lines.append(
        f"    {'all':12s} {'':28s} {engine_total / n:12.2f} {function_total / n:9.2f} "
        f"{(function_total - engine_total) / n:+7.2f}"
    )
    esm = sorted((op, count) for (side, _service, op), count in figures.calls.items() if side == "esm")
    lines.append(
        "    event source mapping (Lambda's poller, played by the harness, not the function): "
        + (", ".join(f"sqs {op} {count / n:.2f}" for op, count in esm) or "none")
    )
    return lines


def _server_lines(figures: Figures, overhead: float) -> list[str]:
    """moto's CPU by operation, and the process CPU overhead without its work for the added calls."""
    if figures.server_cpu is None:
        return ["    (moto's CPU by operation unavailable with this moto version)"]
    n = figures.requests
    per = {key: seconds / n * 1000 for key, seconds in figures.server_cpu.items()}
    engine_ops = {operation for side, operation in per if side == "engine"}
    added = sorted(
        (
            (operation, ms)
            for (side, operation), ms in per.items()
            if side == "function" and operation not in engine_ops
        ),
        key=lambda item: -item[1],
    )
    shared = sorted(engine_ops)
    added_ms = sum(ms for _, ms in added)
    return [
        "    moto's CPU for the calls the function adds (ms/request): "
        + (", ".join(f"{operation} {ms:.2f}" for operation, ms in added) or "none")
        + f" = {added_ms:.2f}",
        "    moto's CPU for the shared calls (engine / function, ms/request): "
        + ", ".join(
            f"{op} {per.get(('engine', op), 0.0):.2f}/{per.get(('function', op), 0.0):.2f}" for op in shared
        ),
        f"    process CPU overhead without moto's work for the added calls: {overhead - added_ms:+.2f} ms",
    ]


def _ms(usage: Usage, seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{usage.per_request_ms(seconds):.2f}"


def _cpu_lines(figures: Figures) -> list[str]:
    """(b): CPU per request, and what it includes with this server mode."""
    engine, function = figures.engine, figures.function
    engine_cpu = engine.per_request_ms(engine.process)
    function_cpu = function.per_request_ms(function.process)
    engine_thread = engine.per_request_ms(engine.thread)
    function_thread = function.per_request_ms(function.thread)
    overhead = function_cpu - engine_cpu
    thread_overhead = function_thread - engine_thread
    rest_overhead = (function_cpu - function_thread) - (engine_cpu - engine_thread)
    if figures.server == "thread":
        return [
            "(b) CPU per request (time.process_time: this whole process, moto's server threads included)",
            f"    engine alone {engine_cpu:7.2f} ms   function {function_cpu:7.2f} ms   "
            f"overhead {overhead:+7.2f} ms",
            f"    of which the calling thread (time.thread_time: client side, the function's own work): "
            f"engine {engine_thread:.2f} ms, function {function_thread:.2f} ms, "
            f"overhead {thread_overhead:+.2f} ms",
            f"    and the other threads (moto's server, the snapshot writer): "
            f"engine {engine_cpu - engine_thread:.2f} ms, function {function_cpu - function_thread:.2f} ms, "
            f"overhead {rest_overhead:+.2f} ms",
            *_server_lines(figures, overhead),
            "    caveat (--server thread): moto serves every call in this process, so process CPU counts the",
            "    server's work. Both sides include it for the calls they share; the overhead also includes",
            "    moto's emulation of the calls the function adds (DynamoDB, EventBridge): an upper bound of",
            "    the function's own overhead. The default, --server process, measures without it.",
        ]
    server_added = (
        None if engine.server is None or function.server is None else function.server - engine.server
    )
    return [
        "(b) CPU per request (time.process_time of this process: the handler or the engine, all its threads;",
        "    moto's server runs in another process and is not counted)",
        f"    engine alone {engine_cpu:7.2f} ms   function {function_cpu:7.2f} ms   "
        f"overhead {overhead:+7.2f} ms",
        f"    of which the calling thread (time.thread_time): engine {engine_thread:.2f} ms, "
        f"function {function_thread:.2f} ms, overhead {thread_overhead:+.2f} ms",
        f"    and this process's other threads (the engine's snapshot writer): engine "
        f"{engine_cpu - engine_thread:.2f} ms, function {function_cpu - function_thread:.2f} ms",
        "    for information, not counted above: the moto server process's CPU during the same blocks",
        f"    (/proc/<pid>/stat, clock ticks): engine {_ms(engine, engine.server)} ms, function "
        f"{_ms(function, function.server)} ms, added {_ms(function, server_added)} ms",
        "    (mostly moto's emulation of the calls only the function makes: DynamoDB, EventBridge)",
    ]


def report(figures: Figures) -> list[str]:
    """The printed lines."""
    n = figures.requests
    engine, function = figures.engine, figures.function
    overhead = function.per_request_ms(function.process) - engine.per_request_ms(engine.process)
    thread_overhead = function.per_request_ms(function.thread) - engine.per_request_ms(engine.thread)
    engine_wall = statistics.median(engine.wall) * 1000
    function_wall = statistics.median(function.wall) * 1000
    engine_mean = statistics.fmean(engine.wall) * 1000
    function_mean = statistics.fmean(function.wall) * 1000
    writes = figures.idempotency_writes["function"]
    put_events = figures.calls["function", "events", "PutEvents"]
    sizes = ", ".join(f"{size} x{count}" for size, count in sorted(Counter(figures.batches).items()))
    where = (
        "in this process (--server thread)"
        if figures.server == "thread"
        else "in a separate process (--server process)"
    )
    cpu_basis = (
        "process CPU, moto's server threads included"
        if figures.server == "thread"
        else "this process's CPU, moto's server process excluded"
    )
    lines = [
        f"pipeline bench: {n} requests per side, function batches of {BATCH} records for {POOLS} different "
        f"pools, after {figures.warmup_requests // BATCH} warm-up batch(es); one moto server on 127.0.0.1 "
        + where,
        f"  function invocations measured: {len(figures.batches)}, records per invocation: {sizes}",
        "(a) AWS calls per request (HTTP requests sent, botocore before-send), by service and operation",
        *_calls_table(figures),
        *_cpu_lines(figures),
        "(c) wall per request",
        f"    engine alone median {engine_wall:7.1f} ms  mean {engine_mean:7.1f} ms",
        f"    function     median {function_wall:7.1f} ms  mean {function_mean:7.1f} ms  "
        "(invocation / records)",
        f"    overhead     {function_wall - engine_wall:+7.1f} ms (medians), "
        f"ratio {function_wall / engine_wall:.2f}x",
        f"    throughput   {n / figures.pipeline_seconds:7.1f} requests/s through the embedded pipeline "
        "(the event source mapping's polling included)",
        "targets",
        f"    idempotency writes per request {writes / n:.2f} (target <= {MAX_IDEMPOTENCY_WRITES})  "
        f"{_verdict(writes <= MAX_IDEMPOTENCY_WRITES * n)}",
        f"    PutEvents per request          {put_events / n:.2f} (target <= {MAX_PUT_EVENTS})  "
        f"{_verdict(put_events * round(1 / MAX_PUT_EVENTS) <= n)}",
        f"    CPU overhead per request       {overhead:+.2f} ms (target <= {MAX_CPU_OVERHEAD_MS:g} ms; "
        f"{cpu_basis})  {_verdict(overhead <= MAX_CPU_OVERHEAD_MS)}",
    ]
    if figures.server == "thread":
        lines.append(
            f"      calling thread only          {thread_overhead:+.2f} ms (the function's own, moto "
            f"excluded)  {_verdict(thread_overhead <= MAX_CPU_OVERHEAD_MS)}"
        )
    return lines


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Print the pipeline benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="measured requests per side (default 200)")
    parser.add_argument(
        "--warmup", type=int, default=2, help="warm-up batches of 10, not measured (default 2)"
    )
    parser.add_argument(
        "--server",
        choices=("process", "thread"),
        default="process",
        help="where moto runs: a separate process (default; this process's CPU is then the handler's or "
        "the engine's alone) or a thread of this process (moto's CPU by operation, but counted in "
        "process CPU)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="the function's POWERTOOLS_LOG_LEVEL (default INFO, the template's)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    # SIGTERM unwinds like Ctrl-C, so the server process is stopped on the way out.
    signal.signal(signal.SIGTERM, _terminated)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_REGION", REGION)
    figures = run(args.requests, args.warmup, args.log_level.upper(), args.server)
    sys.stdout.write("\n".join(report(figures)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
