"""The differences between two bundles, part by part, as JSON Pointers (design.md, ``poolpatch diff``).

Made for "why does staging behave differently from prod?": what necessarily differs between two pools is
left out before comparing:

- ``source`` (account, Region, pool id, capture time, versions) and the pool's ``PoolName``;
- the pool id wherever a value names it (ARNs, log group names), and the account and Region segments of
  ARNs in the bundle's own account and Region, so a trigger ``arn:aws:lambda:eu-west-1:111…:function:f``
  in staging equals ``arn:aws:lambda:eu-west-1:222…:function:f`` in prod;
- poolpatch's own tags (``poolpatch:clone-of``...);
- secret values (an identity provider's ``client_secret``): a hand-edited bundle may hold one, and diff
  output never shows one;
- domain names (unique per Region, so two pools never share one): domains pair by type, ``prefix`` or
  ``custom``;
- client ids: clients pair by id when both bundles hold it, else by ``ClientName``; a name held by several
  unpaired clients on either side leaves them unpaired (each reported as present on one side only), and
  so does a name that is another part's label (``pool``, a client id). Per-client settings follow their
  client's pairing.

Empty lists and objects equal absent members (:func:`poolpatch.plan.diff`). Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from poolpatch.bundle.document import MEMBERS, OWN_TAG_PREFIX, POOL_LEVEL, Member
from poolpatch.plan import MISSING, diff
from poolpatch.pointer import escape
from poolpatch.snapshot import redact_secrets

_ARN = re.compile(r"\barn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):")


@dataclass(frozen=True)
class Difference:
    """One difference: the part (``pool``, ``clients/portal``...), the pointer in it, the two values
    (:data:`~poolpatch.plan.MISSING` where a side lacks the member)."""

    part: str
    path: str
    a: Any
    b: Any

    def to_dict(self) -> dict[str, Any]:
        """The ``--output json`` entry: ``a``/``b`` absent where the member is absent."""
        out: dict[str, Any] = {"part": self.part, "path": self.path}
        if self.a is not MISSING:
            out["a"] = self.a
        if self.b is not MISSING:
            out["b"] = self.b
        return out


def diff_bundles(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Difference]:
    """Every difference between two bundles, by part in dependency order, then by pointer."""
    labels = _client_labels(a.get("clients") or {}, b.get("clients") or {})
    left, right = _comparable(a, labels[0]), _comparable(b, labels[1])
    out: list[Difference] = []
    for part in _ordered(left, right):
        before, after = left.get(part, MISSING), right.get(part, MISSING)
        if before is MISSING or after is MISSING:
            out.append(Difference(part, "", before, after))
            continue
        out.extend(
            Difference(part, change.path, change.before, change.after) for change in diff(before, after)
        )
    return out


def _ordered(left: Mapping[str, Any], right: Mapping[str, Any]) -> list[str]:
    seen = dict.fromkeys([*left, *right])
    return list(seen)


def _comparable(bundle: Mapping[str, Any], client_labels: Mapping[str, str]) -> dict[str, Any]:
    """Part label -> the document to compare, with what necessarily differs taken out."""
    source = bundle.get("source") or {}
    neutral = _Neutral(
        str(source.get("userPoolId") or ""),
        str(source.get("accountId") or ""),
        str(source.get("region") or ""),
    )
    out: dict[str, Any] = {}
    create_only = bundle.get("createOnly")
    if isinstance(create_only, Mapping):
        schema = create_only.get("Schema")
        if isinstance(schema, list):  # an attribute is its name: Describe's order is not the pool's identity
            create_only = {**create_only, "Schema": sorted(schema, key=lambda item: str(item.get("Name")))}
        out["createOnly"] = neutral.value(create_only)
    for member in MEMBERS:
        value = bundle.get(member.name)
        if not isinstance(value, Mapping):
            continue
        if member.shape == "single":
            out[member.name] = neutral.value(_pool(value) if member.name == "pool" else value)
            continue
        for key, entry in value.items():
            label = _label(member, key, client_labels)
            document = dict(entry)
            if member.shape == "wrapped":
                document = {
                    **{k: v for k, v in entry.items() if k != "document"},
                    **redact_secrets(member.kind, entry.get("document") or {}),
                }
            out[f"{member.name}/{escape(label)}"] = neutral.value(document)
    return out


def _pool(document: Mapping[str, Any]) -> dict[str, Any]:
    out = {name: value for name, value in document.items() if name != "PoolName"}
    tags = out.get("UserPoolTags")
    if isinstance(tags, Mapping):
        out["UserPoolTags"] = {k: v for k, v in tags.items() if not str(k).startswith(OWN_TAG_PREFIX)}
    return out


def _label(member: Member, key: str, client_labels: Mapping[str, str]) -> str:
    if member.kind == "domain":
        return "custom" if "." in key else "prefix"
    if member.kind == "client" or (member.shape == "per-client" and key != POOL_LEVEL):
        return client_labels.get(key, key)
    return key


def _client_labels(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Each side's client id -> the label it is compared under: the id when both sides hold it, else the
    ``ClientName`` when exactly one unpaired client on each side has it; unpaired clients keep their id.

    A name that is also a label of something else (``pool``, the pool-level key of the per-client settings,
    or a client id of either side) is not used: two parts under one label would hide each other.
    """
    left: dict[str, str] = {}
    right: dict[str, str] = {}
    taken = {POOL_LEVEL, *a, *b}
    for client_id in a:
        if client_id in b:
            left[client_id] = right[client_id] = client_id
    names_a = Counter(_name(entry) for cid, entry in a.items() if cid not in left)
    names_b = Counter(_name(entry) for cid, entry in b.items() if cid not in right)
    for side, names, other, labels in ((a, names_a, names_b, left), (b, names_b, names_a, right)):
        for client_id, entry in side.items():
            if client_id not in labels:
                name = _name(entry)
                paired = names[name] == 1 and other[name] == 1 and name not in taken
                labels[client_id] = name if paired else client_id
    return left, right


def _name(entry: Any) -> str:
    return str(entry.get("ClientName") or "") if isinstance(entry, Mapping) else ""


class _Neutral:
    """Replaces the bundle's own pool id, and the account and Region of ARNs in its account and Region, with
    placeholders."""

    def __init__(self, user_pool_id: str, account_id: str, region: str) -> None:
        self._pool = user_pool_id
        self._account = account_id
        self._region = region

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    def _text(self, text: str) -> str:
        if self._pool and self._pool in text:
            text = text.replace(self._pool, "{userPoolId}")

        def arn(match: re.Match[str]) -> str:
            partition, service, region, account = match.groups()
            region = "{region}" if region and region == self._region else region
            account = "{accountId}" if account and account == self._account else account
            return f"arn:{partition}:{service}:{region}:{account}:"

        return _ARN.sub(arn, text) if "arn:" in text else text
