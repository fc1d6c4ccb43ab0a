"""``poolpatch history`` in-process, against moto with the faithful Cognito fake installed.

The history is built by really applying changes through the CLI, with snapshots in a local folder and in
a moto S3 bucket (design.md, "Whole-pool bundle, diff and clone"). Expected entries come from what each
test did (request ids, reasons, requested-by, the paths its patches set) and from the raw snapshot files
and S3 listings, never from the code under test; the order is the order the test applied its changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import boto3
import pytest
from moto import mock_aws

import poolpatch_fake
from helpers.cli import Run, cli
from poolpatch_fake import seed

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_s3 import S3Client

REGION: Final = "eu-west-1"
ACCOUNT: Final = seed.ACCOUNT_ID
BUCKET: Final = "poolpatch-history-test"
MIN_LENGTH: Final = "/Policies/PasswordPolicy/MinimumLength"
POST_AUTH: Final = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:acme-auth-post-authentication"
GROUP: Final = "support-agents"
OIDC: Final = "AcmeWorkforce"
OIDC_SECRET: Final = "oidc-secret-planted-by-test-history-51d0"


class Store:
    """A snapshot store as the test sees it: its CLI options, raw keys and files, references."""

    args: tuple[str, ...]

    def listing(self) -> list[str]:
        """Every key, sorted (raw listing)."""
        raise NotImplementedError

    def body(self, key: str) -> bytes:
        """The raw bytes at ``key``."""
        raise NotImplementedError

    def put(self, key: str, body: bytes) -> None:
        """Write ``body`` at ``key`` (overwriting)."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        raise NotImplementedError

    def ref(self, key: str) -> str:
        """The reference results report for ``key`` (README "Snapshots")."""
        raise NotImplementedError

    def snapshot(self, key: str) -> dict[str, Any]:
        """The JSON at ``key``."""
        document: dict[str, Any] = json.loads(self.body(key))
        return document

    def folder_of(self, request_id: str) -> str:
        """The key prefix ``.../{stamp}-{request_id}/`` of the one folder of ``request_id``."""
        folders = {
            key.rsplit("/", 1)[0] for key in self.listing() if key.rsplit("/", 2)[1][17:] == request_id
        }
        assert len(folders) == 1, folders
        return folders.pop() + "/"


class LocalStore(Store):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.args = ("--snapshot-dir", str(root))

    def listing(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def body(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def put(self, key: str, body: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)  # snapshots are hard links: write a new file, never through the link
        path.write_bytes(body)

    def delete(self, key: str) -> None:
        (self.root / key).unlink()

    def ref(self, key: str) -> str:
        return "file://" + quote(str((self.root / key).resolve()))


class S3Store(Store):
    def __init__(self, s3: S3Client) -> None:
        self.s3 = s3
        self.args = ("--snapshot-bucket", BUCKET)

    def listing(self) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def put(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=BUCKET, Key=key)

    def ref(self, key: str) -> str:
        return f"s3://{BUCKET}/{key}"


@dataclass(frozen=True)
class Pool:
    """The realistic pool, its OAuth client, and a boto3 client to look at them."""

    cognito: CognitoIdentityProviderClient
    pool_id: str
    client_id: str

    def min_length(self) -> int:
        """The live MinimumLength (raw DescribeUserPool)."""
        pool = self.cognito.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]
        return int(pool["Policies"]["PasswordPolicy"]["MinimumLength"])

    def prefix(self, segment: str = "pool") -> str:
        """The target's key prefix (README "Snapshots": the session's account and Region)."""
        return f"snapshots/{ACCOUNT}/{REGION}/{self.pool_id}/{segment}/"


@pytest.fixture
def pool() -> Iterator[Pool]:
    """moto + the fake, with the realistic pool seeded and a snapshot bucket."""
    with mock_aws(), poolpatch_fake.installed():
        poolpatch_fake.faults.reset()
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id, client_id = seed.realistic_pool(cognito)
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield Pool(cognito, pool_id, client_id)
        poolpatch_fake.faults.reset()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, pool: Pool, tmp_path: Path) -> Store:
    """The local folder or the S3 bucket (both run on the same fake)."""
    del pool  # the S3 bucket lives in the pool fixture's mock
    if request.param == "local":
        return LocalStore(tmp_path / "snapshots-root")
    return S3Store(boto3.client("s3", region_name=REGION))


