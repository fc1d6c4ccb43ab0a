"""Planted secrets never leave memory: every path, every artifact, searched for the planted values.

Secrets are planted where the service holds them (cognito-surface.md §3, §10, §11): an OIDC identity
provider's ``client_secret`` (Describe returns it in plaintext and the model marks it with no ``sensitive``
trait), a Sign in with Apple ``private_key`` sent in a patch (never returned by Describe), a new OIDC
``client_secret`` sent in a patch, and a confidential app client's generated ``ClientSecret``. Then the
engine (apply, plan, restore), the CLI (export, plan, apply; text and json) and the Lambda pipeline
(intake, apply, result events, S3 snapshots, idempotency records) run against the fake over HTTP, and every
artifact they produce (snapshot files and objects, stdout, stderr, log records, results and events) is
searched for each planted value. Writes are checked to carry the secrets they must (``faults.sent``).

Failures name the artifact and the secret's label, never the value.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from poolpatch.adapters.cognito import Boto3Cognito
from poolpatch.adapters.snapshots import LocalSnapshotStore
from poolpatch.cli import main
from poolpatch.engine import Engine, fixed
from poolpatch.request import parse_request
from poolpatch.result import Result
from poolpatch_fake import faults, seed
from poolpatch_fake.seed import FullPool
from poolpatch_fake.server import FakeServer
from poolpatch_fake.stack import EmbeddedStack

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

pytestmark = [pytest.mark.integration]

REGION = "eu-west-1"
ACCOUNT = seed.ACCOUNT_ID
REDACTED = "<redacted>"
APPLE = "SignInWithApple"
StackFactory = Callable[..., EmbeddedStack]


def _planted(label: str) -> str:
    return f"PLANTED-{label}-{uuid.uuid4().hex}"


@dataclass
class Secrets:
    """The planted values by label (labels, never values, appear in failure messages)."""

    values: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, label: str, value: str) -> str:
        self.values[label] = value
        return value

    def leaks(self, artifacts: Mapping[str, str]) -> list[tuple[str, str]]:
        """(artifact, secret label) for every planted value found in an artifact's text."""
        return [
            (name, label)
            for name, text in artifacts.items()
            for label, value in self.values.items()
            if value in text
        ]


@dataclass
class Pool:
    """The full pool on the fake, its planted secrets and the artifacts collected so far."""

    cognito: CognitoIdentityProviderClient
    full: FullPool
    secrets: Secrets
    endpoint_url: str
    root: Path
    artifacts: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def oidc(self) -> str:
        return self.full.identity_providers[0]

    def engine(self) -> Engine:
        port = Boto3Cognito(self.cognito, sleep=lambda _seconds: None)
        return Engine(fixed(port), LocalSnapshotStore(self.root), account_id=ACCOUNT, region=REGION)

    def run(self, target: Mapping[str, Any], **members: Any) -> Result:
        """One engine request; its result document is an artifact."""
        request_id = f"engine-{len(self.artifacts)}"
        document = {
            "version": "1",
            "requestId": request_id,
            "target": {"userPoolId": self.full.user_pool_id, **target},
        }
        result = self.engine().run(parse_request({**document, **members}))
        self.artifacts[f"result {request_id}"] = json.dumps(result.to_dict(), default=str)
        return result

    def cli(self, *argv: str) -> tuple[int, Any]:
        """``poolpatch argv`` in-process against the server; stdout and stderr are artifacts."""
        out, err = io.StringIO(), io.StringIO()
        common = ["--endpoint-url", self.endpoint_url, "--region", REGION]
        snapshots = ["--snapshot-dir", str(self.root)] if argv[0] in {"plan", "apply"} else []
        code = main([*argv, *common, *snapshots], stdout=out, stderr=err)
        name = " ".join(argv[:1] + tuple(a for a in argv if a.startswith("--output")) + argv[-1:])
        self.artifacts[f"cli stdout {name} #{len(self.artifacts)}"] = out.getvalue()
        self.artifacts[f"cli stderr {name} #{len(self.artifacts)}"] = err.getvalue()
        output = out.getvalue()
        return code, json.loads(output) if "--output" in argv and "json" in argv else output

    def snapshot_files(self) -> dict[str, str]:
        return {
            f"snapshot {path.relative_to(self.root)}": path.read_text()
            for path in sorted(self.root.rglob("*"))
            if path.is_file()
        }


