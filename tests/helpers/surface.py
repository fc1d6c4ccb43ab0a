"""Facts of cognito-surface.md the tests check against, written down here, never derived from poolpatch."""

from __future__ import annotations

from typing import Final

#: cognito-surface.md §13, "Operations a full export uses": the reads an export of a pool makes.
EXPORT_READS: Final = frozenset(
    {
        "DescribeUserPool",
        "GetUserPoolMfaConfig",
        "DescribeUserPoolDomain",
        "ListResourceServers",
        "ListIdentityProviders",
        "DescribeIdentityProvider",
        "ListUserPoolClients",
        "DescribeUserPoolClient",
        "DescribeRiskConfiguration",
        "GetUICustomization",
        "DescribeManagedLoginBrandingByClient",
        "ListGroups",
        "GetLogDeliveryConfiguration",
    }
)
