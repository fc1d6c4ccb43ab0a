"""Target sessions: the allow-list before any call, assumed roles with external id and SourceIdentity."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from poolpatch.adapters.session import SOURCE_IDENTITY, TargetSessions, parse_accounts
from poolpatch.errors import AccessDenied, TargetNotAllowed
from poolpatch.request import Target

OWN = "123456789012"
OTHER = "444455556666"


class RecordingSts:
    """An STS double that records AssumeRole calls."""

    def __init__(self, expires_in: timedelta = timedelta(hours=1)) -> None:
        self.calls: list[dict[str, Any]] = []
        self.expires_in = expires_in

    def assume_role(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return {
            "Credentials": {
                "AccessKeyId": "AKIAEXAMPLE",
                "SecretAccessKey": "secret",
                "SessionToken": "token",
                "Expiration": datetime.now(UTC) + self.expires_in,
            }
        }


def _sessions(sts: RecordingSts, **kwargs: Any) -> TargetSessions:
    sessions = TargetSessions(
        boto3.Session(region_name="eu-west-1"),
        own_account=OWN,
        allowed_accounts=kwargs.pop("allowed", {OWN, OTHER}),
        role_name="poolpatch-target",
        external_id="ext-123",
        **kwargs,
    )
    sessions._sts = sts  # type: ignore[assignment]
    return sessions


def test_parse_accounts_ignores_blanks() -> None:
    assert parse_accounts(" 111122223333, ,444455556666 ") == {"111122223333", "444455556666"}
    assert parse_accounts(None) == frozenset()


def test_account_outside_the_allow_list_is_refused_before_any_call() -> None:
    # Given sessions allowing only the own account
    sts = RecordingSts()
    sessions = _sessions(sts, allowed=set())
    # When a target in another account is asked for / Then TargetNotAllowed and no AssumeRole
    with pytest.raises(TargetNotAllowed) as caught:
        sessions.session_for(Target("eu-west-1_AbC", account_id=OTHER))
    assert caught.value.path == "/target/accountId"
    assert sts.calls == []


def test_own_account_uses_the_base_session() -> None:
    sts = RecordingSts()
    sessions = _sessions(sts)
    assert sessions.session_for(Target("eu-west-1_AbC")) is sessions.base
    assert sts.calls == []


def test_target_account_assumes_the_role_with_external_id_and_source_identity() -> None:
    sts = RecordingSts()
    sessions = _sessions(sts)
    sessions.session_for(Target("eu-west-1_AbC", account_id=OTHER))
    name = sts.calls[0].pop("RoleSessionName")
    assert sts.calls == [
        {
            "RoleArn": f"arn:aws:iam::{OTHER}:role/poolpatch-target",
            "SourceIdentity": SOURCE_IDENTITY,
            "DurationSeconds": 3600,
            "ExternalId": "ext-123",
        }
    ]
    # The session name names the container's session, never a request (a cached session serves many)
    assert re.fullmatch(r"poolpatch-[0-9a-f]{8}-1", name)


def test_the_port_records_its_session_and_is_reused_per_account_and_region() -> None:
    # Given an account reached through the target role
    sts = RecordingSts()
    sessions = _sessions(sts)
    target = Target("eu-west-1_AbC", account_id=OTHER, region="eu-west-1")
    # When two requests reach it
    first = sessions.cognito_for(target)
    second = sessions.cognito_for(target)
    # Then one AssumeRole and one client serve both, and the port names the role session for results
    assert first is second
    assert len(sts.calls) == 1
    assert first.session == {
        "roleArn": f"arn:aws:iam::{OTHER}:role/poolpatch-target",
        "name": sts.calls[0]["RoleSessionName"],
    }


def test_own_account_is_assumed_too_when_asked() -> None:
    # Given a Lambda runtime that writes even its own account through the target role (CloudTrail
    # then shows sourceIdentity=poolpatch for every write)
    sts = RecordingSts()
    sessions = _sessions(sts)
    sessions.assume_own_account = True
    # When the own account is reached
    sessions.session_for(Target("eu-west-1_AbC"))
    # Then the role in the own account is assumed
    assert sts.calls[0]["RoleArn"].startswith(f"arn:aws:iam::{sessions.own_account}:role/")


def test_credentials_are_cached_per_account_until_near_expiry() -> None:
    # Given credentials valid for an hour
    sts = RecordingSts()
    sessions = _sessions(sts)
    target = Target("eu-west-1_AbC", account_id=OTHER)
    # When asked twice / Then one AssumeRole
    first = sessions.session_for(target)
    assert sessions.session_for(target) is first
    assert len(sts.calls) == 1
    # And credentials about to expire are renewed
    short = RecordingSts(expires_in=timedelta(minutes=2))
    renewing = _sessions(short)
    renewing.session_for(target)
    renewing.session_for(target)
    assert len(short.calls) == 2


@mock_aws
def test_assume_role_against_moto_sts_returns_a_working_session() -> None:
    sessions = TargetSessions(
        boto3.Session(region_name="eu-west-1"), own_account=OWN, allowed_accounts={OTHER}, external_id="ext-1"
    )
    session = sessions.session_for(Target("eu-west-1_AbC", account_id=OTHER, region="eu-west-1"))
    identity = session.client("sts", region_name="eu-west-1").get_caller_identity()
    assert identity["Account"] == OTHER


def test_assumed_sessions_read_the_service_models_once_per_container() -> None:
    # Given sessions in two accounts assumed from one base session
    sts = RecordingSts()
    sessions = _sessions(sts, allowed={OWN, OTHER, "111122223333"})
    first = sessions.session_for(Target("eu-west-1_AbC", account_id=OTHER, region="eu-west-1"))
    second = sessions.session_for(Target("eu-west-1_AbC", account_id="111122223333", region="eu-west-1"))

    # Then both use the base session's data loader (its parsed models), each with its own credentials
    loader = sessions.base._session.get_component("data_loader")
    assert first._session.get_component("data_loader") is loader
    assert second._session.get_component("data_loader") is loader
    assert first is not second
    credentials = first.get_credentials()
    assert credentials is not None
    assert (credentials.access_key, credentials.token) == ("AKIAEXAMPLE", "token")


def test_assume_role_denied_is_access_denied() -> None:
    class Denying(RecordingSts):
        def assume_role(self, **params: Any) -> dict[str, Any]:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not trusted"}}, "AssumeRole")

    with pytest.raises(AccessDenied, match="not trusted") as caught:
        _sessions(Denying()).session_for(Target("eu-west-1_AbC", account_id=OTHER))
    # The remedy names the STS permission, not a Cognito one
    assert caught.value.remedy is not None
    assert "sts:AssumeRole" in caught.value.remedy
    assert "cognito-idp" not in caught.value.remedy


def test_invalid_external_id_is_a_configuration_error_not_a_retry() -> None:
    sessions = TargetSessions(
        boto3.Session(region_name="eu-west-1"), own_account=OWN, allowed_accounts={OTHER}, external_id="x"
    )
    with mock_aws(), pytest.raises(AccessDenied, match="TARGET_ROLE_EXTERNAL_ID") as caught:
        sessions.session_for(Target("eu-west-1_AbC", account_id=OTHER))
    assert not caught.value.retryable
