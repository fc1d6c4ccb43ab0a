"""Each pool's configuration history as drift sweeps keep it (design.md, "Drift"; issue 9): the key layout
``bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json`` and a bundle stored only when it
differs from the newest one stored for its pool. (The pools a sweep checked and reads that stop at a
deadline are in test_drift_bundle_pass.py.)

The stores are the real local-folder store (:class:`LocalSnapshotStore`, a ``DocumentStore`` like the S3 one
the drift function uses); the bundles are the test's own documents in the layout design.md gives.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from poolpatch.adapters.snapshots import LocalSnapshotStore, bundle_key, bundle_prefix
from poolpatch.bundle.archive import same_configuration, store_if_changed, stored_keys
from poolpatch.errors import SnapshotFailed

ACCOUNT = "111122223333"
REGION = "eu-west-1"
POOL = "eu-west-1_AbCdEf123"
PREFIX = f"bundles/{ACCOUNT}/{REGION}/{POOL}/"
MONDAY = datetime(2025, 3, 10, 6, 0, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)


def bundle(captured: datetime = MONDAY, **changes: Any) -> dict[str, Any]:
    """A bundle of POOL (design.md's layout): a pool, a group, an app client and a domain."""
    document: dict[str, Any] = {
        "version": "1",
        "kind": "poolBundle",
        "source": {
            "accountId": ACCOUNT,
            "region": REGION,
            "userPoolId": POOL,
            "capturedAt": captured.isoformat(),
            "poolpatchVersion": "0.1.0",
            "botocoreVersion": "1.44.8",
        },
        "createOnly": {
            "UsernameAttributes": [],
            "AliasAttributes": [],
            "UsernameConfiguration": {},
            "Schema": [],
        },
        "pool": {
            "PoolName": "acme-customers",
            "Policies": {"PasswordPolicy": {"MinimumLength": 14}},
            "UserPoolTags": {"team": "identity"},
        },
        "clients": {
            "4r2uq8j1pmbfe0fmdqk9v2l5hn": {
                "ClientName": "portal",
                "GenerateSecret": False,
                "document": {"ClientName": "portal", "RefreshTokenValidity": 30},
            }
        },
        "groups": {"admins": {"Description": "Administrators", "Precedence": 1}},
        "domains": {"acme-customers": {"ManagedLoginVersion": 2}},
    }
    for pointer, value in changes.items():
        *path, last = pointer.split("__")
        target = document
        for name in path:
            target = target[name]
        target[last] = value
    return document


def store(tmp_path: Path) -> LocalSnapshotStore:
    return LocalSnapshotStore(tmp_path / "store")


def stored(folder: LocalSnapshotStore) -> list[str]:
    return folder.list_keys("bundles/")


# ---------------------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------------------


def test_bundle_key_is_the_designed_layout_in_utc() -> None:
    # Given a capture time in UTC, in another offset, and naive
    utc = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)
    paris = datetime(2025, 3, 14, 10, 26, 53, tzinfo=timezone(timedelta(hours=1)))
    naive = datetime(2025, 3, 14, 9, 26, 53)
    # When keys are made
    keys = {bundle_key(ACCOUNT, REGION, POOL, moment) for moment in (utc, paris, naive)}
    # Then they are bundles/{accountId}/{region}/{userPoolId}/{yyyymmddTHHMMSSZ}.json, in UTC
    assert keys == {"bundles/111122223333/eu-west-1/eu-west-1_AbCdEf123/20250314T092653Z.json"}
    assert bundle_prefix(ACCOUNT, REGION, POOL) == PREFIX


@pytest.mark.parametrize(
    ("account", "region", "pool"),
    [
        ("11112222333", REGION, POOL),
        (ACCOUNT, "eu-west-1/..", POOL),
        (ACCOUNT, REGION, "../eu-west-1_AbCdEf123"),
        (ACCOUNT, REGION, "eu-west-1_AbC/def"),
        (ACCOUNT, REGION, ""),
    ],
)
def test_an_id_of_the_wrong_shape_never_makes_a_key(account: str, region: str, pool: str) -> None:
    # When a key is made for ids that would leave (or not name) a pool's prefix
    # Then it is refused
    with pytest.raises(ValueError, match="not a valid"):
        bundle_prefix(account, region, pool)


