"""A Cognito emulator on moto that behaves like the real service where poolpatch depends on it.

moto 5.2.5 is not faithful to Amazon Cognito on the behaviours poolpatch exists for (cognito-api.md §10):
it merges client updates instead of replacing them, drops create-only pool settings on update, never moves
``LastModifiedDate`` and accepts requests the service rejects. ``install()`` patches moto's cognito-idp
handlers in this process so that, in-process (``mock_aws``) and over HTTP (``poolpatch_fake.server``):

1. UpdateUserPoolClient replaces the client configuration; omitted members take their defaults (§4.2).
2. UpdateUserPool replaces the pool configuration except ``UserPoolTier``, ``DcrConfiguration``,
   ``UserAttributeUpdateSettings`` (§1) and the create-only members (§6); newer members are stored.
3. ``LastModifiedDate`` strictly increases on every successful write (§8).
4. Describe returns the legacy members the service returns; the legacy/new validity pair is rejected (§3).
5. Verification-message rules (§3 rows 2-3).
6. Token validity ranges with units (§3 row 21).
7. OAuth rules and ``DefaultRedirectURI`` (§3.1).
8. MFA cannot go OFF -> ON through UpdateUserPool (§3 row 7).
9. Threat protection needs Plus; ``aws:`` tag keys are reserved (§3 rows 8, 14).
10. AddCustomAttributes limits (§6).

11. Read and write quotas: with ``faults.set_read_quotas()`` (``--read-quotas``), requests beyond the rate of
    their quota category per account and Region are throttled (``TooManyRequestsException``) before
    touching state (cognito-surface.md §13); ``faults.set_latency()`` adds a per-call delay.

Configuration kinds (cognito-surface.md §0; ``_settings.py``, ``_resources.py``; moto's gaps in §14):

12. MFA (§2): SetUserPoolMfaConfig is a full replace (omitted blocks dropped, omitted ``MfaConfiguration``
    OFF: go-to-k/cdkd#791) storing SMS, TOTP, Email and WebAuthn; Get returns exactly those; the §2 table's
    rejections (go-to-k/cdkd#1920, #1923, #1975, #2064; Model ``EmailMfaConfigType`` for Lite); one MFA mode
    shared with UpdateUserPool/DescribeUserPool (Model ``SmsMfaConfigType``); the pool's LastModifiedDate
    does not move (unconfirmed).
13. Domains (§1): ``ManagedLoginVersion``, ``CustomDomainConfig``, a stable ``AWSAccountId``; unknown name ->
    ``{}`` (TF user_pool_domain.go); custom -> prefix refused (hashicorp/terraform-provider-aws#43248);
    the UserPoolId must own the domain; names unique per Region across accounts
    (aws-samples/aws-cdk-examples#402); one prefix and one custom domain per pool, shown as ``Domain`` /
    ``CustomDomain``; a custom domain becomes the passkey RP ID (Model
    ``CreateUserPoolDomainRequest.CustomDomainConfig``).
14. Identity providers (§3): ProviderDetails replaced when sent (aws/aws-cdk#29494); AttributeMapping /
    IdpIdentifiers / AcrMapping kept when omitted, cleared when empty (floci-io/floci#2858); LastModifiedDate
    moves; ``DuplicateProviderException`` (Model); derived keys per type and plaintext ``client_secret``
    (API_DescribeIdentityProvider.html), no Apple ``private_key``; List pages by 60 with summaries.
15. Resource servers (§4): UpdateResourceServer resets omitted Scopes (API_UpdateResourceServer.html);
    DeleteResourceServer; List pages by 50 and knows unknown pools.
16. Groups (§5): no invented ``Description: ""``; LastModifiedDate moves on UpdateGroup; List pages by 60.
17. Risk configuration (§6, API_SetRiskConfiguration.html): replace; a bare Set resets the pool level or
    makes a client inherit; needs threat protection (``UserPoolAddOnNotEnabledException``); an inheriting
    client reads the pool's configuration without ``ClientId`` (unconfirmed).
18. Classic UI (§7): Set replaces CSS and logo (an omitted ImageFile removes it: unconfirmed); needs a domain
    (API_SetUICustomization.html); clients inherit ``ALL``; ``{}`` when nothing is set
    (API_GetUICustomization.html); ``ImageUrl``, never the bytes.
19. Managed login branding (§8, API_UpdateManagedLoginBranding.html): Update merges Settings recursively and
    Assets by (Category, ColorMode); ``UseCognitoProvidedValues`` resets and excludes Settings/Assets; one
    style per client (``ManagedLoginBrandingExistsException``), ``ResourceNotFoundException`` by client;
    ``ReturnMergedResources``; at most 20 styles (DG quotas.html).
20. Log delivery (§9, Model ``LogConfigurationType``): the list is replaced; userNotification = ERROR to
    CloudWatch Logs; userAuthEvents = INFO and Plus; S3/Firehose Plus only; 0-2 entries, one per source.

``faults`` injects errors and unmodelled response members, records write bodies (``faults.sent``), and
throttles, delays and counts requests per account, Region and quota category; ``seed`` builds a realistic
pool (``realistic_pool``) and one with every configuration kind (``full_pool``); ``fleet`` seeds pools
across accounts through STS assumed roles.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from poolpatch_fake import faults, seed
from poolpatch_fake._patch import install, is_installed, uninstall

__all__ = ["faults", "install", "installed", "is_installed", "seed", "server", "uninstall"]


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """Install the fake for the ``with`` block; leave it installed afterwards if it already was."""
    was_installed = is_installed()
    install()
    try:
        yield
    finally:
        if not was_installed:
            uninstall()


def __getattr__(name: str) -> ModuleType:
    # ``server`` imports moto's server stack (Flask); load it only when asked for.
    if name == "server":
        return importlib.import_module("poolpatch_fake.server")
    raise AttributeError(f"module 'poolpatch_fake' has no attribute {name!r}")
