"""Sessions: the caller's own (CLI, hub account) and assumed roles in target accounts.

:class:`AwsContext` wraps one boto3 session with an optional endpoint (a local
moto server, or ``AWS_ENDPOINT_URL``) and caches its clients.

:class:`TargetSessions` serves cross-account requests: it refuses accounts
outside the allow-list with ``TargetNotAllowed`` before any call, then assumes
``arn:{partition}:iam::{account}:role/{TARGET_ROLE_NAME}`` with the external id
and ``SourceIdentity=poolpatch``. The Lambda functions assume the role in their
own account too (``assume_own_account``), so every write poolpatch's functions
make carries ``sourceIdentity: poolpatch`` in CloudTrail, the hub account
included.

Credentials and the Cognito port built on them are cached per account (and
Region) until shortly before they expire: one STS call and one client per
target account per container, not per request. The role session name is
``poolpatch-{container}-{n}`` (never a request id, which a cached session would
carry into later requests' CloudTrail events); each result and snapshot records
the session (role ARN and name), which with the target and the time identifies
the request behind a CloudTrail event, since a pool has one writer at a time.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from poolpatch.adapters.cognito import SDK_MAX_ATTEMPTS, Boto3Cognito, client_config, translate
from poolpatch.errors import AccessDenied, InvalidRequest, PoolpatchError, ServiceError, TargetNotAllowed
from poolpatch.request import Target

if TYPE_CHECKING:
    import argparse

    from mypy_boto3_sts import STSClient

SOURCE_IDENTITY = "poolpatch"
#: Renew assumed-role credentials this long before they expire.
REFRESH_MARGIN = timedelta(minutes=5)
_SESSION_NAME = re.compile(r"[^\w+=,.@-]")


class AwsContext:
    """One boto3 session, its Region and endpoint, and cached clients."""

    def __init__(self, session: boto3.Session, *, endpoint_url: str | None = None) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}
        self._account: str | None = None

    @classmethod
    def from_cli(cls, args: argparse.Namespace) -> AwsContext:
        """From the CLI's ``--profile``, ``--region`` and ``--endpoint-url``."""
        try:
            session = boto3.Session(profile_name=args.profile, region_name=args.region)
        except BotoCoreError as exc:
            raise AccessDenied(f"Cannot create an AWS session: {exc}", remedy="Check --profile.") from None
        if not session.region_name:
            raise InvalidRequest(
                "No AWS Region is configured.",
                path="/target/region",
                remedy="Pass --region or set AWS_REGION / AWS_DEFAULT_REGION.",
            )
        return cls(session, endpoint_url=args.endpoint_url)

    @property
    def region(self) -> str:
        """The session's Region."""
        return str(self.session.region_name)

    def client(self, service: str, *, max_attempts: int = SDK_MAX_ATTEMPTS) -> Any:
        """A cached client with poolpatch's retry configuration (``max_attempts=1``: requests sent once)."""
        key = f"{service}/{max_attempts}"
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service,  # type: ignore[call-overload]
                endpoint_url=self.endpoint_url,
                config=client_config(max_attempts=max_attempts),
            )
        return self._clients[key]

    def cognito(self) -> Boto3Cognito:
        """The Cognito port of this session, its creates sent once (:meth:`Boto3Cognito.invoke`)."""
        return Boto3Cognito(
            self.client("cognito-idp"), once=lambda: self.client("cognito-idp", max_attempts=1)
        )

    def account_id(self) -> str:
        """The caller's account (STS GetCallerIdentity, once)."""
        if self._account is None:
            try:
                self._account = str(self.client("sts").get_caller_identity()["Account"])
            except ClientError as exc:
                raise translate(exc, "GetCallerIdentity", service="sts") from None
            except BotoCoreError as exc:
                raise AccessDenied(
                    f"Cannot identify the caller: {exc}", remedy="Configure credentials."
                ) from None
        return self._account


def parse_accounts(value: str | None) -> frozenset[str]:
    """``ALLOWED_ACCOUNT_IDS``: a comma list of 12-digit ids (blank entries ignored)."""
    return frozenset(item.strip() for item in (value or "").split(",") if item.strip())


def accounts_allowed(own_account: str, configured: Iterable[str]) -> frozenset[str]:
    """The accounts that may be changed: ``ALLOWED_ACCOUNT_IDS``, or the own account when it is empty."""
    return frozenset(configured) or frozenset({own_account})


def check_allowed(target: Target, *, own_account: str, allowed: Iterable[str]) -> None:
    """``TargetNotAllowed`` for a target account outside ``allowed`` (empty: the own account only)."""
    account = target.account_id or own_account
    if account not in accounts_allowed(own_account, allowed):
        raise TargetNotAllowed(
            f"Account {account} is not in ALLOWED_ACCOUNT_IDS.",
            path="/target/accountId",
            remedy="Ask the poolpatch operators to allow the account, and deploy the target role there.",
        )


def _sharing_models(base: boto3.Session) -> botocore.session.Session:
    """A new botocore session that reuses the base session's data loader: every assumed-role session of
    a container reads the service models (cognito-idp's is large) once, not once per account."""
    session = botocore.session.Session()
    session.register_component("data_loader", base._session.get_component("data_loader"))
    return session


