"""Load: 1,000 requests over 50 pools through the apply handler against the moto server.

Each pool receives requests numbered 1, 2, 3...; request ``k`` sets the tag ``seq`` to ``k`` and the
minimum password length to ``8 + k``. Applied in order, each result shows the tag moving from ``k - 1`` to
``k``, and every pool ends at its last request. Nothing is lost (one result event and one idempotency
record per request) and the DLQ stays empty.

Producers and the consumer overlap, as they do in production: requests arrive in waves of
``POOLPATCH_LOAD_WAVE`` (default 100, two per pool) and the apply handler drains the queue after each wave.
(moto's FIFO queue costs O(queue length) per send and receive: with all 1,000 requests queued up front the
test takes about four minutes instead of one and a half; ``POOLPATCH_LOAD_WAVE=1000`` measures that.)
``POOLPATCH_LOAD_REQUESTS`` lowers the request count for quick local runs; the default is 1,000.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest

from poolpatch_fake import seed
from poolpatch_fake.stack import ApplyBatch, EmbeddedStack, change_request

# Coverage is paused here (pytest-cov's no_cover): every line this test runs, the other tests run and
# measure; tracing 1,000 requests only made it a fifth slower.
pytestmark = [pytest.mark.integration, pytest.mark.no_cover]

StackFactory = Callable[..., EmbeddedStack]

REQUESTS = int(os.environ.get("POOLPATCH_LOAD_REQUESTS", "1000"))
POOLS = min(50, REQUESTS)
WAVE = int(os.environ.get("POOLPATCH_LOAD_WAVE", "100"))


def _patch(sequence: int) -> dict[str, Any]:
    return {
        "UserPoolTags": {"seq": str(sequence)},
        "Policies": {"PasswordPolicy": {"MinimumLength": 8 + sequence}},
    }


def _send(stack: EmbeddedStack, pools: list[str], numbers: range) -> dict[str, int]:
    """Send requests straight to the queue, round robin over the pools; return request id -> seq."""
    sqs = stack.client("sqs")
    sequence_of: dict[str, int] = {}
    entries: list[dict[str, str]] = []
    for number in numbers:
        pool_id = pools[number % len(pools)]
        sequence = number // len(pools) + 1
        request_id = f"load-{number:04d}"
        sequence_of[request_id] = sequence
        body = change_request(pool_id, _patch(sequence), request_id=request_id)
        entries.append(
            {
                "Id": str(len(entries)),
                "MessageBody": json.dumps(body),
                "MessageGroupId": stack.group_id(pool_id),
                "MessageDeduplicationId": request_id,
            }
        )
        if len(entries) == 10 or number == numbers[-1]:
            response = sqs.send_message_batch(QueueUrl=stack.queue_url, Entries=entries)
            assert not response.get("Failed"), response.get("Failed")
            entries = []
    return sequence_of


def test_thousand_requests_over_fifty_pools(make_stack: StackFactory) -> None:
    # Given 50 realistic pools and 1,000 requests for them in the FIFO queue
    stack = make_stack(log_level="WARNING")
    cognito = stack.client("cognito-idp")
    pools = [seed.realistic_pool(cognito)[0] for _ in range(POOLS)]
    sequence_of: dict[str, int] = {}
    batches: list[ApplyBatch] = []
    events: list[dict[str, Any]] = []

    # When they arrive in waves and the apply handler processes batches of 10 until the queue is empty
    started = time.perf_counter()
    for first in range(0, REQUESTS, WAVE):
        sequence_of.update(_send(stack, pools, range(first, min(first + WAVE, REQUESTS))))
        batches.extend(stack.run_apply(max_batches=REQUESTS * 2))
        events.extend(stack.results())
    elapsed = time.perf_counter() - started

    # Then no batch failed, nothing is left in the queue or the DLQ
    assert [b.error for b in batches if b.error] == []
    assert [b.failed_ids for b in batches if b.failed_ids] == []
    assert sum(len(b.message_ids) for b in batches) == REQUESTS
    assert stack.queue_depth() == 0
    assert stack.dlq_messages() == []
    # ... every request has exactly one result, applied on top of its predecessor (order per pool)
    results = [event["detail"] for event in events]
    assert sorted(r["requestId"] for r in results) == sorted(sequence_of)
    per_pool: dict[str, list[int]] = defaultdict(list)
    for result in results:
        assert result["status"] == "applied", result
        sequence = sequence_of[result["requestId"]]
        tag = next(c for c in result["changes"] if c["path"] == "/UserPoolTags/seq")
        assert tag.get("before") == (str(sequence - 1) if sequence > 1 else None)
        assert tag["after"] == str(sequence)
        per_pool[result["target"]["userPoolId"]].append(sequence)
    assert all(sequences == sorted(sequences) for sequences in per_pool.values())
    # ... one idempotency record per request
    records = stack.idempotency_records()
    assert len(records) == REQUESTS
    assert {record["status"]["S"] for record in records} == {"COMPLETED"}
    # ... and every pool holds its last request
    last = (REQUESTS - 1) // POOLS + 1
    for index, pool_id in enumerate(pools):
        expected = last if index < REQUESTS - (last - 1) * POOLS else last - 1
        live = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert live["UserPoolTags"]["seq"] == str(expected)
        assert live["Policies"]["PasswordPolicy"]["MinimumLength"] == 8 + expected
    rate = REQUESTS / elapsed
    print(f"load: {REQUESTS} requests over {POOLS} pools in {elapsed:.1f} s ({rate:.1f} requests/s)")