def apply(
    pool: Pool, store: Store, patch: dict[str, Any], *target: str, request_id: str, reason: str = ""
) -> Run:
    """``poolpatch apply`` of ``patch`` (the pool unless ``target`` options are given)."""
    run = cli(
        "apply",
        *(target or ("--user-pool-id", pool.pool_id)),
        "--patch",
        json.dumps(patch),
        *store.args,
        "--request-id",
        request_id,
        "--reason",
        reason,
        "--requested-by",
        f"{request_id}@acme.example.com",
    )
    return run


def history(pool: Pool, store: Store, *target: str, output: str = "json") -> Run:
    """``poolpatch history`` of the pool (or ``target``) in ``store``."""
    return cli("history", *(target or ("--user-pool-id", pool.pool_id)), *store.args, "--output", output)


#: The test's own changes, oldest first: request id, reason, patch, the paths the patch sets.
CHANGES: Final[list[tuple[str, str, dict[str, Any], set[str]]]] = [
    (
        "req-a",
        "SEC-101 longer passwords",
        {"Policies": {"PasswordPolicy": {"MinimumLength": 14}}},
        {MIN_LENGTH},
    ),
    (
        "req-b",
        "SEC-102 owner tag and audit trigger",
        {"UserPoolTags": {"owner": "platform"}, "LambdaConfig": {"PostAuthentication": POST_AUTH}},
        {"/UserPoolTags/owner", "/LambdaConfig/PostAuthentication"},
    ),
    ("req-c", "SEC-103 longer still", {"Policies": {"PasswordPolicy": {"MinimumLength": 16}}}, {MIN_LENGTH}),
]


def apply_all(pool: Pool, store: Store) -> None:
    """Apply :data:`CHANGES` in order, each one checked as applied."""
    for request_id, reason, patch, _ in CHANGES:
        run = apply(pool, store, patch, request_id=request_id, reason=reason)
        assert run.code == 0, run.err
        assert "status: applied" in run.out


def expected_entry(
    store: Store, request_id: str, reason: str, paths: set[str], folder: str | None = None
) -> dict[str, Any]:
    """An entry as the test knows it: its own request, the raw folder's references and capture time."""
    folder = folder or store.folder_of(request_id)
    return {
        "time": store.snapshot(folder + "before.json")["capturedAt"],
        "requestId": request_id,
        "reason": reason,
        "requestedBy": f"{request_id}@acme.example.com",
        "changes": sorted(paths),
        "before": store.ref(folder + "before.json"),
        "after": store.ref(folder + "after.json"),
    }


