"""``export --all`` of one realistic pool: the calls it makes against cognito-surface.md §13, and its time.

The pool is seeded on moto in this process with the faithful Cognito fake installed: ``seed.full_pool``
(every configuration kind: MFA, a version-2 prefix domain, threat protection, classic UI, branding, log
delivery), completed here to ``--clients`` app clients (default 10), 3 identity providers, 2 resource
servers, 5 groups, custom attributes and Lambda triggers: the example pool of §13.

The export is ``poolpatch.bundle.read.read_bundle`` through a ``Boto3FleetReader`` whose client carries a
``Pacer(rate, per_operation=True)``, as ``cli_bundle.read_live`` builds it for ``export --all``, ``diff``
and ``clone``. Printed, from one run:

1. The Cognito calls of the export by quota category, counted in the fake's own call log
   (``faults.calls()``) and in its per-category statistics (``faults.quota_stats()``), against the formula
   of §13 (also in ``bundle/read.py``) computed from this script's OWN seed numbers (C clients, I identity
   providers, R resource servers, G groups, d domains, and the list pages). Any difference: exit 1.
2. The wall time of the export at the default pace (5 calls per second per operation), unpaced, and paced
   with the service's quotas on in the fake (15/15/20 per second per category and 5 per second per
   operation and pool, ``faults.set_read_quotas``), against the **quota bound**: the least time the quotas
   allow, the maximum over operations of (calls - 1) / 5 and over categories of (calls - 1) / rate.

Run: ``.venv/bin/python bench/bundle.py [--clients 10] [--latency-ms 0] [--reads-per-second 5]``.
Nothing leaves the process; dummy credentials are set.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

REGION = "eu-west-1"
#: Requests per second of the read categories, per account and Region (DG ``quotas.html``; §13).
CATEGORY_RATES: Mapping[str, float] = {
    "UserPoolRead": 15.0,
    "UserPoolClientRead": 15.0,
    "UserPoolResourceRead": 20.0,
}
#: Cognito's per-pool limit of each client and resource read operation (§13).
PER_OPERATION_RATE = 5.0
NO_CATEGORY = "(none)"
#: Page sizes of the listings (the largest each accepts).
PAGES = {"clients": 60, "identityProviders": 60, "resourceServers": 50, "groups": 60}


@dataclass(frozen=True)
class Seeded:
    """The pool and the numbers of §13's formula, as this script created them."""

    user_pool_id: str
    clients: int
    identity_providers: int
    resource_servers: int
    groups: int
    domains: int
    custom_attributes: int
    triggers: int


def expected_calls(seeded: Seeded) -> dict[str, int]:
    """Calls per category by cognito-surface.md §13, all features on (risk, domain: both are)."""
    c, i, r, g, d = (
        seeded.clients,
        seeded.identity_providers,
        seeded.resource_servers,
        seeded.groups,
        seeded.domains,
    )
    pages = (
        math.ceil(i / PAGES["identityProviders"])
        + math.ceil(r / PAGES["resourceServers"])
        + math.ceil(g / PAGES["groups"])
    )
    return {
        "UserPoolRead": 1,
        "UserPoolClientRead": math.ceil(c / PAGES["clients"]) + c,
        "UserPoolResourceRead": 3 + d + i + 3 * c + pages,
        NO_CATEGORY: 1,
    }


def seed_pool(cognito: Any, clients: int) -> Seeded:
    """``seed.full_pool`` completed to §13's example: I=3, R=2, G=5, custom attributes, triggers.

    The numbers returned are counted back from the pool's own listings and description.
    """
    from poolpatch.pipeline import live_document
    from poolpatch_fake import seed

    full = seed.full_pool(cognito, oidc_client_secret="bench-oidc-secret")
    pool_id = full.user_pool_id
    cognito.add_custom_attributes(
        UserPoolId=pool_id,
        CustomAttributes=[
            {"Name": "tenant_id", "AttributeDataType": "String", "Mutable": False},
            {"Name": "partner_tier", "AttributeDataType": "String", "Mutable": True},
            {"Name": "seats", "AttributeDataType": "Number", "Mutable": True},
        ],
    )
    lambda_arn = f"arn:aws:lambda:{REGION}:{seed.ACCOUNT_ID}:function:acme-partners-%s"
    triggers = {
        "PreSignUp": lambda_arn % "pre-sign-up",
        "PostConfirmation": lambda_arn % "post-confirmation",
        "PreTokenGenerationConfig": {
            "LambdaVersion": "V2_0",
            "LambdaArn": lambda_arn % "pre-token-generation",
        },
    }
    # UpdateUserPool resets what it omits: send the pool's own update document plus the triggers.
    described = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    document = live_document("pool", described)
    document.pop("UserPoolId", None)
    cognito.update_user_pool(UserPoolId=pool_id, **{**document, "LambdaConfig": triggers})
    cognito.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="AcmeSaml",
        ProviderType="SAML",
        ProviderDetails={"MetadataURL": "https://sso.acme.example.com/saml/metadata"},
        AttributeMapping={"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"},
    )
    cognito.create_resource_server(
        UserPoolId=pool_id,
        Identifier="https://billing.partners.acme.example.com",
        Name="Acme Billing API",
        Scopes=[{"ScopeName": "invoices.pay", "ScopeDescription": "Allows invoices.pay"}],
    )
    for name in ("partner-finance", "partner-support", "partner-auditors"):
        cognito.create_group(UserPoolId=pool_id, GroupName=name, Description=f"{name} (bench)")
    for index in range(clients - 2):  # full_pool made two
        cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=f"acme-partners-app-{index + 1:02d}",
            GenerateSecret=index % 2 == 0,
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
    pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    return Seeded(
        user_pool_id=pool_id,
        clients=len(_pages(cognito, "list_user_pool_clients", "UserPoolClients", pool_id)),
        identity_providers=len(_pages(cognito, "list_identity_providers", "Providers", pool_id)),
        resource_servers=len(
            cognito.list_resource_servers(UserPoolId=pool_id, MaxResults=50)["ResourceServers"]
        ),
        groups=len(_pages(cognito, "list_groups", "Groups", pool_id)),
        domains=sum(1 for name in (pool.get("Domain"), pool.get("CustomDomain")) if name),
        custom_attributes=sum(
            1 for item in pool.get("SchemaAttributes", []) if item["Name"].startswith("custom:")
        ),
        triggers=sum(
            1 for name, value in pool.get("LambdaConfig", {}).items() if value and name != "KMSKeyID"
        ),
    )


