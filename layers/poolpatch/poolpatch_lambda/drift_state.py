"""Drift's durable state: sweep progress and each target's last check (DynamoDB), parts and reports (S3).

One table (``DRIFT_STATE_TABLE``, keys ``pk``/``sk``, TTL ``expires``) holds three item types:

- ``sweep#{sweepId}`` / ``sweep``: the units still pending (a string set). A unit that finishes removes
  itself with a conditional update, so a redelivered unit message never counts twice, and the unit that
  empties the set finalises the sweep, once (``finalizedAt`` is set conditionally).
- ``target#{account}/{region}`` / ``{pool}[/{client}]``: the target's last check time, the signature of
  its drift (``User Pool Drift Detected`` fires when it changes, ``Resolved`` when it goes) and the sweep
  that checked it; a finished unit deletes the items of targets that no longer exist, so the age of the
  oldest unchecked target is never held up by a deleted pool.
- ``flap#{account}/{region}`` / ``{pool}[/{client}]``: when each pointer was corrected in the last 24 h,
  recorded once per sweep (``historyRecordedAt`` on the sweep item), so a retried finalisation does not
  count its corrections twice.
- ``sweep#latest`` / ``sweep``: the latest scheduled sweep and whether it halted (targeted checks after a
  halt report only).

The unit's lines go to ``drift-reports/{sweepId}/parts/`` in the snapshot bucket as it proceeds (a unit
that continues in a new invocation adds a part), and the report files next to them at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from poolpatch.drift.check import Line, target_key
from poolpatch.drift.report import REPORT_PREFIX, dumps
from poolpatch.errors import ServiceError

#: How long state is kept without a new check (a target gone for this long is forgotten).
STATE_TTL = timedelta(days=14)
SWEEP_TTL = timedelta(days=3)
#: Units (accounts x Regions) of one sweep: the pending set of a sweep item stays far below DynamoDB's
#: 400 KB item limit.
MAX_UNITS = 10_000


def _failed(what: str, exc: Exception) -> ServiceError:
    return ServiceError(f"{what} failed: {type(exc).__name__}: {exc}", retryable=True)


class DriftState:
    """The drift state table."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table

    # -- sweeps --

    def start_sweep(
        self, sweep_id: str, units: Sequence[str], now: datetime, *, only_new: bool = False
    ) -> None:
        """Record a sweep and its pending units (``only_new``: leave an existing record of it as it is)."""
        if len(units) > MAX_UNITS:
            raise ServiceError(
                f"The documents select {len(units)} accounts and Regions; a sweep takes at most {MAX_UNITS}.",
                remedy="Narrow the documents' accountIds and regions.",
            )
        item: dict[str, Any] = {
            "pk": {"S": f"sweep#{sweep_id}"},
            "sk": {"S": "sweep"},
            "startedAt": {"S": now.isoformat()},
            "expires": {"N": str(int((now + SWEEP_TTL).timestamp()))},
        }
        if units:
            item["pending"] = {"SS": list(units)}
        condition = {"ConditionExpression": "attribute_not_exists(pk)"} if only_new else {}
        try:
            self._client.put_item(TableName=self.table, Item=item, **condition)
        except ClientError as exc:
            if not (
                only_new and exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
            ):
                raise _failed("PutItem (sweep)", exc) from None
        except BotoCoreError as exc:
            raise _failed("PutItem (sweep)", exc) from None

    def finish_unit(self, sweep_id: str, unit: str) -> bool | None:
        """Mark a unit done. True: it was the last one; False: others pending; None: already done."""
        attributes = self._conditional(
            sweep_id,
            UpdateExpression="DELETE pending :unit",
            ConditionExpression="contains(pending, :name)",
            ExpressionAttributeValues={":unit": {"SS": [unit]}, ":name": {"S": unit}},
            ReturnValues="ALL_NEW",
        )
        return None if attributes is None else "pending" not in attributes

    def claim_finalize(self, sweep_id: str, now: datetime) -> bool:
        """True exactly once per sweep: the caller writes the report and queues the corrections."""
        claimed = self._conditional(
            sweep_id,
            UpdateExpression="SET finalizedAt = :now",
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(finalizedAt)",
            ExpressionAttributeValues={":now": {"S": now.isoformat()}},
            ReturnValues="UPDATED_NEW",
        )
        return claimed is not None

    def claimable(self, sweep_id: str) -> bool:
        """Whether the sweep exists and is not finalised yet."""
        item = self._sweep(sweep_id)
        return item is not None and "finalizedAt" not in item

    def mark_once(self, sweep_id: str, name: str, now: datetime) -> bool:
        """Set a time attribute of the sweep once: True the first time, False ever after."""
        return (
            self._conditional(
                sweep_id,
                UpdateExpression="SET #name = :now",
                ConditionExpression="attribute_not_exists(#name)",
                ExpressionAttributeNames={"#name": name},
                ExpressionAttributeValues={":now": {"S": now.isoformat()}},
                ReturnValues="UPDATED_NEW",
            )
            is not None
        )

    def set_latest(self, sweep_id: str, *, halted: bool) -> None:
        """Remember the latest scheduled sweep and whether it halted (targeted checks read it)."""
        self._call(
            "PutItem",
            lambda: self._client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": "sweep#latest"},
                    "sk": {"S": "sweep"},
                    "sweepId": {"S": sweep_id},
                    "halted": {"BOOL": halted},
                },
            ),
        )

    def latest_halted(self) -> bool:
        """Whether the latest scheduled sweep halted on the correction limit."""
        item = self._sweep("latest")
        return bool(item and item.get("halted", {}).get("BOOL", False))

    def _sweep(self, sweep_id: str) -> dict[str, Any] | None:
        response = self._call(
            "GetItem",
            lambda: self._client.get_item(
                TableName=self.table,
                Key={"pk": {"S": f"sweep#{sweep_id}"}, "sk": {"S": "sweep"}},
                ConsistentRead=True,
            ),
        )
        item = response.get("Item")
        return dict(item) if item is not None else None

    def pending(self, sweep_id: str) -> set[str] | None:
        """The units of a sweep still to finish (None: no such sweep)."""
        item = self._sweep(sweep_id)
        return None if item is None else set(item.get("pending", {}).get("SS", []))

    def _conditional(self, sweep_id: str, **update: Any) -> dict[str, Any] | None:
        """A conditional update of the sweep item: its attributes, or None when the condition failed."""
        try:
            response = self._client.update_item(
                TableName=self.table, Key={"pk": {"S": f"sweep#{sweep_id}"}, "sk": {"S": "sweep"}}, **update
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise _failed("UpdateItem (sweep)", exc) from None
        except BotoCoreError as exc:
            raise _failed("UpdateItem (sweep)", exc) from None
        return dict(response.get("Attributes", {}))

    def add_throttles(self, sweep_id: str, count: int) -> None:
        """Count throttling responses a unit's reads met (the report's ``totals.throttled``)."""
        self._call(
            "UpdateItem",
            lambda: self._client.update_item(
                TableName=self.table,
                Key={"pk": {"S": f"sweep#{sweep_id}"}, "sk": {"S": "sweep"}},
                UpdateExpression="ADD throttled :n",
                ExpressionAttributeValues={":n": {"N": str(count)}},
            ),
        )

    def throttles(self, sweep_id: str) -> int:
        """The sweep's throttling responses so far."""
        item = self._sweep(sweep_id) or {}
        return int(item.get("throttled", {}).get("N", "0"))

    def release_finalize(self, sweep_id: str) -> None:
        """Undo :meth:`claim_finalize` after a failure, so the retried message finalises."""
        self._call(
            "UpdateItem",
            lambda: self._client.update_item(
                TableName=self.table,
                Key={"pk": {"S": f"sweep#{sweep_id}"}, "sk": {"S": "sweep"}},
                UpdateExpression="REMOVE finalizedAt",
            ),
        )

    # -- targets --

    def targets(self, account: str, region: str) -> dict[str, dict[str, Any]]:
        """The unit's known targets: key -> ``{signature, drifted, lastChecked, sweep}``."""
        items = self._query(f"target#{account}/{region}")
        return {
            item["sk"]["S"]: {
                "signature": item.get("signature", {}).get("S", ""),
                "drifted": item.get("drifted", {}).get("BOOL", False),
                "lastChecked": item.get("lastChecked", {}).get("S", ""),
                "sweep": item.get("sweep", {}).get("S", ""),
            }
            for item in items
        }

    def record_checks(
        self, lines: Iterable[Line], sweep_id: str, now: datetime, signatures: Mapping[str, str]
    ) -> None:
        """Store each checked target's check time, drift signature and sweep (errors are not checks)."""
        requests = []
        for line in lines:
            target = line["target"]
            if line["status"] == "error" or "userPoolId" not in target:
                continue
            key = target_key(target)
            requests.append(
                {
                    "PutRequest": {
                        "Item": {
                            "pk": {"S": f"target#{target['accountId']}/{target['region']}"},
                            "sk": {"S": key},
                            "lastChecked": {"S": now.isoformat()},
                            "signature": {"S": signatures.get(key, "")},
                            "drifted": {"BOOL": bool(signatures.get(key))},
                            "sweep": {"S": sweep_id},
                            "expires": {"N": str(int((now + STATE_TTL).timestamp()))},
                        }
                    }
                }
            )
        self._write_batches(requests)

    def forget(self, account: str, region: str, keys: Iterable[str], *, kind: str = "target") -> None:
        """Delete the items of targets that no longer exist."""
        self._write_batches(
            [
                {"DeleteRequest": {"Key": {"pk": {"S": f"{kind}#{account}/{region}"}, "sk": {"S": key}}}}
                for key in keys
            ]
        )

    def oldest_check(self, units: Iterable[tuple[str, str]]) -> datetime | None:
        """The oldest last-check time among the known targets of ``units``."""
        oldest: datetime | None = None
        for account, region in units:
            for item in self._query(f"target#{account}/{region}"):
                checked = datetime.fromisoformat(item["lastChecked"]["S"])
                oldest = checked if oldest is None or checked < oldest else oldest
        return oldest

    # -- anti-flap --

    def history(self, keys: Iterable[str]) -> dict[str, dict[str, list[datetime]]]:
        """Correction times per pointer of targets (full keys ``{account}/{region}/{pool}[/{client}]``)."""
        out: dict[str, dict[str, list[datetime]]] = {}
        for full in sorted(set(keys)):
            account, region, key = full.split("/", 2)
            response = self._call(
                "GetItem",
                lambda a=account, r=region, k=key: self._client.get_item(
                    TableName=self.table,
                    Key={"pk": {"S": f"flap#{a}/{r}"}, "sk": {"S": k}},
                    ConsistentRead=True,
                ),
            )
            item = response.get("Item")
            if item:
                data = json.loads(item["corrections"]["S"])
                out[full] = {p: [datetime.fromisoformat(t) for t in times] for p, times in data.items()}
        return out

    def record_history(self, history: Mapping[str, Mapping[str, Sequence[datetime]]], now: datetime) -> None:
        """Store the anti-flap history of the targets given (each replaces its item)."""
        requests = []
        for full, pointers in history.items():
            account, region, key = full.split("/", 2)
            data = {p: [t.astimezone(UTC).isoformat() for t in times] for p, times in pointers.items()}
            requests.append(
                {
                    "PutRequest": {
                        "Item": {
                            "pk": {"S": f"flap#{account}/{region}"},
                            "sk": {"S": key},
                            "corrections": {"S": json.dumps(data, sort_keys=True)},
                            "expires": {"N": str(int((now + timedelta(days=2)).timestamp()))},
                        }
                    }
                }
            )
        self._write_batches(requests)

    # -- plumbing --

    def _query(self, pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": pk}},
                "ConsistentRead": True,
            }
            if start:
                params["ExclusiveStartKey"] = start
            response = self._call("Query", lambda p=params: self._client.query(**p))
            items.extend(response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if not start:
                return items

    def _write_batches(self, requests: Sequence[Mapping[str, Any]]) -> None:
        for index in range(0, len(requests), 25):
            pending: list[Any] = list(requests[index : index + 25])
            for _attempt in range(8):
                response = self._call(
                    "BatchWriteItem",
                    lambda p=pending: self._client.batch_write_item(RequestItems={self.table: p}),
                )
                pending = response.get("UnprocessedItems", {}).get(self.table, [])
                if not pending:
                    break
            else:
                raise ServiceError("BatchWriteItem left items unprocessed after 8 attempts.", retryable=True)

    @staticmethod
    def _call(operation: str, call: Any) -> Any:
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            raise _failed(operation, exc) from None


class ReportStore:
    """``drift-reports/{sweepId}/`` in the snapshot bucket: the manifest, the units' parts, the report."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def location(self, sweep_id: str) -> str:
        """``s3://{bucket}/drift-reports/{sweepId}/``."""
        return f"s3://{self.bucket}/{REPORT_PREFIX}{sweep_id}/"

    def put(self, sweep_id: str, name: str, body: str, content_type: str = "application/json") -> None:
        """Write one file of the sweep."""
        key = f"{REPORT_PREFIX}{sweep_id}/{name}"
        DriftState._call(
            "PutObject",
            lambda: self._client.put_object(
                Bucket=self.bucket, Key=key, Body=body.encode(), ContentType=content_type
            ),
        )

    def get(self, sweep_id: str, name: str) -> str:
        """Read one file of the sweep."""
        key = f"{REPORT_PREFIX}{sweep_id}/{name}"
        response = DriftState._call("GetObject", lambda: self._client.get_object(Bucket=self.bucket, Key=key))
        return str(response["Body"].read().decode())

    def put_part(self, sweep_id: str, unit: str, part: int, lines: Sequence[Line]) -> None:
        """One invocation's lines of a unit (a redelivery rewrites the same part)."""
        body = "".join(dumps(line) + "\n" for line in lines)
        self.put(sweep_id, f"parts/{unit}/{part:05d}.jsonl", body, "application/x-ndjson")

    def parts(self, sweep_id: str, *, unit: str | None = None) -> list[Line]:
        """Every line every unit (or the one ``unit``) wrote."""
        prefix = f"{REPORT_PREFIX}{sweep_id}/parts/" + (f"{unit}/" if unit else "")
        lines: list[Line] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            keys = [
                item["Key"]
                for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
                for item in page.get("Contents", [])
            ]
        except (ClientError, BotoCoreError) as exc:
            raise _failed("ListObjectsV2", exc) from None
        for key in sorted(keys):
            body = self.get(sweep_id, key.removeprefix(f"{REPORT_PREFIX}{sweep_id}/"))
            lines.extend(json.loads(text) for text in body.splitlines() if text.strip())
        return lines