def sorted_changes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with their changes sorted (the test's patches are sets of paths)."""
    return [{**entry, "changes": sorted(entry["changes"])} for entry in entries]


# --- the history of applied changes --------------------------------------------------------------


def test_history_lists_each_applied_change_newest_first(pool: Pool, store: Store) -> None:
    # Given three changes applied through the CLI, one after the other
    apply_all(pool, store)

    # When the pool's history is asked for
    run = history(pool, store)

    # Then it lists exactly those changes, newest first, with their requests, paths and snapshots
    assert run.code == 0, run.err
    assert run.err == ""
    entries = run.json()["entries"]
    assert sorted_changes(entries) == [
        expected_entry(store, request_id, reason, paths) for request_id, reason, _, paths in reversed(CHANGES)
    ]
    assert set(run.json()) == {"entries"}


def test_before_reference_from_history_restores_through_apply(pool: Pool, store: Store) -> None:
    # Given the three changes, the newest moving MinimumLength from 14 to 16
    apply_all(pool, store)
    assert pool.min_length() == 16
    newest = history(pool, store).json()["entries"][0]
    assert newest["requestId"] == "req-c"

    # When its before reference is restored
    restored = cli(
        "apply", "--user-pool-id", pool.pool_id, "--restore", newest["before"], *store.args,
        "--request-id", "req-undo-c", "--reason", "roll back SEC-103",
    )  # fmt: skip

    # Then the pool is back to 14, and the restore is now the newest entry of the history, on that path
    assert restored.code == 0, restored.err
    assert pool.min_length() == 14
    entries = history(pool, store).json()["entries"]
    assert [entry["requestId"] for entry in entries] == ["req-undo-c", "req-c", "req-b", "req-a"]
    assert entries[0]["changes"] == [MIN_LENGTH]
    assert entries[0]["reason"] == "roll back SEC-103"


def test_text_output_is_one_block_per_entry_newest_first(pool: Pool, store: Store) -> None:
    # Given the three changes
    apply_all(pool, store)

    # When the history is printed as text
    run = history(pool, store, output="text")

    # Then each change has its block (request, reason, requested by, paths, before), newest first
    assert run.code == 0, run.err
    blocks = run.out.split("\n\n")
    assert "3 change(s)" in blocks[0]
    for block, (request_id, reason, _, paths) in zip(blocks[1:4], reversed(CHANGES), strict=True):
        folder = store.folder_of(request_id)
        assert f"request {request_id}" in block
        assert reason in block
        assert f"{request_id}@acme.example.com" in block
        assert all(path in block for path in paths)
        assert store.ref(folder + "before.json") in block
        assert store.ref(folder + "after.json") in block
    # ... and says how to roll one back
    assert f"poolpatch apply --user-pool-id {pool.pool_id} --restore BEFORE" in blocks[-1]


def test_empty_history_exits_0_with_no_entries(pool: Pool, store: Store) -> None:
    # Given no change was ever applied

    # When the history is asked for, as JSON and as text
    as_json = history(pool, store)
    as_text = history(pool, store, output="text")

    # Then it is empty, successfully, and nothing was created
    assert as_json.code == 0, as_json.err
    assert as_json.json() == {"entries": []}
    assert as_text.code == 0, as_text.err
    assert "no changes recorded" in as_text.out
    assert store.listing() == []


# --- kinds and clients ----------------------------------------------------------------------------


def test_named_kind_history_is_that_resource_only(pool: Pool, store: Store) -> None:
    # Given two groups whose names share a prefix, a change to each, and a pool change
    pool.cognito.create_group(UserPoolId=pool.pool_id, GroupName=GROUP, Description="Support")
    pool.cognito.create_group(UserPoolId=pool.pool_id, GroupName=f"{GROUP}-eu", Description="Support EU")
    group = ("--user-pool-id", pool.pool_id, "--kind", "group", "--name", GROUP)
    other = ("--user-pool-id", pool.pool_id, "--kind", "group", "--name", f"{GROUP}-eu")
    changed = apply(
        pool, store, {"Description": "Tier-2 support", "Precedence": 5}, *group, request_id="req-g"
    )
    assert changed.code == 0, changed.err
    assert apply(pool, store, {"Precedence": 7}, *other, request_id="req-g-eu").code == 0
    assert apply(pool, store, CHANGES[0][2], request_id="req-pool").code == 0

    # When the first group's history is asked for
    run = history(pool, store, *group)

    # Then it holds its own change only, with the paths the patch set
    assert run.code == 0, run.err
    assert sorted_changes(run.json()["entries"]) == [
        expected_entry(store, "req-g", "", {"/Description", "/Precedence"})
    ]
    assert "/group-support-agents/" in run.json()["entries"][0]["before"]
    # ... and the pool's history does not hold the groups' changes
    assert [entry["requestId"] for entry in history(pool, store).json()["entries"]] == ["req-pool"]


def test_history_of_a_deleted_group_still_shows_and_reads_no_cognito(pool: Pool, store: Store) -> None:
    # Given a group changed through the CLI, then deleted
    pool.cognito.create_group(UserPoolId=pool.pool_id, GroupName=GROUP, Description="Support")
    group = ("--user-pool-id", pool.pool_id, "--kind", "group", "--name", GROUP)
    assert apply(pool, store, {"Description": "Tier-2 support"}, *group, request_id="req-g").code == 0
    pool.cognito.delete_group(UserPoolId=pool.pool_id, GroupName=GROUP)
    poolpatch_fake.faults.reset()

    # When its history is asked for
    run = history(pool, store, *group)

    # Then the change is listed, and no Cognito operation was called
    assert run.code == 0, run.err
    assert sorted_changes(run.json()["entries"]) == [expected_entry(store, "req-g", "", {"/Description"})]
    assert poolpatch_fake.faults.calls() == []


def test_client_history_is_that_client_only(pool: Pool, store: Store) -> None:
    # Given a change to the app client and one to its pool
    client = ("--user-pool-id", pool.pool_id, "--client-id", pool.client_id)
    assert apply(pool, store, {"AccessTokenValidity": 30}, *client, request_id="req-client").code == 0
    assert apply(pool, store, CHANGES[0][2], request_id="req-pool").code == 0

    # When the client's history is asked for
    run = history(pool, store, *client)

    # Then it lists the client change only
    assert run.code == 0, run.err
    assert sorted_changes(run.json()["entries"]) == [
        expected_entry(store, "req-client", "", {"/AccessTokenValidity"})
    ]
    assert f"/client-{pool.client_id}/" in run.json()["entries"][0]["before"]


def test_secret_change_is_listed_by_path_and_never_shown(pool: Pool, tmp_path: Path) -> None:
    # Given an OIDC provider whose secret is rotated, with an attribute mapping change
    store = LocalStore(tmp_path / "snapshots-root")
    pool.cognito.create_identity_provider(
        UserPoolId=pool.pool_id,
        ProviderName=OIDC,
        ProviderType="OIDC",
        ProviderDetails={
            "client_id": "acme-workforce",
            "client_secret": OIDC_SECRET,
            "authorize_scopes": "openid email",
            "attributes_request_method": "GET",
            "oidc_issuer": "https://login.acme.example.com",
        },
        AttributeMapping={"email": "email", "username": "sub"},
    )
    rotated = "rotated-secret-that-must-stay-hidden-e2a7"
    idp = ("--user-pool-id", pool.pool_id, "--kind", "identityProvider", "--name", OIDC)
    patch = {"ProviderDetails": {"client_secret": rotated}, "AttributeMapping": {"name": "name"}}
    applied = apply(pool, store, patch, *idp, request_id="req-rotate")
    assert applied.code == 0, applied.err
    raw = pool.cognito.describe_identity_provider(UserPoolId=pool.pool_id, ProviderName=OIDC)
    assert raw["IdentityProvider"]["ProviderDetails"]["client_secret"] == rotated

    # When its history is printed, as JSON and as text
    as_json = history(pool, store, *idp)
    as_text = history(pool, store, *idp, output="text")

    # Then the secret's path is listed with the mapping's, and neither secret value appears anywhere
    assert as_json.code == 0, as_json.err
    assert sorted_changes(as_json.json()["entries"]) == [
        expected_entry(store, "req-rotate", "", {"/ProviderDetails/client_secret", "/AttributeMapping/name"})
    ]
    for run in (as_json, as_text):
        assert rotated not in run.out + run.err
        assert OIDC_SECRET not in run.out + run.err


def test_added_custom_attribute_is_listed_as_the_apply_result_lists_it(pool: Pool, store: Store) -> None:
    # Given a custom attribute added through the CLI, with its result as JSON
    attribute = [{"Name": "plan", "AttributeDataType": "String", "Mutable": True}]
    added = cli(
        "apply", "--user-pool-id", pool.pool_id, "--patch", "{}", "--add-custom-attributes",
        json.dumps(attribute), *store.args, "--request-id", "req-attr", "--output", "json",
    )  # fmt: skip
    assert added.code == 0, added.err
    raw = pool.cognito.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    assert "custom:plan" in [item["Name"] for item in raw["SchemaAttributes"]]

    # When the history is asked for
    entries = history(pool, store).json()["entries"]

    # Then the entry's paths are the result's: the attribute, though no update document holds it
    assert [entry["changes"] for entry in entries] == [[change["path"] for change in added.json()["changes"]]]
    assert entries[0]["changes"] == ["/SchemaAttributes/custom:plan"]


# --- incomplete and damaged stores ----------------------------------------------------------------


def test_a_failed_write_is_listed_without_after_and_with_its_intended_paths(pool: Pool, store: Store) -> None:
    # Given one applied change, then a change whose UpdateUserPool the service refuses
    assert apply(pool, store, CHANGES[0][2], request_id="req-a").code == 0
    poolpatch_fake.faults.inject("UpdateUserPool", "InvalidParameterException", message="refused by test")
    failed = apply(pool, store, CHANGES[1][2], request_id="req-failed", reason="will fail")
    assert failed.code == 1
    folder = store.folder_of("req-failed")
    assert [key for key in store.listing() if key.startswith(folder)] == [folder + "before.json"]

    # When the history is asked for
    run = history(pool, store)

    # Then the failed request is listed first, with no after snapshot and the paths it meant to change
    assert run.code == 0, run.err
    newest, older = sorted_changes(run.json()["entries"])
    assert newest == {
        **expected_entry(store, "req-failed", "will fail", CHANGES[1][3]),
        "after": None,
    }
    assert older == expected_entry(store, "req-a", "", CHANGES[0][3])
    # ... and the text output says the outcome was not recorded
    text = history(pool, store, output="text").out
    assert "after:        (none: the write's outcome was not recorded" in text


def later_folder(folder: str, seconds: int) -> str:
    """``folder`` (``.../{stamp}-{requestId}/``) with its time moved ``seconds`` later."""
    head, name, _ = folder.rsplit("/", 2)
    moment = datetime.strptime(name[:16], "%Y%m%dT%H%M%SZ") + timedelta(seconds=seconds)
    return f"{head}/{moment.strftime('%Y%m%dT%H%M%SZ')}{name[16:]}/"


def test_an_after_snapshot_in_a_later_folder_pairs_with_its_request(pool: Pool, store: Store) -> None:
    # Given a change whose after snapshot sits in a later folder of the same request, as crash recovery
    # writes it (the interrupted attempt's folder keeps only the before snapshot)
    assert apply(pool, store, CHANGES[0][2], request_id="req-recovered").code == 0
    folder = store.folder_of("req-recovered")
    later = later_folder(folder, 5)
    before = expected_entry(store, "req-recovered", "", {MIN_LENGTH})
    store.put(later + "after.json", store.body(folder + "after.json"))
    store.delete(folder + "after.json")

    # When the history is asked for
    run = history(pool, store)

    # Then it is one entry: the first folder's before snapshot and the later folder's after snapshot
    assert run.code == 0, run.err
    assert run.err == ""
    assert sorted_changes(run.json()["entries"]) == [{**before, "after": store.ref(later + "after.json")}]


def test_a_second_after_snapshot_of_a_complete_change_adds_no_entry(pool: Pool, store: Store) -> None:
    # Given a complete change, and a later after-only folder of the same request (a redelivery that found
    # the write done records a new after snapshot)
    assert apply(pool, store, CHANGES[0][2], request_id="req-redelivered").code == 0
    folder = store.folder_of("req-redelivered")
    expected = expected_entry(store, "req-redelivered", "", {MIN_LENGTH})
    store.put(later_folder(folder, 5) + "after.json", store.body(folder + "after.json"))

    # When the history is asked for
    entries = history(pool, store).json()["entries"]

    # Then the change is listed once, with its own folder's snapshots
    assert sorted_changes(entries) == [expected]


def test_an_after_snapshot_without_before_is_listed_without_changes(pool: Pool, store: Store) -> None:
    # Given two changes, the older one's before snapshot removed
    apply_all(pool, store)
    folder = store.folder_of("req-a")
    store.delete(folder + "before.json")

    # When the history is asked for
    run = history(pool, store)

    # Then the older change is listed from its after snapshot, with no before and no paths, and a warning
    assert run.code == 0, run.err
    assert run.json()["entries"][-1] == {
        "time": store.snapshot(folder + "after.json")["capturedAt"],
        "requestId": "req-a",
        "reason": CHANGES[0][1],
        "requestedBy": "req-a@acme.example.com",
        "changes": [],
        "before": None,
        "after": store.ref(folder + "after.json"),
    }
    assert len(run.json()["entries"]) == 3
    assert (
        run.err
        == f"warning: {store.ref(folder + 'after.json')} has no before snapshot: listed without changes\n"
    )


def test_corrupt_and_foreign_files_are_skipped_with_a_warning(pool: Pool, store: Store) -> None:
    # Given two applied changes, then damage: the older one's before snapshot overwritten with garbage,
    # a folder holding a non-JSON before snapshot, a JSON object that is no snapshot, a foreign file,
    # and a snapshot of another target (the app client) copied below the pool's prefix
    apply_all(pool, store)
    client = ("--user-pool-id", pool.pool_id, "--client-id", pool.client_id)
    assert apply(pool, store, {"AccessTokenValidity": 30}, *client, request_id="req-client").code == 0
    damaged = store.folder_of("req-a")
    store.put(damaged + "before.json", b"\x00not json{")
    prefix = pool.prefix()
    garbage = f"{prefix}20200101T000000Z-req-garbage/before.json"
    store.put(garbage, b"{truncated")
    not_snapshot = f"{prefix}20200101T000001Z-req-object/before.json"
    store.put(not_snapshot, b'{"hello": "world"}')
    foreign = f"{prefix}notes.txt"
    store.put(foreign, b"operator notes")
    copied = f"{prefix}20200101T000002Z-req-copied/before.json"
    store.put(copied, store.body(store.folder_of("req-client") + "before.json"))

    # When the history is asked for
    run = history(pool, store)

    # Then it succeeds; each skipped file is named in a warning, and no file's content is echoed
    assert run.code == 0, run.err
    warnings = run.err.splitlines()
    for key in (damaged + "before.json", garbage, not_snapshot, foreign, copied):
        assert sum(store.ref(key) in line for line in warnings) == 1, key
    assert len(warnings) == 5
    assert all(line.startswith("warning: skipped ") for line in warnings)
    assert "world" not in run.err
    assert "operator notes" not in run.err
    # ... the intact changes are listed as ever, and the damaged one from its after snapshot alone
    entries = sorted_changes(run.json()["entries"])
    assert entries[:2] == [
        expected_entry(store, request_id, reason, paths) for request_id, reason, _, paths in CHANGES[:0:-1]
    ]
    assert entries[2] == {
        "time": store.snapshot(damaged + "after.json")["capturedAt"],
        "requestId": "req-a",
        "reason": CHANGES[0][1],
        "requestedBy": "req-a@acme.example.com",
        "changes": [],
        "before": None,
        "after": store.ref(damaged + "after.json"),
    }
    assert len(entries) == 3


def test_reason_with_control_characters_is_escaped_in_text(pool: Pool, store: Store) -> None:
    # Given a change whose reason holds a terminal escape and a newline
    reason = "SEC-9\x1b[2J\nforged line"
    assert apply(pool, store, CHANGES[0][2], request_id="req-escape", reason=reason).code == 0

    # When the history is printed as text and as JSON
    text = history(pool, store, output="text")
    as_json = history(pool, store)

    # Then the text shows them escaped, never raw; the JSON carries the reason as recorded
    assert "\x1b" not in text.out
    assert "\\x1b[2J\\nforged line" in text.out
    assert as_json.json()["entries"][0]["reason"] == reason


# --- options and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [
        (("--kind", "group"), "/target/name"),
        (("--kind", "group", "--name", GROUP, "--client-id", "abc123"), "/target/clientId"),
        (("--kind", "riskConfiguration", "--name", "x"), "/target/name"),
    ],
    ids=["named-kind-without-name", "group-with-client", "name-for-unnamed-kind"],
)
def test_invalid_target_options_exit_1(
    pool: Pool, tmp_path: Path, extra: tuple[str, ...], pointer: str
) -> None:
    # Given target options a change request would refuse

    # When the history is asked for
    run = cli("history", "--user-pool-id", pool.pool_id, *extra, "--snapshot-dir", str(tmp_path))

    # Then it is refused with the offending member, and prints no history
    assert run.code == 1
    assert "InvalidRequest" in run.err
    assert f"(at {pointer})" in run.err
    assert run.out == ""


def test_missing_bucket_exits_1(pool: Pool) -> None:
    # Given a bucket that does not exist

    # When the history is read from it
    run = cli("history", "--user-pool-id", pool.pool_id, "--snapshot-bucket", "no-such-bucket-9f1c")

    # Then the error names the bucket
    assert run.code == 1
    assert "s3://no-such-bucket-9f1c/" in run.err
    assert run.out == ""


def test_user_pool_id_is_required(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given no --user-pool-id
    # When history is run
    with pytest.raises(SystemExit) as exited:
        cli("history", "--snapshot-dir", str(tmp_path))

    # Then it is a usage error (exit 1, not 2) naming the option
    assert exited.value.code == 1
    assert "--user-pool-id" in capsys.readouterr().err