def _pages(cognito: Any, method: str, key: str, pool_id: str) -> list[Any]:
    """Every item of a listing (ListGroups pages with ``Limit``, the others with ``MaxResults``)."""
    items: list[Any] = []
    token_name = "NextToken"
    size = "Limit" if method == "list_groups" else "MaxResults"
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, size: 60}
    while True:
        response = getattr(cognito, method)(**kwargs)
        items.extend(response[key])
        token = response.get(token_name)
        if not token:
            return items
        kwargs[token_name] = token


@dataclass(frozen=True)
class Run:
    """One export: its wall time, the calls the fake logged, its per-category stats, the bundle."""

    seconds: float
    operations: Counter[str]
    categories: dict[str, dict[str, int]]
    throttled_seen: int
    bundle: dict[str, Any]


def export(pool_id: str, *, rate: float | None, quotas: bool) -> Run:
    """``read_bundle`` through a fresh client, paced per operation at ``rate`` (``None``: unpaced)."""
    import boto3

    from poolpatch.adapters.cognito import Boto3Cognito
    from poolpatch.adapters.fleet import Boto3FleetReader, Pacer
    from poolpatch.bundle.read import read_bundle
    from poolpatch_fake import faults
    from poolpatch_fake.seed import ACCOUNT_ID

    client = boto3.client("cognito-idp", region_name=REGION)
    pacer = Pacer(rate, per_operation=True) if rate is not None else None
    if pacer is not None:
        pacer.install(client)
    latency = faults.latency_ms()
    faults.reset()
    faults.set_latency(latency)
    if quotas:
        faults.set_read_quotas(per_pool_rate=PER_OPERATION_RATE)
    started = time.perf_counter()
    bundle = read_bundle(
        Boto3FleetReader(Boto3Cognito(client)),
        account_id=ACCOUNT_ID,
        region=REGION,
        user_pool_id=pool_id,
        captured=datetime.now(UTC),
    )
    seconds = time.perf_counter() - started
    stats = faults.quota_stats().get(ACCOUNT_ID, {})
    operations = Counter(faults.calls())
    faults.clear_read_quotas()
    return Run(seconds, operations, stats, pacer.throttled if pacer is not None else 0, bundle)


def quota_bound(operations: Mapping[str, int]) -> tuple[float, str]:
    """The least time the quotas allow for these calls, and what binds it."""
    from poolpatch_fake.faults import QUOTA_CATEGORIES

    bound, binding = 0.0, "nothing"
    per_category: Counter[str] = Counter()
    for operation, count in operations.items():
        category = QUOTA_CATEGORIES.get(operation)
        if category is None:
            continue
        per_category[category] += count
        if category != "UserPoolRead" and (count - 1) / PER_OPERATION_RATE > bound:
            bound, binding = (count - 1) / PER_OPERATION_RATE, f"{operation}: ({count} - 1) / 5"
    for category, count in per_category.items():
        seconds = (count - 1) / CATEGORY_RATES[category]
        if seconds > bound:
            rate = CATEGORY_RATES[category]
            bound, binding = seconds, f"{category}: ({count} - 1) / {rate:g}"
    return bound, binding