class Records(logging.Handler):
    """Every log record, with its extra members, appended to a shared list of lines.

    One instance per logger: Powertools adds a filter to the root logger's handlers that drops its own
    service's records, so the handler on the root must not be the one on poolpatch's loggers.
    """

    def __init__(self, lines: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {vars(record)!r}")


@pytest.fixture
def records() -> Iterator[Records]:
    lines: list[str] = []
    names = ["", "poolpatch", "poolpatch_lambda", "service_undefined"]
    attached = [(logging.getLogger(name), Records(lines)) for name in names]
    levels = [logger.level for logger, _ in attached]
    for logger, handler in attached:
        logger.addHandler(handler)
        if logger.name != "root":
            logger.setLevel(logging.DEBUG)
    yield attached[1][1]
    for (logger, handler), level in zip(attached, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def _seed(cognito: CognitoIdentityProviderClient, secrets: Secrets) -> FullPool:
    """The full pool with a planted OIDC secret, an Apple provider and a confidential client."""
    full = seed.full_pool(
        cognito,
        oidc_client_secret=secrets.add("oidc client_secret", _planted("IDP-SECRET")),
        google_client_secret=secrets.add("google client_secret", _planted("GOOGLE-SECRET")),
    )
    cognito.create_identity_provider(
        UserPoolId=full.user_pool_id,
        ProviderName=APPLE,
        ProviderType="SignInWithApple",
        ProviderDetails={
            "client_id": "com.acme.partners",
            "team_id": "TEAM123456",
            "key_id": "KEY1234567",
            "private_key": secrets.add("apple private_key", _planted("APPLE-KEY")),
            "authorize_scopes": "email name",
        },
        AttributeMapping={"email": "email"},
    )
    client = cognito.describe_user_pool_client(UserPoolId=full.user_pool_id, ClientId=full.client_id)
    secrets.add("app client ClientSecret", client["UserPoolClient"]["ClientSecret"])
    faults.reset()
    return full


@pytest.fixture
def pool(moto_server: FakeServer, tmp_path: Path) -> Iterator[Pool]:
    cognito: CognitoIdentityProviderClient = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=moto_server.endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    secrets = Secrets()
    full = _seed(cognito, secrets)
    yield Pool(cognito, full, secrets, moto_server.endpoint_url, tmp_path.resolve())
    faults.reset()


def _every_artifact(pool: Pool, records: Records) -> dict[str, str]:
    return {**pool.artifacts, **pool.snapshot_files(), "log records": "\n".join(records.lines)}


# --- the engine --------------------------------------------------------------------------------------


def test_engine_plan_apply_and_restore_leak_no_secret(pool: Pool, records: Records) -> None:
    # Given the OIDC provider with a planted client_secret
    target = {"kind": "identityProvider", "name": pool.oidc}
    mapping = {"AttributeMapping": {"family_name": "family_name"}}

    # When a mapping change is planned, applied, then its before snapshot restored
    planned = pool.run(target, patch=mapping, mode="plan")
    applied = pool.run(target, patch=mapping)
    restored = pool.run(target, restore={"snapshot": applied.snapshots["before"]})

    # Then each ran, and each write carried the live secret unchanged
    assert (planned.status, applied.status, restored.status) == ("planned", "applied", "applied")
    sent = [body["ProviderDetails"]["client_secret"] for body in faults.sent("UpdateIdentityProvider")]
    assert sent == [pool.secrets.values["oidc client_secret"]] * 2
    # ... the snapshots show it redacted, and no artifact holds any planted value
    before = json.loads(
        pool.snapshot_files()[next(k for k in pool.snapshot_files() if k.endswith("before.json"))]
    )
    assert before["updateDocument"]["ProviderDetails"]["client_secret"] == REDACTED
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


def test_new_idp_secret_in_a_patch_is_written_but_recorded_nowhere(pool: Pool, records: Records) -> None:
    # Given a new client_secret for the OIDC provider
    rotated = pool.secrets.add("rotated client_secret", _planted("ROTATED-SECRET"))
    patch = {"ProviderDetails": {"client_secret": rotated}}

    # When it is planned then applied
    planned = pool.run({"kind": "identityProvider", "name": pool.oidc}, patch=patch, mode="plan")
    applied = pool.run({"kind": "identityProvider", "name": pool.oidc}, patch=patch)

    # Then the write carried it, the service holds it, and no artifact holds it or the old one
    assert (planned.status, applied.status) == ("planned", "applied")
    assert [body["ProviderDetails"]["client_secret"] for body in faults.sent("UpdateIdentityProvider")] == [
        rotated
    ]
    described = pool.cognito.describe_identity_provider(
        UserPoolId=pool.full.user_pool_id, ProviderName=pool.oidc
    )
    assert described["IdentityProvider"]["ProviderDetails"]["client_secret"] == rotated
    assert applied.to_dict()["changes"] == [
        {"path": "/ProviderDetails/client_secret", "before": REDACTED, "after": REDACTED}
    ]
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


def test_apple_private_key_in_a_patch_is_written_but_recorded_nowhere(pool: Pool, records: Records) -> None:
    # Given the Apple provider, whose private_key is never read back
    key = pool.secrets.add("new apple private_key", _planted("APPLE-KEY-NEW"))

    # When a mapping change sends the key, as the provider requires
    result = pool.run(
        {"kind": "identityProvider", "name": APPLE},
        patch={"ProviderDetails": {"private_key": key}, "AttributeMapping": {"name": "name"}},
    )

    # Then the write carried it, and no artifact holds it
    assert result.status == "applied"
    (sent,) = faults.sent("UpdateIdentityProvider")
    assert sent["ProviderDetails"]["private_key"] == key
    assert sent["ProviderDetails"]["team_id"] == "TEAM123456"
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


def test_failed_idp_write_leaks_no_secret(pool: Pool, records: Records) -> None:
    # Given the service refusing the next identity provider update
    faults.inject("UpdateIdentityProvider", "InvalidParameterException", message="Invalid provider details")
    rotated = pool.secrets.add("refused client_secret", _planted("REFUSED-SECRET"))

    # When a secret change is applied
    result = pool.run(
        {"kind": "identityProvider", "name": pool.oidc}, patch={"ProviderDetails": {"client_secret": rotated}}
    )

    # Then it is rejected with the service's code, and no artifact holds a planted value
    assert result.status == "rejected"
    assert result.to_dict()["error"]["code"] == "InvalidValue"
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


def test_confidential_client_change_leaks_no_client_secret(pool: Pool, records: Records) -> None:
    # Given the confidential app client, whose Describe returns its ClientSecret
    target = {"clientId": pool.full.client_id}
    patch = {"LogoutURLs": ["https://partners.acme.example.com/bye"]}

    # When a change is planned then applied
    planned = pool.run(target, patch=patch, mode="plan")
    applied = pool.run(target, patch=patch)

    # Then both ran, and the secret is in no artifact
    assert (planned.status, applied.status) == ("planned", "applied")
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


# --- the command line --------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json"])
def test_cli_export_plan_apply_leak_no_secret(pool: Pool, records: Records, output: str) -> None:
    # Given the OIDC and Apple providers and the confidential client
    oidc = ["--kind", "identityProvider", "--name", pool.oidc]
    apple = ["--kind", "identityProvider", "--name", APPLE]
    rotated = pool.secrets.add("cli client_secret", _planted("CLI-SECRET"))
    key = pool.secrets.add("cli apple private_key", _planted("CLI-APPLE-KEY"))
    mapping = json.dumps({"AttributeMapping": {"family_name": "family_name"}})

    # When each is exported, a mapping change planned and applied, a new secret and key applied
    codes = [
        pool.cli("export", "--user-pool-id", pool.full.user_pool_id, *oidc, "--output", output)[0],
        pool.cli("export", "--user-pool-id", pool.full.user_pool_id, *apple, "--output", output)[0],
        pool.cli("export", "--user-pool-id", pool.full.user_pool_id, "--client-id", pool.full.client_id)[0],
        pool.cli(
            "plan", "--user-pool-id", pool.full.user_pool_id, *oidc, "--patch", mapping, "--output", output
        )[0],
        pool.cli(
            "apply", "--user-pool-id", pool.full.user_pool_id, *oidc, "--patch", mapping, "--output", output
        )[0],
        pool.cli(
            "apply",
            "--user-pool-id",
            pool.full.user_pool_id,
            *oidc,
            "--patch",
            json.dumps({"ProviderDetails": {"client_secret": rotated}}),
            "--output",
            output,
        )[0],
        pool.cli(
            "apply",
            "--user-pool-id",
            pool.full.user_pool_id,
            *apple,
            "--patch",
            json.dumps({"ProviderDetails": {"private_key": key}}),
            "--output",
            output,
        )[0],
    ]

    # Then every command succeeded, the writes carried the new secret and key
    assert codes == [0] * 7, list(pool.artifacts)
    sent = faults.sent("UpdateIdentityProvider")
    assert [body["ProviderDetails"].get("client_secret") for body in sent[:2]] == [
        pool.secrets.values["oidc client_secret"],
        rotated,
    ]
    assert sent[2]["ProviderDetails"]["private_key"] == key
    # ... the export shows the secret as the placeholder, and no artifact holds a planted value
    exported = next(text for name, text in pool.artifacts.items() if name.startswith("cli stdout export"))
    assert f'"client_secret": "{REDACTED}"' in exported
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


def test_cli_export_applies_back_keeping_the_secret(pool: Pool, records: Records) -> None:
    # Given the provider exported (secret shown as "<redacted>") and its mapping edited in the export
    code, exported = pool.cli(
        "export", "--user-pool-id", pool.full.user_pool_id, "--kind", "identityProvider", "--name", pool.oidc
    )
    assert code == 0
    document = json.loads(exported)
    patch = {key: value for key, value in document.items() if key not in {"UserPoolId", "ProviderName"}}
    patch["AttributeMapping"] = {**patch["AttributeMapping"], "family_name": "family_name"}

    # When the edited export is applied as the patch
    code, _ = pool.cli(
        "apply",
        "--user-pool-id",
        pool.full.user_pool_id,
        "--kind",
        "identityProvider",
        "--name",
        pool.oidc,
        "--patch",
        json.dumps(patch),
    )

    # Then the write carried the live secret, not the placeholder, and nothing recorded it
    assert code == 0, list(pool.artifacts)
    (sent,) = faults.sent("UpdateIdentityProvider")
    assert sent["ProviderDetails"]["client_secret"] == pool.secrets.values["oidc client_secret"]
    leaks = pool.secrets.leaks(_every_artifact(pool, records))
    assert leaks == []


# --- the Lambda functions (intake → queue → apply → events, S3 snapshots, idempotency records) -------


def test_lambda_pipeline_leaks_no_secret(make_stack: StackFactory, records: Records) -> None:
    # Given the full pool in the stack's account, and a request rotating the OIDC secret
    stack = make_stack()
    cognito: CognitoIdentityProviderClient = stack.client("cognito-idp")
    secrets = Secrets()
    full = _seed(cognito, secrets)
    rotated = secrets.add("lambda client_secret", _planted("LAMBDA-SECRET"))
    target = {"userPoolId": full.user_pool_id, "kind": "identityProvider", "name": full.identity_providers[0]}
    rotate = {
        "version": "1",
        "requestId": "rotate-oidc",
        "target": target,
        "patch": {"ProviderDetails": {"client_secret": rotated}},
    }
    mapping = {
        **rotate,
        "requestId": "map-oidc",
        "patch": {"AttributeMapping": {"family_name": "family_name"}},
    }

    # When both go through the bus, intake and apply
    stack.put_request(rotate)
    stack.put_request(mapping)
    intake = stack.run_intake()
    batches = stack.run_apply()

    # Then both were applied, the writes carried the new secret
    assert [output["status"] for output in intake] == ["queued", "queued"]
    assert [batch.failed_ids for batch in batches] == [[]] * len(batches)
    events = stack.results()
    assert sorted(event["detail"]["status"] for event in events) == ["applied", "applied"]
    assert [body["ProviderDetails"]["client_secret"] for body in faults.sent("UpdateIdentityProvider")] == [
        rotated,
        rotated,
    ]
    # ... and no event, S3 snapshot, idempotency record, DLQ message or log record holds a planted value
    s3 = stack.client("s3")
    keys = stack.snapshot_keys()
    assert len(keys) == 4
    artifacts = {
        "events": json.dumps(events),
        "idempotency records": json.dumps(stack.idempotency_records()),
        "dlq": json.dumps(stack.dlq_messages()),
        "intake outputs": json.dumps(intake, default=str),
        "log records": "\n".join(records.lines),
        **{f"s3 {key}": s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read().decode() for key in keys},
    }
    leaks = secrets.leaks(artifacts)
    assert leaks == []
    assert any(line.startswith("request enqueued") for line in records.lines), "the log capture saw nothing"