@dataclass
class _Cached:
    session: boto3.Session
    expires: datetime
    name: str
    ports: dict[str | None, Boto3Cognito]
    account: str


class TargetSessions:
    """Sessions per target account: the own session, or an assumed role in an allowed account."""

    def __init__(
        self,
        base: boto3.Session,
        *,
        own_account: str,
        allowed_accounts: Iterable[str] = (),
        role_name: str = "poolpatch-target",
        external_id: str | None = None,
        endpoint_url: str | None = None,
        partition: str = "aws",
        assume_own_account: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_client: Callable[[Any, str, str], None] | None = None,
    ) -> None:
        self.base = base
        self.own_account = own_account
        self.allowed = accounts_allowed(own_account, allowed_accounts)
        self.role_name = role_name
        self.external_id = external_id
        self.endpoint_url = endpoint_url
        self.partition = partition
        self.assume_own_account = assume_own_account
        self._clock = clock
        #: Called with each new cognito-idp client, its account and Region (drift installs its pacer).
        self._on_client = on_client
        self._cache: dict[str, _Cached] = {}
        self._own_ports: dict[str | None, Boto3Cognito] = {}
        self._lock = threading.Lock()
        self._sts: STSClient | None = None
        self._token = uuid.uuid4().hex[:8]
        self._sessions = 0

    def check(self, target: Target) -> None:
        """Refuse a target account outside the allow-list (before any AWS call)."""
        check_allowed(target, own_account=self.own_account, allowed=self.allowed)

    def session_for(self, target: Target) -> boto3.Session:
        """The session to reach ``target`` with: the base one for the own account, else an assumed role."""
        cached = self._assumed(target)
        return self.base if cached is None else cached.session

    def cognito_for(self, target: Target) -> Boto3Cognito:
        """A Cognito port for the target's account and Region, reused while its credentials are valid."""
        region = target.region or self.base.region_name
        with self._lock:
            cached = self._assumed_locked(target)
            ports = self._own_ports if cached is None else cached.ports
            port = ports.get(region)
            if port is None:
                session = self.base if cached is None else cached.session
                client = session.client(
                    "cognito-idp", region_name=region, endpoint_url=self.endpoint_url, config=client_config()
                )
                if self._on_client is not None:
                    self._on_client(client, self.own_account if cached is None else cached.account, region)
                info = (
                    None
                    if cached is None
                    else {"roleArn": self.role_arn(cached.account), "name": cached.name}
                )
                port = ports[region] = Boto3Cognito(
                    client,
                    session=info,
                    once=lambda session=session, region=region: session.client(  # type: ignore[misc]
                        "cognito-idp",
                        region_name=region,
                        endpoint_url=self.endpoint_url,
                        config=client_config(max_attempts=1),
                    ),
                )
            return port

    def role_arn(self, account: str) -> str:
        """The target role in ``account``."""
        return f"arn:{self.partition}:iam::{account}:role/{self.role_name}"

    def _assumed(self, target: Target) -> _Cached | None:
        with self._lock:
            return self._assumed_locked(target)

    def _assumed_locked(self, target: Target) -> _Cached | None:
        self.check(target)
        account = target.account_id or self.own_account
        if account == self.own_account and not self.assume_own_account:
            return None
        cached = self._cache.get(account)
        if cached is not None and cached.expires - REFRESH_MARGIN > self._clock():
            return cached
        cached = self._assume(account, target.region or self.base.region_name)
        self._cache[account] = cached
        return cached

    def _assume(self, account: str, region: str | None) -> _Cached:
        if self._sts is None:
            self._sts = self.base.client("sts", endpoint_url=self.endpoint_url, config=client_config())
        self._sessions += 1
        name = _SESSION_NAME.sub("-", f"poolpatch-{self._token}-{self._sessions}")[:64]
        params: dict[str, Any] = {
            "RoleArn": self.role_arn(account),
            "RoleSessionName": name,
            "SourceIdentity": SOURCE_IDENTITY,
            "DurationSeconds": 3600,
        }
        if self.external_id:
            params["ExternalId"] = self.external_id
        try:
            credentials = self._sts.assume_role(**params)["Credentials"]
        except ClientError as exc:
            error: PoolpatchError = translate(exc, "AssumeRole", service="sts")
            if isinstance(error, ServiceError) and not error.retryable:
                error = AccessDenied(
                    error.message, remedy="Check the target role, its trust policy and external id."
                )
            raise error from None
        except ParamValidationError as exc:
            raise AccessDenied(
                f"AssumeRole parameters are invalid: {exc}",
                remedy="Check TARGET_ROLE_NAME and TARGET_ROLE_EXTERNAL_ID (2-1224 characters).",
            ) from None
        except BotoCoreError as exc:
            raise ServiceError(f"AssumeRole failed: {type(exc).__name__}", retryable=True) from None
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
            botocore_session=_sharing_models(self.base),
        )
        expires = credentials["Expiration"]
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        return _Cached(session, expires, name, {}, account)
