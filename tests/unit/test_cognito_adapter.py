"""The Cognito adapter: exact parameters (Stubber), error codes, raw-response capture, conflict retries."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from poolpatch.adapters.cognito import Boto3Cognito, client_config, translate
from poolpatch.errors import (
    AccessDenied,
    ConcurrentModification,
    ConflictingSettings,
    InvalidValue,
    NotFound,
    ServiceError,
    Throttled,
)
from poolpatch.request import Target

POOL = Target("eu-west-1_AbC")
CLIENT = Target("eu-west-1_AbC", "client1")


def _adapter(sleeps: list[float] | None = None) -> tuple[Boto3Cognito, Stubber]:
    client = boto3.client("cognito-idp", region_name="eu-west-1", config=client_config(max_attempts=1))
    stubber = Stubber(client)
    recorded = sleeps if sleeps is not None else []
    return Boto3Cognito(client, sleep=recorded.append), stubber


def test_update_pool_sends_the_document_with_the_pool_id() -> None:
    # Given an adapter and the exact expected parameters
    adapter, stubber = _adapter()
    stubber.add_response(
        "update_user_pool", {}, {"UserPoolId": "eu-west-1_AbC", "DeletionProtection": "ACTIVE"}
    )
    # When updating
    with stubber:
        adapter.update(POOL, {"DeletionProtection": "ACTIVE"})
    # Then the stub saw exactly that call
    stubber.assert_no_pending_responses()


def test_update_client_sends_both_ids() -> None:
    adapter, stubber = _adapter()
    stubber.add_response(
        "update_user_pool_client",
        {},
        {"UserPoolId": "eu-west-1_AbC", "ClientId": "client1", "ClientName": "web"},
    )
    with stubber:
        adapter.update(CLIENT, {"ClientName": "web"})
    stubber.assert_no_pending_responses()


def test_update_of_a_named_kind_sends_its_name_member() -> None:
    # Given an adapter and a group target (the group is named by GroupName in the write, design.md)
    adapter, stubber = _adapter()
    stubber.add_response(
        "update_group",
        {},
        {"UserPoolId": "eu-west-1_AbC", "GroupName": "admins", "Description": "Administrators"},
    )
    # When updating it
    with stubber:
        adapter.update(
            Target("eu-west-1_AbC", kind="group", name="admins"), {"Description": "Administrators"}
        )
    # Then UpdateGroup was called with the pool and the name
    stubber.assert_no_pending_responses()


def test_branding_write_before_its_read_is_refused_not_sent_without_a_style_id() -> None:
    # Given an adapter that never read the client's branding style
    adapter, stubber = _adapter()
    branding = Target("eu-west-1_AbC", "client1", kind="managedLoginBranding")
    # When updating it / Then it refuses instead of calling UpdateManagedLoginBranding without the style id
    with stubber, pytest.raises(ServiceError, match="style's id is unknown"):
        adapter.update(branding, {"UseCognitoProvidedValues": True})
    stubber.assert_no_pending_responses()


def test_describe_without_the_raw_response_refuses_instead_of_skipping_the_guard() -> None:
    # Given a stubbed client: Stubber answers with parsed data only, no raw HTTP body
    adapter, stubber = _adapter()
    stubber.add_response(
        "describe_user_pool_client",
        {"UserPoolClient": {"UserPoolId": "eu-west-1_AbC", "ClientId": "client1", "ClientName": "web"}},
        {"UserPoolId": "eu-west-1_AbC", "ClientId": "client1"},
    )
    # When describing / Then the adapter refuses (retryable) rather than guard the parsed object
    with stubber, pytest.raises(ServiceError, match="raw") as caught:
        adapter.describe(CLIENT)
    assert caught.value.retryable


def test_add_custom_attributes_passes_the_definitions() -> None:
    adapter, stubber = _adapter()
    attrs = [{"Name": "tier", "AttributeDataType": "String", "Mutable": True}]
    stubber.add_response(
        "add_custom_attributes", {}, {"UserPoolId": "eu-west-1_AbC", "CustomAttributes": attrs}
    )
    with stubber:
        adapter.add_custom_attributes(POOL, attrs)
    stubber.assert_no_pending_responses()


def test_concurrent_modification_is_retried_with_bounded_backoff() -> None:
    # Given two conflicts then success
    sleeps: list[float] = []
    adapter, stubber = _adapter(sleeps)
    for _ in range(2):
        stubber.add_client_error("update_user_pool", "ConcurrentModificationException", "busy")
    stubber.add_response("update_user_pool", {})
    # When updating
    with stubber:
        adapter.update(POOL, {})
    # Then it slept twice, each within the cap, and succeeded
    assert len(sleeps) == 2
    assert all(0 <= s <= 5.0 for s in sleeps)
    stubber.assert_no_pending_responses()


def test_concurrent_modification_gives_up_after_the_bound() -> None:
    sleeps: list[float] = []
    adapter, stubber = _adapter(sleeps)
    for _ in range(5):
        stubber.add_client_error("update_user_pool", "ConcurrentModificationException", "busy")
    with stubber, pytest.raises(ConcurrentModification) as caught:
        adapter.update(POOL, {})
    assert caught.value.retryable
    assert len(sleeps) == 4


def test_other_errors_are_not_retried_by_the_adapter() -> None:
    sleeps: list[float] = []
    adapter, stubber = _adapter(sleeps)
    stubber.add_client_error("update_user_pool", "InvalidParameterException", "The message is invalid.")
    with stubber, pytest.raises(InvalidValue, match="The message is invalid"):
        adapter.update(POOL, {})
    assert sleeps == []


@pytest.mark.parametrize(
    ("code", "status", "expected", "retryable"),
    [
        ("ResourceNotFoundException", 400, NotFound, False),
        ("NotAuthorizedException", 400, AccessDenied, False),
        ("AccessDeniedException", 400, AccessDenied, False),
        ("TooManyRequestsException", 400, Throttled, True),
        ("ConcurrentModificationException", 400, ConcurrentModification, True),
        ("FeatureUnavailableInTierException", 400, ConflictingSettings, False),
        ("UserPoolAddOnNotEnabledException", 400, ConflictingSettings, False),
        ("InvalidOAuthFlowException", 400, InvalidValue, False),
        ("InvalidParameterException", 400, InvalidValue, False),
        ("UserImportInProgressException", 400, ServiceError, True),
        ("InternalErrorException", 500, ServiceError, True),
        ("SomethingNewException", 400, ServiceError, False),
    ],
)
def test_error_codes_map_to_stable_poolpatch_codes(
    code: str, status: int, expected: type[Exception], retryable: bool
) -> None:
    from botocore.exceptions import ClientError

    error: dict[str, Any] = {
        "Error": {"Code": code, "Message": "m"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    mapped = translate(ClientError(error, "UpdateUserPool"), "UpdateUserPool")  # type: ignore[arg-type]
    assert isinstance(mapped, expected)
    assert mapped.retryable is retryable
    assert code in mapped.message


IDP = Target("eu-west-1_AbC", kind="identityProvider", name="Acme")
IDP_SECRET = "idp-secret-4d1c9e07a2"


def test_an_update_error_quoting_an_identity_provider_secret_shows_it_redacted() -> None:
    # Given the service refuses an identity provider update and its message quotes the client_secret sent
    # (client_secret has no sensitive trait: it is a secret by path, kinds.py)
    adapter, stubber = _adapter()
    stubber.add_client_error(
        "update_identity_provider",
        "InvalidParameterException",
        f"Invalid client_secret {IDP_SECRET} for provider Acme",
    )
    # When updating
    with stubber, pytest.raises(InvalidValue) as raised:
        adapter.update(IDP, {"ProviderDetails": {"client_id": "abc", "client_secret": IDP_SECRET}})
    # Then neither the message nor the exception's text carries the secret; the rest of the message stays
    assert IDP_SECRET not in raised.value.message
    assert IDP_SECRET not in str(raised.value)
    assert "Invalid client_secret <redacted> for provider Acme" in raised.value.message


def test_a_create_error_quoting_a_client_secret_shows_it_redacted() -> None:
    # Given CreateUserPoolClient with ClientSecret (a member the model marks sensitive) is refused, quoted
    secret = "s" * 40 + "client-secret"
    adapter, stubber = _adapter()
    stubber.add_client_error("create_user_pool_client", "InvalidParameterException", f"bad secret {secret}")
    with stubber, pytest.raises(InvalidValue) as raised:
        adapter.invoke(
            "CreateUserPoolClient",
            {"UserPoolId": "eu-west-1_AbC", "ClientName": "web", "ClientSecret": secret},
        )
    assert secret not in str(raised.value)
    assert raised.value.message.endswith("bad secret <redacted>")


def test_an_error_naming_the_client_id_keeps_it() -> None:
    # Given the service refuses a client update, naming the client: ClientId is marked sensitive in the
    # model, yet it is an identifier (model.SENSITIVE_IDENTIFIERS), not a secret
    client_id = "1example23456789abcdefghij"
    adapter, stubber = _adapter()
    stubber.add_client_error(
        "update_user_pool_client", "InvalidParameterException", f"client {client_id} has an invalid scope"
    )
    with stubber, pytest.raises(InvalidValue) as raised:
        adapter.update(Target("eu-west-1_AbC", client_id=client_id), {"ClientName": "web"})
    # Then the message names it as the service wrote it
    assert raised.value.message.endswith(f"client {client_id} has an invalid scope")


def test_a_short_secret_in_an_error_withholds_the_whole_message() -> None:
    # Given a secret too short to replace without mangling the text, quoted by the service
    adapter, stubber = _adapter()
    stubber.add_client_error(
        "update_identity_provider", "InvalidParameterException", "value abc12 is invalid"
    )
    with stubber, pytest.raises(InvalidValue) as raised:
        adapter.update(IDP, {"ProviderDetails": {"client_secret": "abc12"}})
    assert "abc12" not in str(raised.value)
    assert "withheld" in raised.value.message


def test_a_botocore_validation_error_quoting_a_secret_shows_it_redacted() -> None:
    # Given a value botocore refuses before sending, whose error quotes it (a secret of the wrong type)
    adapter, _ = _adapter()
    with pytest.raises(InvalidValue) as raised:
        adapter.invoke(
            "CreateIdentityProvider",
            {
                "UserPoolId": "eu-west-1_AbC",
                "ProviderName": "Acme",
                "ProviderType": "OIDC",
                "ProviderDetails": {"client_secret": IDP_SECRET},
                "AttributeMapping": {"email": ["not", IDP_SECRET]},
            },
        )
    assert IDP_SECRET not in str(raised.value)


def test_an_error_without_a_secret_in_its_input_is_shown_as_the_service_wrote_it() -> None:
    adapter, stubber = _adapter()
    stubber.add_client_error("update_identity_provider", "InvalidParameterException", "scope is invalid")
    with stubber, pytest.raises(InvalidValue) as raised:
        adapter.update(IDP, {"ProviderDetails": {"client_secret": "<redacted>"}})
    assert (
        raised.value.message == "UpdateIdentityProvider failed: InvalidParameterException: scope is invalid"
    )


def test_a_secret_quoted_with_json_escapes_is_redacted_too() -> None:
    # Given a secret holding a quote and a backslash, quoted by a service that escapes its JSON input
    secret = 'pa"ss\\word-0123456789'
    escaped = 'pa\\"ss\\\\word-0123456789'
    adapter, stubber = _adapter()
    stubber.add_client_error(
        "update_identity_provider",
        "InvalidParameterException",
        f'ProviderDetails: {{"client_secret": "{escaped}"}}',
    )
    with stubber, pytest.raises(InvalidValue) as raised:
        adapter.update(IDP, {"ProviderDetails": {"client_secret": secret}})
    assert escaped not in raised.value.message
    assert secret not in raised.value.message
    assert '"client_secret": "<redacted>"' in raised.value.message