@contextlib.contextmanager
def fake_aws() -> Iterator[None]:
    """moto in this process with the Cognito fake installed, dummy credentials."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    import poolpatch_fake

    with mock_aws(), poolpatch_fake.installed():
        yield


def main(argv: list[str] | None = None) -> int:
    """Seed, export three ways, print; 1 when the calls differ from §13's formula."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=10, help="app clients of the pool (default 10; >= 5)")
    parser.add_argument("--reads-per-second", type=float, default=5.0, help="the export's pace (default 5)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="added to every Cognito call (default 0)"
    )
    args = parser.parse_args(argv)
    if args.clients < 5:
        parser.error("--clients must be at least 5")
    with fake_aws():
        import boto3

        from poolpatch_fake import faults

        started = time.perf_counter()
        seeded = seed_pool(boto3.client("cognito-idp", region_name=REGION), args.clients)
        print(
            f"seeded {seeded.user_pool_id} in {time.perf_counter() - started:.1f} s: "
            f"C={seeded.clients} clients, I={seeded.identity_providers} identity providers, "
            f"R={seeded.resource_servers} resource servers, "
            f"G={seeded.groups} groups, d={seeded.domains} domain, {seeded.custom_attributes} custom "
            f"attributes, {seeded.triggers} Lambda triggers, MFA, threat protection AUDIT, classic UI, "
            "branding, log delivery"
        )
        faults.set_latency(args.latency_ms)
        export(seeded.user_pool_id, rate=None, quotas=False)  # warm-up: botocore's model, the fake's paths
        paced = export(seeded.user_pool_id, rate=args.reads_per_second, quotas=False)
        unpaced = export(seeded.user_pool_id, rate=None, quotas=False)
        throttled = export(seeded.user_pool_id, rate=args.reads_per_second, quotas=True)

    ok = True
    print("\n1. Cognito calls of one export --all (fake's call log), against cognito-surface.md §13")
    expected = expected_calls(seeded)
    from poolpatch_fake.faults import QUOTA_CATEGORIES

    by_category: Counter[str] = Counter()
    for operation, count in paced.operations.items():
        by_category[QUOTA_CATEGORIES.get(operation, NO_CATEGORY)] += count
    stats = {category: counts.get("accepted", 0) for category, counts in paced.categories.items()}
    print(f"   {'category':<22} {'call log':>8} {'quota_stats':>11} {'§13':>5}  operations")
    for category in (*CATEGORY_RATES, NO_CATEGORY):
        operations = ", ".join(
            f"{name} {count}"
            for name, count in sorted(paced.operations.items())
            if QUOTA_CATEGORIES.get(name, NO_CATEGORY) == category
        )
        same = by_category[category] == expected[category] == stats.get(category, 0)
        ok = ok and same
        print(
            f"   {category:<22} {by_category[category]:>8} {stats.get(category, 0):>11} "
            f"{expected[category]:>5}  {'' if same else 'DIFFERENT  '}{operations}"
        )
    total = sum(by_category.values())
    print(f"   {'total':<22} {total:>8} {sum(stats.values()):>11} {sum(expected.values()):>5}")
    c, i, r, g, d = (
        seeded.clients,
        seeded.identity_providers,
        seeded.resource_servers,
        seeded.groups,
        seeded.domains,
    )
    print(
        f"   formula: UserPoolRead 1; "
        f"UserPoolClientRead ceil({c}/60) + {c} = {expected['UserPoolClientRead']}; "
        f"UserPoolResourceRead 3 + d + I + 3C + pages = 3 + {d} + {i} + {3 * c} + "
        f"(ceil({i}/60) + ceil({r}/50) + ceil({g}/60)) = {expected['UserPoolResourceRead']}; "
        "no category 1 (log delivery)"
    )
    same_runs = all(run.operations == paced.operations for run in (unpaced, throttled))
    ok = ok and same_runs
    print(
        f"   {'PASS' if ok else 'FAIL'}: counted = formula in every category; "
        f"the three runs made the same calls: {same_runs}"
    )

    bound, binding = quota_bound(paced.operations)
    print(f"\n2. Wall time of the export ({args.latency_ms:g} ms added per Cognito call)")
    print(f"   quota bound {bound:.2f} s ({binding})")
    for label, run in (
        (f"paced {args.reads_per_second:g}/s per operation (the CLI's default)", paced),
        ("unpaced", unpaced),
        (f"paced {args.reads_per_second:g}/s, the fake's quotas on", throttled),
    ):
        ratio = f"{run.seconds / bound:.2f} x bound" if bound else ""
        print(f"   {label:<52} {run.seconds:6.2f} s  {ratio}")
    categories = throttled.categories
    refused = sum(counts.get("throttled", 0) for counts in categories.values())
    where = ", ".join(
        f"{name} {counts['throttled']}"
        for name, counts in sorted(categories.items())
        if counts.get("throttled")
    )
    print(
        f"   throttled by the fake's quotas: {refused} request(s) ({where or 'none'}); "
        f"throttling responses seen by the pacer: {throttled.throttled_seen}"
    )
    parts = sorted(name for name in paced.bundle if name not in {"version", "kind", "source"})
    print(f"   bundle parts: {', '.join(parts)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
