"""Throughput of the apply handler over a moto server, and its per-request overhead over the engine alone.

The same change requests (same patches, on twin pools) run two ways, interleaved round by round so that
both see the same machine and server state:

- **engine**: ``Engine.run`` with a Boto3 Cognito port and the S3 snapshot store (what the CLI does);
- **pipeline**: sent to ``ChangeQueue.fifo`` and processed by ``functions/apply/app.py`` in batches of 10
  (idempotency record, result event, SQS receive/delete included), as the event source mapping would.

Prints medians per request for both, their ratio and difference, and the pipeline's throughput.
Run: ``.venv/bin/python bench/pipeline.py [--requests N] [--pools P]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from typing import Any

import boto3

from poolpatch.adapters.cognito import Boto3Cognito, client_config
from poolpatch.adapters.snapshots import S3SnapshotStore
from poolpatch.engine import Engine, fixed
from poolpatch.request import parse_request
from poolpatch_fake import seed
from poolpatch_fake.server import FakeServer
from poolpatch_fake.stack import ACCOUNT_ID, REGION, EmbeddedStack, change_request

BATCH = 10


def _patch(sequence: int) -> dict[str, Any]:
    return {
        "Policies": {"PasswordPolicy": {"MinimumLength": 8 + sequence % 90}},
        "UserPoolTags": {"seq": str(sequence)},
    }


def run(requests: int, pools: int) -> dict[str, float]:
    """Run the side-by-side measurement and return the figures."""
    with FakeServer() as server, EmbeddedStack(server.endpoint_url, log_level="WARNING").deploy() as stack:
        cognito = stack.client("cognito-idp")
        engine_pools = [seed.realistic_pool(cognito)[0] for _ in range(pools)]
        pipeline_pools = [seed.realistic_pool(cognito)[0] for _ in range(pools)]
        engine_client = boto3.client(
            "cognito-idp", region_name=REGION, endpoint_url=server.endpoint_url, config=client_config()
        )
        engine = Engine(
            fixed(Boto3Cognito(engine_client)),
            S3SnapshotStore(stack.client("s3"), stack.bucket),
            account_id=ACCOUNT_ID,
            region=REGION,
        )
        engine_times: list[float] = []
        pipeline_times: list[float] = []
        pipeline_total = 0.0
        sequence = 0
        while sequence < requests:
            size = min(BATCH, requests - sequence)
            chunk = list(range(sequence, sequence + size))
            sequence += size
            for number in chunk:
                document = change_request(
                    engine_pools[number % pools], _patch(number), request_id=f"e-{number}"
                )
                started = time.perf_counter()
                result = engine.run(parse_request(document))
                engine_times.append(time.perf_counter() - started)
                if result.status != "applied":
                    raise RuntimeError(f"engine run ended {result.status}: {result.to_dict()}")
            for number in chunk:
                pool_id = pipeline_pools[number % pools]
                document = change_request(pool_id, _patch(number), request_id=f"p-{number}")
                stack.send_to_queue(
                    document, group_id=stack.group_id(pool_id), deduplication_id=f"p-{number}"
                )
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # the handler's metrics (EMF) lines
                batches = stack.run_apply()
            elapsed = time.perf_counter() - started
            pipeline_total += elapsed
            processed = sum(len(batch.message_ids) for batch in batches)
            failures = [(b.failed_ids, b.error) for b in batches if b.failed_ids or b.error]
            if processed != size or failures:
                raise RuntimeError(f"{processed} of {size} processed; failures: {failures}")
            pipeline_times.extend([elapsed / size] * size)
        results = stack.results()
        applied = sum(1 for event in results if event["detail"]["status"] == "applied")
        if applied != requests:
            raise RuntimeError(f"{applied} of {requests} results are applied")
    engine_median = statistics.median(engine_times)
    pipeline_median = statistics.median(pipeline_times)
    return {
        "requests": float(requests),
        "engine_median_ms": engine_median * 1000,
        "pipeline_median_ms": pipeline_median * 1000,
        "overhead_ms": (pipeline_median - engine_median) * 1000,
        "ratio": pipeline_median / engine_median,
        "throughput": requests / pipeline_total,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the pipeline benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per side (default 200)")
    parser.add_argument("--pools", type=int, default=10, help="pools per side (default 10)")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_REGION", REGION)
    figures = run(args.requests, args.pools)
    out = sys.stdout
    lines = [
        f"pipeline bench: {args.requests} requests per side over {args.pools} pools, moto on 127.0.0.1",
        f"  engine alone     median {figures['engine_median_ms']:8.1f} ms/request",
        f"  apply handler    median {figures['pipeline_median_ms']:8.1f} ms/request (batches of {BATCH})",
        f"  overhead         {figures['overhead_ms']:+8.1f} ms/request, "
        f"ratio {figures['ratio']:.2f}x the engine alone",
        f"  throughput       {figures['throughput']:8.1f} requests/s through the apply handler",
    ]
    out.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