# ---------------------------------------------------------------------------------------------------------
# Stored only when changed
# ---------------------------------------------------------------------------------------------------------


def test_the_first_bundle_of_a_pool_is_stored_at_its_key(tmp_path: Path) -> None:
    # Given an empty store
    folder = store(tmp_path)
    # When the pool's first bundle is offered
    reference = store_if_changed(folder, bundle(), MONDAY)
    # Then it is stored at the pool's key for that time, as it was
    key = f"{PREFIX}20250310T060000Z.json"
    assert stored(folder) == [key]
    assert reference == folder.reference(key)
    assert folder.read_document(key) == bundle()


def test_a_bundle_with_the_same_configuration_is_not_stored_again(tmp_path: Path) -> None:
    # Given a stored bundle
    folder = store(tmp_path)
    store_if_changed(folder, bundle(MONDAY), MONDAY)
    # When the next day's bundle differs only in its source (capture time, versions)
    again = bundle(TUESDAY)
    again["source"]["botocoreVersion"] = "1.44.9"
    # Then nothing is stored
    assert store_if_changed(folder, again, TUESDAY) is None
    assert stored(folder) == [f"{PREFIX}20250310T060000Z.json"]


def test_a_changed_configuration_is_stored_beside_the_earlier_one(tmp_path: Path) -> None:
    # Given a stored bundle
    folder = store(tmp_path)
    store_if_changed(folder, bundle(MONDAY), MONDAY)
    # When a group's description changed by Tuesday
    changed = bundle(TUESDAY, groups__admins__Description="Administrators (EMEA)")
    reference = store_if_changed(folder, changed, TUESDAY)
    # Then a second bundle is stored at Tuesday's key, with the new description; Monday's is kept
    assert stored(folder) == [f"{PREFIX}20250310T060000Z.json", f"{PREFIX}20250311T060000Z.json"]
    assert reference == folder.reference(f"{PREFIX}20250311T060000Z.json")
    newest = folder.read_document(f"{PREFIX}20250311T060000Z.json")
    assert newest is not None
    assert newest["groups"]["admins"]["Description"] == "Administrators (EMEA)"
    oldest = folder.read_document(f"{PREFIX}20250310T060000Z.json")
    assert oldest is not None
    assert oldest["groups"]["admins"]["Description"] == "Administrators"


def test_a_change_back_is_a_change_compared_with_the_newest_bundle(tmp_path: Path) -> None:
    # Given Monday's bundle and Tuesday's changed one
    folder = store(tmp_path)
    store_if_changed(folder, bundle(MONDAY), MONDAY)
    store_if_changed(
        folder, bundle(TUESDAY, pool__Policies={"PasswordPolicy": {"MinimumLength": 8}}), TUESDAY
    )
    # When Wednesday's configuration is Monday's again
    reference = store_if_changed(folder, bundle(WEDNESDAY), WEDNESDAY)
    # Then it is stored: the history shows the change back
    assert reference is not None
    assert [key.removeprefix(PREFIX) for key in stored(folder)] == [
        "20250310T060000Z.json",
        "20250311T060000Z.json",
        "20250312T060000Z.json",
    ]


def test_each_pool_is_compared_with_its_own_history(tmp_path: Path) -> None:
    # Given a stored bundle of POOL, and another pool whose id starts with POOL's
    folder = store(tmp_path)
    store_if_changed(folder, bundle(MONDAY), MONDAY)
    other = bundle(MONDAY)
    other["source"]["userPoolId"] = f"{POOL}9"
    # When the other pool's bundle (the same configuration) is offered
    reference = store_if_changed(folder, other, MONDAY)
    # Then it is its pool's first bundle
    assert reference == folder.reference(f"bundles/{ACCOUNT}/{REGION}/{POOL}9/20250310T060000Z.json")
    assert len(stored(folder)) == 2


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not an object"),
        (json.dumps({"version": "2", "kind": "poolBundle"}).encode(), "not a bundle"),
        (
            json.dumps(
                {**bundle(), "pool": {"Policies": {"PasswordPolicy": {"MinimumLength": "x"}}}}
            ).encode(),
            "a part its update model refuses",
        ),
    ],
)
def test_an_unusable_newest_bundle_counts_as_different(tmp_path: Path, body: bytes, why: str) -> None:
    # Given a pool whose newest stored bundle cannot be used
    folder = store(tmp_path)
    path = folder.root / f"{PREFIX}20250310T060000Z.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(body)
    # When Tuesday's bundle is offered
    reference = store_if_changed(folder, bundle(TUESDAY), TUESDAY)
    # Then it is stored (a history whose newest entry cannot be read gets a good one)
    assert reference == folder.reference(f"{PREFIX}20250311T060000Z.json"), why


