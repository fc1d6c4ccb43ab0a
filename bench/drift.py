"""A full drift sweep of a simulated fleet, within Cognito's read quotas, through the real handlers.

The fleet (default 20 accounts x 50 pools x 2 app clients) is seeded on a moto server with the Cognito
fake, run as its own process (``python -m poolpatch_fake.server``, 127.0.0.1). Once seeded, the server
behaves like the service under load: it throttles Cognito requests beyond 15 per second per account,
Region and quota category (``TooManyRequestsException``, before touching state) and adds a latency to
every Cognito call (``--latency-ms``, default 30).

The sweep is the stack's: the schedule event starts it through ``functions/drift/app.py``, and
``--concurrency`` worker processes (default 20, the template's ``DriftConcurrency``) play Lambda's SQS
event source mapping: each is a container that receives one ``DriftWorkQueue`` message at a time and
hands it to the same handler. The last unit finalises the sweep and writes ``report.json``.

Printed: the sweep's wall time against its quota bound (targets per account / ``DriftReadsPerSecond``,
the time the paced reads need), the throttled calls (server) and throttling errors surfaced in the
report, the coverage (targets in the report / targets seeded), and an extrapolation to 10,000 pools and
30,000 app clients in 100 accounts at the same ratio. Targets: wall <= 1.25 x bound, 0 throttling errors
surfaced, 100 % coverage, extrapolated full sweep <= 15 minutes. Exit status 0 either way.

Run: ``.venv/bin/python bench/drift.py [--accounts 20] [--pools 50] [--clients 2] [--reads-per-second 3]
[--latency-ms 30] [--concurrency 20]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import ServerProcess  # bench/ is this script's folder

from poolpatch_fake.fleet import seed_fleet
from poolpatch_fake.server import configure, fetch_stats, reset_stats
from poolpatch_fake.stack import ACCOUNT_ID, REGION, EmbeddedStack, LambdaContext, load_handler

MAX_RATIO = 1.25
MAX_FULL_SWEEP_S = 15 * 60
FULL = {"accounts": 100, "pools": 10_000, "clients": 30_000}


def _accounts(count: int) -> list[str]:
    """The hub account first, then made-up 12-digit accounts."""
    return [ACCOUNT_ID, *(f"{100000000000 + index * 1111:012d}" for index in range(1, count))]


def _documents() -> dict[str, Any]:
    """A pool baseline and a client baseline over every allowed account (report only: nothing written)."""
    return {
        "fleet/password.json": {
            "version": "2",
            "selector": {"accountIds": ["*"], "poolTags": {"fleet": "bench"}},
            "patch": {"Policies": {"PasswordPolicy": {"MinimumLength": 12}}},
        },
        "fleet/clients.json": {
            "version": "2",
            "kind": "client",
            "selector": {"accountIds": ["*"], "poolTags": {"fleet": "bench"}},
            "patch": {"EnableTokenRevocation": True, "PreventUserExistenceErrors": "ENABLED"},
        },
    }


#: The stop event, set in each forked container by the pool's initializer (an event cannot be pickled).
_SHARED: dict[str, Any] = {}


def _inherit(stop: Any) -> None:
    _SHARED["stop"] = stop


def _worker(environment: Mapping[str, str], work_url: str, endpoint_url: str) -> int:
    """One Lambda container: receive a unit, run the handler, delete it on success; until told to stop."""
    stop = _SHARED["stop"]
    os.environ.update(environment)
    import boto3

    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint_url)
    handler = load_handler("drift")
    _initialise()
    invocations = 0
    log = Path(os.environ.get("POOLPATCH_BENCH_LOGS", os.devnull))
    if log.is_dir():
        log = log / f"container-{os.getpid()}.log"
    with log.open("a") as sink, contextlib.redirect_stdout(sink):  # Powertools' JSON logs and metrics
        while not stop.is_set():
            messages = sqs.receive_message(
                QueueUrl=work_url, MaxNumberOfMessages=1, WaitTimeSeconds=1, VisibilityTimeout=960
            ).get("Messages", [])
            if not messages:
                continue
            message = messages[0]
            record = {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{work_url.rsplit('/', 1)[-1]}",
                "awsRegion": REGION,
            }
            answer = handler({"Records": [record]}, LambdaContext.of("drift"))
            invocations += 1
            if not answer.get("batchItemFailures"):
                sqs.delete_message(QueueUrl=work_url, ReceiptHandle=message["ReceiptHandle"])
    return invocations


def _initialise() -> None:
    """The container's init phase: its runtime and clients, before the first record.

    On Lambda each container starts on its own CPU share, in about a second, before a unit that runs for
    minutes. Here 20 containers share 2 cores with the server: 20 cold starts at once (botocore parsing
    its service models in every process) would measure that contention, not the sweep.
    """
    from poolpatch_lambda import drift
    from poolpatch_lambda.settings import drift_settings

    runtime = drift.runtime_for(drift_settings(), ACCOUNT_ID)
    for service in ("cognito-idp", "sts", "s3", "dynamodb", "sqs", "events"):
        runtime.client(service)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def run(args: argparse.Namespace) -> list[str]:
    accounts = _accounts(args.accounts)
    out: list[str] = []
    with ServerProcess() as server:
        endpoint = server.endpoint_url
        started = time.monotonic()
        fleet = seed_fleet(
            endpoint,
            accounts=accounts,
            region=REGION,
            pools_per_account=args.pools,
            clients_per_pool=args.clients,
            tags={"fleet": "bench"},
            workers=8,
        )
        seeded = sum(len(pools) * (1 + args.clients) for pools in fleet.values())
        _progress(f"seeded in {time.monotonic() - started:.0f} s")
        out.append(
            f"seeded {args.accounts} accounts x {args.pools} pools x {args.clients} clients = {seeded} "
            f"targets in {time.monotonic() - started:.0f} s"
        )
        stack = EmbeddedStack(
            endpoint,
            allowed_account_ids=accounts,
            drift_reads_per_second=args.reads_per_second,
            drift_correction_limit_percent=100,
            log_level="WARNING",
        ).deploy()
        # The harness's results tap (a rule feeding an SQS queue) is for tests; moto's delivery into a
        # queue thousands deep costs its single process more than the sweep itself, so it goes.
        stack.client("events").remove_targets(
            Rule=f"{stack.name}-results", EventBusName=stack.event_bus_name, Ids=["tap"]
        )
        for key, document in _documents().items():
            stack.put_desired(key, document)
        reset_stats(endpoint)
        configure(endpoint, read_quotas=True, latency_ms=args.latency_ms)
        context = multiprocessing.get_context("fork")
        stop = context.Event()
        with stack.environment() as variables:
            # The sweep alone: each unit's bundle pass (DRIFT_STORE_BUNDLES) would add an export's reads
            # per pool to the figures below, after the report this bench times.
            environment = {**variables, "POWERTOOLS_METRICS_DISABLED": "true", "DRIFT_STORE_BUNDLES": "false"}
            with context.Pool(args.concurrency, initializer=_inherit, initargs=(stop,)) as pool:
                workers = [
                    pool.apply_async(_worker, (environment, stack.drift_work_url, endpoint))
                    for _ in range(args.concurrency)
                ]
                time.sleep(15)  # every container is initialised (see _initialise)
                begin = time.monotonic()
                with _quiet():
                    sweep_id = stack.run_drift()["sweepId"]
                _progress(f"sweep {sweep_id} started")
                report = _wait_for_report(stack, sweep_id, timeout=args.timeout)
                wall = time.monotonic() - begin
                stop.set()
                invocations = sum(worker.get(timeout=60) for worker in workers)
        stats = fetch_stats(endpoint)
    out.extend(_figures(args, report=report, wall=wall, invocations=invocations, stats=stats, seeded=seeded))
    return out


def _progress(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def _wait_for_report(stack: EmbeddedStack, sweep_id: str, *, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            return stack.drift_report(sweep_id)
        time.sleep(0.5)
    raise RuntimeError(f"the sweep {sweep_id} wrote no report within {timeout:g} s")


def _figures(
    args: argparse.Namespace,
    *,
    report: dict[str, Any],
    wall: float,
    invocations: int,
    stats: Mapping[str, Mapping[str, Mapping[str, int]]],
    seeded: int,
) -> list[str]:
    rate = args.reads_per_second
    per_account = args.pools * (1 + args.clients)
    bound = per_account / rate
    ratio = wall / bound
    throttled = sum(c.get("throttled", 0) for account in stats.values() for c in account.values())
    accepted = {
        category: sum(account.get(category, {}).get("accepted", 0) for account in stats.values())
        for category in ("UserPoolRead", "UserPoolClientRead")
    }
    surfaced = sum(1 for line in report["targets"] if (line.get("error") or {}).get("code") == "Throttled")
    checked = sum(
        1 for line in report["targets"] if "userPoolId" in line["target"] and line["status"] != "error"
    )
    coverage = checked / seeded
    full_per_account = (FULL["pools"] + FULL["clients"]) / FULL["accounts"]
    waves = math.ceil(FULL["accounts"] / args.concurrency)
    full = waves * full_per_account / rate * ratio

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    return [
        f"sweep {report['sweepId']}: {invocations} unit invocations on {args.concurrency} containers, "
        f"DriftReadsPerSecond {rate:g}, latency {args.latency_ms:g} ms per Cognito call",
        f"Cognito reads accepted in all: UserPoolRead {accepted['UserPoolRead']}, UserPoolClientRead "
        f"{accepted['UserPoolClientRead']} (per account, paced side by side: "
        f"{args.pools + math.ceil(args.pools / 60)} and {args.pools * (1 + args.clients)})",
        f"wall {wall:.1f} s against the quota bound {per_account} targets / {rate:g} per s = {bound:.1f} s: "
        f"ratio {ratio:.2f} (target <= {MAX_RATIO})  {verdict(ratio <= MAX_RATIO)}",
        f"throttled calls at the server: {throttled}; throttling errors surfaced in the report: {surfaced} "
        f"(target 0)  {verdict(surfaced == 0)}",
        f"coverage: {checked} of {seeded} targets checked = {coverage:.1%} (target 100 %)  "
        f"{verdict(checked == seeded)}",
        f"drifted: {report['totals']['drifted']} (every pool: MinimumLength 8 < 12; every client)",
        f"extrapolation: {FULL['pools']:,} pools + {FULL['clients']:,} clients in {FULL['accounts']} "
        f"accounts = {full_per_account:.0f} targets per account, {waves} waves of {args.concurrency} units, "
        f"{waves} x {full_per_account:.0f} / {rate:g} x {ratio:.2f} = {full:.0f} s = {full / 60:.1f} min "
        f"(target <= 15 min)  {verdict(full <= MAX_FULL_SWEEP_S)}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/drift.py", description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--pools", type=int, default=50, help="pools per account")
    parser.add_argument("--clients", type=int, default=2, help="app clients per pool")
    parser.add_argument("--reads-per-second", type=float, default=3.0)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up on the sweep after this")
    args = parser.parse_args(argv)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_DEFAULT_REGION"] = REGION
    for line in run(args):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