def test_files_of_another_shape_below_the_prefix_are_not_bundles(tmp_path: Path) -> None:
    # Given a stored bundle, and later-sorting files someone put beside it
    folder = store(tmp_path)
    store_if_changed(folder, bundle(MONDAY), MONDAY)
    folder.write_document(f"{PREFIX}notes.json", {"changed": True})
    folder.write_document(f"{PREFIX}20250312T060000Z.json.bak", {"changed": True})
    folder.write_document(f"{PREFIX}x/20250312T060000Z.json", {"changed": True})
    # When the same configuration is offered
    # Then the newest bundle is still Monday's, and nothing is stored
    assert stored_keys(folder, PREFIX) == [f"{PREFIX}20250310T060000Z.json"]
    assert store_if_changed(folder, bundle(TUESDAY), TUESDAY) is None


def test_a_bundle_is_compared_as_it_is_stored(tmp_path: Path) -> None:
    # Given a stored bundle, whose values went through JSON (lists)
    folder = store(tmp_path)
    store_if_changed(folder, bundle(MONDAY, createOnly__UsernameAttributes=["email"]), MONDAY)
    # When the same configuration is read with a tuple where JSON has a list
    again = bundle(TUESDAY, createOnly__UsernameAttributes=("email",))
    # Then it is the same configuration
    assert store_if_changed(folder, again, TUESDAY) is None


class _FailingWrites(LocalSnapshotStore):
    def write_document(self, key: str, document: Mapping[str, Any]) -> str:
        raise SnapshotFailed(f"Could not write {key}: injected")


def test_a_store_failure_is_raised_not_hidden(tmp_path: Path) -> None:
    # Given a store whose writes fail
    folder = _FailingWrites(tmp_path / "store")
    # When a bundle is offered
    # Then the store's error reaches the caller (who records it)
    with pytest.raises(SnapshotFailed, match="injected"):
        store_if_changed(folder, bundle(), MONDAY)


# ---------------------------------------------------------------------------------------------------------
# Same configuration: diff_bundles, and what it leaves out that is one pool's configuration
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "changes"),
    [
        ("the pool renamed", {"pool__PoolName": "acme-customers-v2"}),
        ("a poolpatch tag set", {"pool__UserPoolTags": {"team": "identity", "poolpatch:drift": "report"}}),
        ("a domain renamed", {"domains": {"acme-customers-2": {"ManagedLoginVersion": 2}}}),
        (
            "an app client recreated with its old name and settings",
            {
                "clients": {
                    "7kq3vd1ofh2m9pnbt6cr0swa5e": {
                        "ClientName": "portal",
                        "GenerateSecret": False,
                        "document": {"ClientName": "portal", "RefreshTokenValidity": 30},
                    }
                }
            },
        ),
        ("a group's description", {"groups__admins__Description": "Admins"}),
        (
            "a group added",
            {"groups": {"admins": {"Description": "Administrators", "Precedence": 1}, "ops": {}}},
        ),
    ],
)
def test_what_differs_for_one_pool_is_a_change(what: str, changes: dict[str, Any]) -> None:
    # Given Monday's bundle and Tuesday's with one change
    # When they are compared
    # Then they are not the same configuration
    assert not same_configuration(bundle(MONDAY), bundle(TUESDAY, **changes)), what


def test_the_source_alone_is_no_change() -> None:
    later = bundle(TUESDAY)
    later["source"].update(poolpatchVersion="0.2.0", botocoreVersion="1.45.0")
    assert same_configuration(bundle(MONDAY), later)


def test_the_bundle_helper_does_not_mutate_its_input(tmp_path: Path) -> None:
    original = bundle()
    kept = copy.deepcopy(original)
    store_if_changed(store(tmp_path), original, MONDAY)
    assert original == kept
