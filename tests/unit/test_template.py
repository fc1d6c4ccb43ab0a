"""Invariants of the SAM stack (template.yaml) and the target-account role template.

These are poolpatch's guardrails as code: every function logs to its own log
group with retention, every queue redrives or is an alarmed DLQ, every
asynchronous path fails somewhere visible, IAM is least-privilege (no wildcard
resource on a Cognito write, PutEvents conditioned on events:source), the
snapshot bucket is private and TLS-only, the function environment matches the
design's contract, the embedded request schema equals events/schema, and
cfn-lint reports nothing on any template (the drift forwarder's own invariants
are in test_drift_template.py, which reuses these helpers).

The hardening of issue 6 is checked on *rendered* templates: `Render` resolves
parameters, conditions and the intrinsic functions the templates use for one
set of parameter values (resources of other stacks stay `<Name.Attr>`
placeholders), and `decide` evaluates IAM statements for one request. So the
tests state behaviour: "a principal that is not intake, drift or a configured
producer cannot enqueue", "a snapshot PutObject without If-None-Match is
denied", for each way the stack can be deployed.

Each checker returns a list of violations; the tests assert it is empty for the
real templates, and a few tests feed deliberately broken copies to prove the
checkers are not vacuous.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Final

import pytest
from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TARGET_TEMPLATE = ROOT / "templates" / "target-account-role.yaml"
FORWARDER_TEMPLATE = ROOT / "templates" / "drift-forwarder.yaml"
SCHEMA_FILE = ROOT / "events" / "schema" / "change-request.json"

CONTRACT_ENV = frozenset(
    {
        "SNAPSHOT_BUCKET",
        "CHANGE_QUEUE_URL",
        "EVENT_BUS_NAME",
        "IDEMPOTENCY_TABLE",
        "ALLOWED_ACCOUNT_IDS",
        "TARGET_ROLE_NAME",
        "TARGET_ROLE_EXTERNAL_ID",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
    }
)
# What each function adds to the Globals environment.
FUNCTION_ENV = {
    "IntakeFunction": {"EVENT_SOURCES"},
    "ApplyFunction": {"MAX_RECEIVE_COUNT", "QUEUE_MAX_RECEIVE_COUNT", "CHANGE_DLQ_URL"},
    "DriftFunction": {
        "DESIRED_STATE_PREFIX",
        "DRIFT_WORK_QUEUE_URL",
        "DRIFT_CHECK_QUEUE_URL",
        "DRIFT_STATE_TABLE",
        "DRIFT_READS_PER_SECOND",
        "DRIFT_CORRECTION_LIMIT_PERCENT",
        "DRIFT_CORRECTION",
        "DRIFT_STORE_BUNDLES",
    },
}
# The target role's Cognito grants: the read and write of every configuration kind (the
# kind table itself is in test_kind_permissions.py), DescribeUserPoolDomain on "*".
COGNITO_ACTIONS = frozenset(
    {
        "cognito-idp:DescribeUserPool",
        "cognito-idp:UpdateUserPool",
        "cognito-idp:AddCustomAttributes",
        "cognito-idp:DescribeUserPoolClient",
        "cognito-idp:UpdateUserPoolClient",
        "cognito-idp:GetUserPoolMfaConfig",
        "cognito-idp:SetUserPoolMfaConfig",
        "cognito-idp:DescribeUserPoolDomain",
        "cognito-idp:UpdateUserPoolDomain",
        "cognito-idp:DescribeIdentityProvider",
        "cognito-idp:UpdateIdentityProvider",
        "cognito-idp:DescribeResourceServer",
        "cognito-idp:UpdateResourceServer",
        "cognito-idp:GetGroup",
        "cognito-idp:UpdateGroup",
        "cognito-idp:DescribeRiskConfiguration",
        "cognito-idp:SetRiskConfiguration",
        "cognito-idp:GetUICustomization",
        "cognito-idp:SetUICustomization",
        "cognito-idp:DescribeManagedLoginBrandingByClient",
        "cognito-idp:UpdateManagedLoginBranding",
        "cognito-idp:GetLogDeliveryConfiguration",
        "cognito-idp:SetLogDeliveryConfiguration",
    }
)
# What a drift sweep lists and reads, every configuration kind included.
READ_ACTIONS = frozenset(
    {
        "cognito-idp:ListUserPools",
        "cognito-idp:DescribeUserPool",
        "cognito-idp:ListUserPoolClients",
        "cognito-idp:DescribeUserPoolClient",
        "cognito-idp:ListTagsForResource",
        "cognito-idp:GetUserPoolMfaConfig",
        "cognito-idp:DescribeUserPoolDomain",
        "cognito-idp:ListIdentityProviders",
        "cognito-idp:DescribeIdentityProvider",
        "cognito-idp:ListResourceServers",
        "cognito-idp:DescribeResourceServer",
        "cognito-idp:ListGroups",
        "cognito-idp:GetGroup",
        "cognito-idp:DescribeRiskConfiguration",
        "cognito-idp:GetUICustomization",
        "cognito-idp:DescribeManagedLoginBrandingByClient",
        "cognito-idp:GetLogDeliveryConfiguration",
    }
)
# Cognito reads that have no resource type (Service Authorization Reference): granted on "*".
UNSCOPED_READS = frozenset({"cognito-idp:ListUserPools", "cognito-idp:DescribeUserPoolDomain"})
# Cognito writes of every family the read role must never perform.
# A bundle restore (restore.bundle) on the target role besides: the live pool's listings and the creates
# of the parts a pool can lose (never CreateUserPool, never a Delete).
BUNDLE_RESTORE_ACTIONS = frozenset(
    {
        "cognito-idp:ListUserPoolClients",
        "cognito-idp:ListIdentityProviders",
        "cognito-idp:ListResourceServers",
        "cognito-idp:ListGroups",
        "cognito-idp:CreateResourceServer",
        "cognito-idp:CreateGroup",
        "cognito-idp:CreateIdentityProvider",
        "cognito-idp:CreateUserPoolClient",
        "cognito-idp:CreateUserPoolDomain",
        "cognito-idp:CreateManagedLoginBranding",
    }
)
COGNITO_WRITES = (
    "cognito-idp:UpdateUserPool",
    "cognito-idp:UpdateUserPoolClient",
    "cognito-idp:AddCustomAttributes",
    "cognito-idp:SetUserPoolMfaConfig",
    "cognito-idp:UpdateUserPoolDomain",
    "cognito-idp:UpdateIdentityProvider",
    "cognito-idp:UpdateResourceServer",
    "cognito-idp:UpdateGroup",
    "cognito-idp:SetRiskConfiguration",
    "cognito-idp:SetUICustomization",
    "cognito-idp:UpdateManagedLoginBranding",
    "cognito-idp:SetLogDeliveryConfiguration",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:CreateManagedLoginBranding",
    "cognito-idp:DeleteUserPool",
    "cognito-idp:DeleteUserPoolDomain",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AssociateWebACL",
    "cognito-idp:DisassociateWebACL",
    "cognito-idp:TagResource",
    "cognito-idp:UntagResource",
    "cognito-idp:StartUserImportJob",
)
ASYNC_EVENT_TYPES = frozenset({"EventBridgeRule", "Schedule", "CloudWatchEvent"})
FUNCTIONS = {"IntakeFunction": "intake", "ApplyFunction": "apply", "DriftFunction": "drift"}
QUEUES = (
    "ChangeQueue",
    "ChangeDLQ",
    "RuleDeliveryDLQ",
    "AsyncFailureDLQ",
    "DriftWorkQueue",
    "DriftWorkDLQ",
    "DriftCheckQueue",
    "DriftCheckDLQ",
)
LOG_GROUPS = ("IntakeLogGroup", "ApplyLogGroup", "DriftLogGroup")

# Values of a rendered deployment: the hub account and a second target account.
ACCOUNT: Final = "111111111111"
OTHER_ACCOUNT: Final = "222222222222"
PSEUDO: Final = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::StackName": "poolpatch",
    "AWS::URLSuffix": "amazonaws.com",
}
EXTERNAL_ID: Final = "external-id-0123"
KMS_KEY: Final = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# Placeholders `Render` leaves for the hub stack's own resources.
INTAKE_ROLE: Final = "<IntakeFunctionRole.Arn>"
APPLY_ROLE: Final = "<ApplyFunctionRole.Arn>"
DRIFT_ROLE: Final = "<DriftFunctionRole.Arn>"
ADMIN: Final = f"arn:aws:iam::{ACCOUNT}:role/Admin"

Template = dict[str, Any]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def load(path: Path) -> Template:
    """Load a CloudFormation/SAM template, short-form tags (!Ref, !GetAtt, ...) included."""
    template: Template = cfn_yaml.load(str(path))
    return template


@pytest.fixture(scope="module")
def template() -> Template:
    """The SAM stack."""
    return load(TEMPLATE)


@pytest.fixture(scope="module")
def target_template() -> Template:
    """The target-account role template."""
    return load(TARGET_TEMPLATE)


def resources(template: Template, type_: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource for every resource of one type."""
    return {name: res for name, res in template["Resources"].items() if res.get("Type") == type_}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    """A resource's Properties (empty when absent)."""
    properties: dict[str, Any] = resource.get("Properties", {})
    return properties


def target_of(value: Any) -> str | None:
    """The logical id a `Ref`/`GetAtt` points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            return str(att[0] if isinstance(att, list) else str(att).split(".", 1)[0])
    return None


def as_list(value: Any) -> list[Any]:
    """A policy element that may be one item or a list, as a list."""
    return value if isinstance(value, list) else [value]


def function_setting(template: Template, function: dict[str, Any], key: str) -> Any:
    """A function property, falling back to Globals.Function."""
    return props(function).get(key, template.get("Globals", {}).get("Function", {}).get(key))


def expand_if(statement: Any) -> list[dict[str, Any]]:
    """A policy statement, or both branches of a statement written as `Fn::If` (AWS::NoValue dropped)."""
    if isinstance(statement, dict) and set(statement) == {"Fn::If"}:
        branches = statement["Fn::If"][1:]
        return [b for b in branches if b != {"Ref": "AWS::NoValue"} for b in expand_if(b)]
    return [statement]


def policy_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, statement) for every identity-policy statement in the template."""
    for name, res in template["Resources"].items():
        documents: list[Any] = []
        if res.get("Type") == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props(res).get("Policies", [])]
        elif res.get("Type") in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
            documents = [props(res)["PolicyDocument"]]
        elif res.get("Type") == "AWS::Serverless::Function":
            documents = [p for p in as_list(props(res).get("Policies", [])) if isinstance(p, dict)]
        for document in documents:
            for statement in as_list(document.get("Statement", [])):
                for branch in expand_if(statement):
                    yield name, branch


def resource_text(resource: Any) -> str:
    """An IAM Resource element as text (the Fn::Sub pattern for substitutions)."""
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    if isinstance(resource, dict):
        return json.dumps(resource)
    return str(resource)


# ---------------------------------------------------------------------------
# Rendering: one deployment's resolved template
# ---------------------------------------------------------------------------
_NO_VALUE: Final = object()


class Render:
    """A template resolved for one set of parameter values, as CloudFormation would.

    Parameters take their defaults unless overridden; conditions are evaluated; `Ref`,
    `Fn::If`, `Fn::Join`, `Fn::Split` and `Fn::Sub` are resolved; resources whose
    condition is false are left out. References to the stack's own resources become
    placeholders: `Ref X` -> "<X>", `GetAtt X.Arn` / `${X.Arn}` -> "<X.Arn>".
    """

    def __init__(self, template: Template, **overrides: Any) -> None:
        self.template = template
        declared = template.get("Parameters", {})
        unknown = set(overrides) - set(declared)
        assert not unknown, f"not parameters of this template: {unknown}"
        self.params: dict[str, Any] = {}
        for name, spec in declared.items():
            if name not in overrides and "Default" not in spec:
                raise KeyError(f"parameter {name} has no default: pass it")
            value = overrides.get(name, spec.get("Default"))
            if spec["Type"] == "CommaDelimitedList" and isinstance(value, str):
                value = value.split(",")
            self.params[name] = value
        self.conditions: dict[str, bool] = {}
        for name in template.get("Conditions", {}):
            self.condition(name)

    # -- conditions --------------------------------------------------------
    def condition(self, name: str) -> bool:
        """The value of a named condition."""
        if name not in self.conditions:
            self.conditions[name] = self._test(self.template["Conditions"][name])
        return self.conditions[name]

    def _test(self, expression: Mapping[str, Any]) -> bool:
        ((function, args),) = expression.items()
        if function == "Fn::Equals":
            left, right = (self.value(a) for a in args)
            return bool(left == right)
        if function == "Fn::Not":
            return not self._test(args[0])
        if function == "Fn::And":
            return all(self._test(a) for a in args)
        if function == "Fn::Or":
            return any(self._test(a) for a in args)
        if function == "Condition":
            return self.condition(args)
        raise NotImplementedError(function)

    # -- values ------------------------------------------------------------
    def value(self, node: Any) -> Any:
        """`node` with every intrinsic function resolved (AWS::NoValue removed from its parent)."""
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            function = self._FUNCTIONS.get(key)
            if function is not None:
                return function(self, arg)
        resolved = {k: self.value(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name]
        assert self._declared(name), f"Ref to an unknown name {name}"
        return f"<{name}>"

    def _declared(self, name: str) -> bool:
        """A resource of the template, or one SAM generates for it (IntakeFunctionChangeRequested)."""
        declared = self.template["Resources"]
        serverless = [
            n for n, r in declared.items() if str(r.get("Type", "")).startswith("AWS::Serverless::")
        ]
        return name in declared or any(name.startswith(n) for n in serverless)

    def _get_att(self, arg: Any) -> str:
        name, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
        assert self._declared(name), f"GetAtt of an unknown resource {name}"
        return f"<{name}.{attribute}>"

    def _if(self, arg: list[Any]) -> Any:
        name, when_true, when_false = arg
        return self.value(when_true if self.condition(name) else when_false)

    def _join(self, arg: list[Any]) -> str:
        separator, items = arg
        return str(separator).join(str(i) for i in self.value(items))

    def _split(self, arg: list[Any]) -> list[str]:
        separator, text = arg
        return str(self.value(text)).split(separator)

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and "::" not in name:
                return f"<{name}>"
            return str(self._ref(name))

        return re.sub(r"\$\{([^}!]+)\}", substitute, str(text))

    _FUNCTIONS: Final[dict[str, Callable[[Render, Any], Any]]] = {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::If": _if,
        "Fn::Join": _join,
        "Fn::Split": _split,
        "Fn::Sub": _sub,
    }

    # -- views -------------------------------------------------------------
    def resources(self) -> dict[str, dict[str, Any]]:
        """Logical id -> resolved resource, for the resources this deployment creates."""
        return {
            name: self.value(res)
            for name, res in self.template["Resources"].items()
            if "Condition" not in res or self.condition(res["Condition"])
        }

    def props(self, name: str) -> dict[str, Any]:
        """The resolved Properties of one resource this deployment creates."""
        return props(self.resources()[name])

    def outputs(self) -> dict[str, Any]:
        """Output name -> resolved value, for the outputs this deployment has."""
        return {
            name: self.value(out["Value"])
            for name, out in self.template.get("Outputs", {}).items()
            if "Condition" not in out or self.condition(out["Condition"])
        }

    def environment(self, function: str) -> dict[str, Any]:
        """A function's effective environment: Globals merged with its own, as SAM does."""
        globals_env = self.value(self.template["Globals"]["Function"]["Environment"]["Variables"])
        own = self.props(function).get("Environment", {}).get("Variables", {})
        return {**globals_env, **own}

    def statements(self, role: str) -> list[dict[str, Any]]:
        """Every statement of a role's inline policies."""
        return [s for p in self.props(role).get("Policies", []) for s in p["PolicyDocument"]["Statement"]]

    def queue_policy(self, queue: str) -> list[dict[str, Any]]:
        """Every statement of the queue policies that name `queue`."""
        return [
            statement
            for res in self.resources().values()
            if res["Type"] == "AWS::SQS::QueuePolicy" and f"<{queue}>" in props(res)["Queues"]
            for statement in props(res)["PolicyDocument"]["Statement"]
        ]


def hub(template: Template, **overrides: Any) -> Render:
    """The hub stack rendered with defaults (and the required external id) unless overridden."""
    return Render(template, **{"TargetRoleExternalId": EXTERNAL_ID, **overrides})


def target(target_template: Template, **overrides: Any) -> Render:
    """The target-account template rendered for the hub account's roles unless overridden."""
    values = {
        "HubAccountId": ACCOUNT,
        "HubApplyRoleName": "hub-apply",
        "HubDriftRoleName": "hub-drift",
        "ExternalId": EXTERNAL_ID,
    }
    return Render(target_template, **{**values, **overrides})


# ---------------------------------------------------------------------------
# IAM evaluation: does a statement apply to one request?
# ---------------------------------------------------------------------------
def _condition_holds(operator: str, expected: list[str], actual: str | None) -> bool:
    """One condition operator on one key (missing keys as IAM treats them)."""
    if operator == "Null":
        return (actual is None) == (expected == ["true"])
    negated = "Not" in operator
    if actual is None:
        return negated
    if operator == "Bool":
        hit = actual.lower() in {e.lower() for e in expected}
    elif operator.startswith("Numeric"):
        assert operator in {"NumericLessThan"}, operator
        hit = any(float(actual) < float(e) for e in expected)
    elif operator.startswith("Arn") or operator.endswith("Like"):
        hit = any(fnmatchcase(actual, e) for e in expected)
    else:
        assert operator in {"StringEquals", "StringNotEquals"}, operator
        hit = actual in expected
    return hit != negated


def applies(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> bool:
    """Whether a statement covers this action on this resource with this request context.

    `context` holds condition keys (aws:PrincipalArn, sts:ExternalId, ...); for a
    trust or resource policy, the caller's ARN (aws:PrincipalArn) or service
    (aws:PrincipalServiceName) is also matched against Principal.
    """
    if not any(fnmatchcase(action.lower(), str(a).lower()) for a in as_list(statement["Action"])):
        return False
    if not any(fnmatchcase(resource, str(r)) for r in as_list(statement.get("Resource", "*"))):
        return False
    principal = statement.get("Principal")
    if principal is not None and principal != "*":
        callers = [str(p) for p in as_list(principal.get("AWS", []))]
        services = [str(p) for p in as_list(principal.get("Service", []))]
        if context.get("aws:PrincipalArn") not in callers and (
            context.get("aws:PrincipalServiceName") not in services
        ):
            return False
    return all(
        _condition_holds(operator, [str(v) for v in as_list(expected)], context.get(key))
        for operator, block in statement.get("Condition", {}).items()
        for key, expected in block.items()
    )


def decide(statements: list[dict[str, Any]], action: str, resource: str, context: Mapping[str, str]) -> str:
    """ "Deny" if a Deny applies, else "Allow" if an Allow applies, else "Implicit" (no grant)."""
    effects = {s["Effect"] for s in statements if applies(s, action, resource, context)}
    return "Deny" if "Deny" in effects else "Allow" if "Allow" in effects else "Implicit"


def request(principal: str | None, **keys: str) -> dict[str, str]:
    """A TLS request context by `principal` (None: no principal, as SQS moving a message)."""
    context = {"aws:SecureTransport": "true"}
    if principal is not None:
        context["aws:PrincipalArn"] = principal
    return {**context, **keys}


# ---------------------------------------------------------------------------
# Checkers: each returns the list of violations
# ---------------------------------------------------------------------------
def log_group_violations(template: Template) -> list[str]:
    """Functions without their own log group with retention."""
    found = []
    groups = resources(template, "AWS::Logs::LogGroup")
    for name, function in resources(template, "AWS::Serverless::Function").items():
        group = target_of(props(function).get("LoggingConfig", {}).get("LogGroup"))
        if group not in groups:
            found.append(f"{name}: LoggingConfig.LogGroup does not name a log group of this template")
        elif "RetentionInDays" not in props(groups[group]):
            found.append(f"{name}: log group {group} has no RetentionInDays")
    return found


def dead_letter_targets(template: Template) -> set[str]:
    """Queues used as a DLQ: redrive targets, rule DeadLetterConfig, on-failure destinations."""
    targets: set[str] = set()
    for queue in resources(template, "AWS::SQS::Queue").values():
        redrive = props(queue).get("RedrivePolicy")
        if redrive:
            targets.add(str(target_of(redrive.get("deadLetterTargetArn"))))
    for function in resources(template, "AWS::Serverless::Function").values():
        for event in props(function).get("Events", {}).values():
            dlq = event.get("Properties", {}).get("DeadLetterConfig", {}).get("Arn")
            if dlq:
                targets.add(str(target_of(dlq)))
        on_failure = props(function).get("EventInvokeConfig", {}).get("DestinationConfig", {})
        destination = on_failure.get("OnFailure", {}).get("Destination")
        if destination:
            targets.add(str(target_of(destination)))
    for rule in resources(template, "AWS::Events::Rule").values():
        for rule_target in props(rule).get("Targets", []):
            dlq = rule_target.get("DeadLetterConfig", {}).get("Arn")
            if dlq:
                targets.add(str(target_of(dlq)))
    return targets


def queue_violations(template: Template) -> list[str]:
    """Queues that neither redrive nor are a DLQ alarming on its first message; unencrypted queues."""
    found = []
    queues = resources(template, "AWS::SQS::Queue")
    dlqs = dead_letter_targets(template)
    alarmed = {
        target_of(dimension["Value"])
        for alarm in resources(template, "AWS::CloudWatch::Alarm").values()
        if props(alarm).get("MetricName") == "ApproximateNumberOfMessagesVisible"
        and props(alarm).get("Threshold", 2) <= 1
        and props(alarm).get("AlarmActions")
        for dimension in props(alarm).get("Dimensions", [])
        if dimension.get("Name") == "QueueName"
    }
    for name, queue in queues.items():
        properties = props(queue)
        if not (properties.get("SqsManagedSseEnabled") or properties.get("KmsMasterKeyId")):
            found.append(f"{name}: no server-side encryption")
        redrive = properties.get("RedrivePolicy")
        if redrive:
            if target_of(redrive.get("deadLetterTargetArn")) not in queues:
                found.append(f"{name}: redrives to a queue outside this template")
        elif name not in dlqs:
            found.append(f"{name}: neither redrives nor is a dead-letter queue")
        elif name not in alarmed:
            found.append(f"{name}: dead-letter queue without an alarm on its first message")
    return found


def cognito_write_violations(template: Template) -> list[str]:
    """Allow statements granting a Cognito write on a wildcard resource or with a wildcard action."""
    found = []
    for owner, statement in policy_statements(template):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        cognito = [a for a in actions if a.lower().startswith("cognito-idp:") or a == "*"]
        writes = [a for a in cognito if not a.split(":", 1)[-1].startswith(("Describe", "List", "Get"))]
        if not writes:
            continue
        if any("*" in a for a in writes):
            found.append(f"{owner}: wildcard Cognito action {writes}")
        for resource in as_list(statement.get("Resource", "*")):
            text = resource_text(resource)
            if text.strip() == "*" or ":userpool/" not in text:
                found.append(f"{owner}: Cognito write {writes} on resource {text!r}")
    return found


def put_events_violations(template: Template) -> list[str]:
    """events:PutEvents granted without an events:source condition or on every bus."""
    found = []
    for owner, statement in policy_statements(template):
        actions = [str(a) for a in as_list(statement.get("Action", []))]
        if statement.get("Effect") != "Allow" or not any(
            a in {"events:PutEvents", "events:*"} for a in actions
        ):
            continue
        source = statement.get("Condition", {}).get("StringEquals", {}).get("events:source")
        if source != "poolpatch":
            found.append(f"{owner}: PutEvents without Condition StringEquals events:source = poolpatch")
        if any(resource_text(r).strip() == "*" for r in as_list(statement.get("Resource", "*"))):
            found.append(f"{owner}: PutEvents on every bus")
    return found


def async_path_violations(template: Template) -> list[str]:
    """EventBridge targets without RetryPolicy/DeadLetterConfig; async functions without on-failure."""
    found = []
    for name, function in resources(template, "AWS::Serverless::Function").items():
        events = props(function).get("Events", {})
        async_events = {k: v for k, v in events.items() if v.get("Type") in ASYNC_EVENT_TYPES}
        for event_name, event in async_events.items():
            event_props = event.get("Properties", {})
            for key in ("RetryPolicy", "DeadLetterConfig"):
                if key not in event_props:
                    found.append(f"{name}.{event_name}: no {key}")
        on_failure = props(function).get("EventInvokeConfig", {}).get("DestinationConfig", {})
        if async_events and "OnFailure" not in on_failure:
            found.append(
                f"{name}: invoked asynchronously without an EventInvokeConfig on-failure destination"
            )
    for name, rule in resources(template, "AWS::Events::Rule").items():
        for rule_target in props(rule).get("Targets", []):
            for key in ("RetryPolicy", "DeadLetterConfig"):
                if key not in rule_target:
                    found.append(f"{name}: target {rule_target.get('Id')} has no {key}")
    return found


def eventbridge_dlq_policy_violations(template: Template) -> list[str]:
    """Rule DLQs whose queue policy lets events.amazonaws.com send without aws:SourceArn."""
    found = []
    rule_dlqs = set()
    for function in resources(template, "AWS::Serverless::Function").values():
        for event in props(function).get("Events", {}).values():
            if event.get("Type") in ASYNC_EVENT_TYPES:
                rule_dlqs.add(target_of(event.get("Properties", {}).get("DeadLetterConfig", {}).get("Arn")))
    policies = resources(template, "AWS::SQS::QueuePolicy").values()
    for dlq in sorted(str(q) for q in rule_dlqs):
        grants = [
            statement
            for policy in policies
            if dlq in {target_of(q) for q in props(policy).get("Queues", [])}
            for statement in as_list(props(policy)["PolicyDocument"]["Statement"])
            if statement.get("Effect") == "Allow"
            and statement.get("Principal", {}).get("Service") == "events.amazonaws.com"
        ]
        if not grants:
            found.append(f"{dlq}: no queue policy lets EventBridge deliver dead letters")
        for statement in grants:
            conditions = statement.get("Condition", {})
            if not any("aws:SourceArn" in block for block in conditions.values()):
                found.append(f"{dlq}: events.amazonaws.com may send without an aws:SourceArn condition")
    return found


# ---------------------------------------------------------------------------
# Tests: the SAM stack
# ---------------------------------------------------------------------------
def test_every_function_has_its_own_log_group_with_retention(template: Template) -> None:
    # Given the SAM stack
    # When every function's log destination is resolved
    violations = log_group_violations(template)
    # Then each writes to an explicit log group of the stack with a retention
    assert violations == []
    assert len(resources(template, "AWS::Serverless::Function")) == len(FUNCTIONS)


def test_every_queue_redrives_or_is_an_alarmed_dead_letter_queue(template: Template) -> None:
    # Given the SAM stack
    # When every queue is classified
    violations = queue_violations(template)
    # Then each is encrypted and either redrives or is a DLQ alarming on its first message
    assert violations == []


def test_no_cognito_write_action_on_a_wildcard_resource(
    template: Template, target_template: Template
) -> None:
    # Given both templates
    # When every Allow statement with a Cognito write is inspected
    violations = cognito_write_violations(template) + cognito_write_violations(target_template)
    # Then each names user pool ARNs, never "*"
    assert violations == []


def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(template: Template) -> None:
    # Given every SQS event source of every function
    queues = resources(template, "AWS::SQS::Queue")
    checked = 0
    for name, function in resources(template, "AWS::Serverless::Function").items():
        for event in props(function).get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            queue = str(target_of(event["Properties"]["Queue"]))
            # When the queue's visibility timeout is compared with the function timeout
            timeout = int(function_setting(template, function, "Timeout"))
            visibility = int(props(queues[queue])["VisibilityTimeout"])
            # Then a message is never redelivered while a batch can still be running
            assert visibility >= 6 * timeout, (
                f"{queue} visibility {visibility} < 6 x {name} timeout {timeout}"
            )
            checked += 1
    assert checked == 3  # apply's ChangeQueue, drift's DriftWorkQueue and DriftCheckQueue


def test_apply_consumes_change_queue_fifo_in_partial_batches(template: Template) -> None:
    # Given the apply function's event source and the queue
    event = props(template["Resources"]["ApplyFunction"])["Events"]["ChangeQueued"]
    queue = props(template["Resources"]["ChangeQueue"])
    dlq = props(template["Resources"]["ChangeDLQ"])
    # When the consumption settings are read
    # Then batches of 10 report item failures, and the FIFO queue dedupes on requestId
    assert event["Type"] == "SQS"
    assert target_of(event["Properties"]["Queue"]) == "ChangeQueue"
    assert event["Properties"]["BatchSize"] == 10
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert queue["FifoQueue"] is True
    assert queue["ContentBasedDeduplication"] is False
    assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Ref": "QueueMaxReceiveCount"}
    assert template["Parameters"]["MaxReceiveCount"]["Default"] == 5
    assert template["Parameters"]["QueueMaxReceiveCount"]["Default"] == 50
    assert target_of(queue["RedrivePolicy"]["deadLetterTargetArn"]) == "ChangeDLQ"
    assert dlq["FifoQueue"] is True


def test_put_events_is_conditioned_on_the_poolpatch_source(template: Template) -> None:
    # Given the SAM stack
    # When every PutEvents grant is inspected
    violations = put_events_violations(template)
    publishers = {
        owner for owner, s in policy_statements(template) if "events:PutEvents" in as_list(s["Action"])
    }
    # Then every function publishes only with source "poolpatch", on one bus
    assert violations == []
    assert publishers == {"IntakeFunctionRole", "ApplyFunctionRole", "DriftFunctionRole"}


def test_every_async_path_retries_and_fails_somewhere_visible(template: Template) -> None:
    # Given the SAM stack
    # When every EventBridge target and asynchronously invoked function is inspected
    violations = async_path_violations(template) + eventbridge_dlq_policy_violations(template)
    # Then rules retry into a DLQ (writable by EventBridge only for these rules) and functions have on-failure
    assert violations == []


def test_request_rule_matches_change_requested_events(template: Template) -> None:
    # Given the intake function's rule
    event = props(template["Resources"]["IntakeFunction"])["Events"]["ChangeRequested"]
    # When its pattern is read
    pattern = event["Properties"]["Pattern"]
    # Then it matches the request detail-type from the configured sources on the configured bus
    assert event["Type"] == "EventBridgeRule"
    assert pattern["detail-type"] == ["User Pool Change Requested"]
    assert pattern["source"] == {"Ref": "EventSources"}
    assert event["Properties"]["EventBusName"] == {
        "Fn::If": ["CreateEventBus", {"Ref": "EventBus"}, {"Ref": "EventBusName"}]
    }


def test_function_environment_matches_the_contract(template: Template) -> None:
    # Given the Globals and each function
    global_env = template["Globals"]["Function"]["Environment"]["Variables"]
    for name in FUNCTIONS:
        own = props(template["Resources"][name]).get("Environment", {}).get("Variables", {})
        # When the effective environment is merged as SAM merges it
        names = set(global_env) | set(own)
        # Then the variable names are exactly the design's contract plus the function's own
        assert names == CONTRACT_ENV | FUNCTION_ENV[name], name
    assert global_env["POWERTOOLS_SERVICE_NAME"] == "poolpatch"
    assert global_env["POWERTOOLS_METRICS_NAMESPACE"] == "Poolpatch"


def test_functions_share_runtime_architecture_tracing_and_layer(template: Template) -> None:
    # Given every function
    for name, folder in FUNCTIONS.items():
        function = template["Resources"][name]
        # When its effective settings are read
        # Then it is a thin python3.13/arm64 handler over the engine layer, traced, with JSON logs
        assert function_setting(template, function, "Runtime") == "python3.13"
        assert function_setting(template, function, "Architectures") == ["arm64"]
        assert function_setting(template, function, "Tracing") == "Active"
        assert function_setting(template, function, "Handler") == "app.lambda_handler"
        assert function_setting(template, function, "Layers") == [{"Ref": "PoolpatchLayer"}]
        assert template["Globals"]["Function"]["LoggingConfig"]["LogFormat"] == "JSON"
        assert props(function)["CodeUri"] == f"functions/{folder}/"
        assert target_of(props(function)["Role"]) == f"{name}Role", "explicit least-privilege role"
    layer = template["Resources"]["PoolpatchLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"] == {"BuildMethod": "python3.13", "BuildArchitecture": "arm64"}
    assert props(layer)["ContentUri"] == "layers/poolpatch/"


def test_function_roles_log_only_to_their_own_log_group(template: Template) -> None:
    # Given every function role
    for name in FUNCTIONS:
        statements = [s for owner, s in policy_statements(template) if owner == f"{name}Role"]
        # When its logs grants are collected
        logs = [s for s in statements if any(str(a).startswith("logs:") for a in as_list(s["Action"]))]
        # Then the only logs grant is on the function's own log group
        assert [target_of(s["Resource"]) for s in logs] == [name.replace("Function", "LogGroup")]
        assert not props(template["Resources"][f"{name}Role"]).get("ManagedPolicyArns")


def test_snapshot_bucket_is_private_versioned_encrypted_and_tls_only(template: Template) -> None:
    # Given the snapshot bucket and its policy
    bucket = props(template["Resources"]["SnapshotBucket"])
    (policy,) = (
        props(p)
        for p in resources(template, "AWS::S3::BucketPolicy").values()
        if target_of(props(p)["Bucket"]) == "SnapshotBucket"
    )
    # When its protections are read
    denies_plain_http = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    # Then public access is blocked on all four switches and non-TLS requests are denied
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert len(denies_plain_http) == 1
    denied = [resource_text(r) for r in denies_plain_http[0]["Resource"]]
    assert target_of(denies_plain_http[0]["Resource"][0]) == "SnapshotBucket"
    assert "${SnapshotBucket.Arn}/*" in denied
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert any("NoncurrentVersionExpiration" in r for r in bucket["LifecycleConfiguration"]["Rules"])
    assert target_of(bucket["LoggingConfiguration"]["DestinationBucketName"]) == "SnapshotAccessLogBucket"


def test_idempotency_table_matches_powertools_layout(template: Template) -> None:
    # Given the idempotency table
    table = props(template["Resources"]["IdempotencyTable"])
    # When its key, TTL and protections are read
    # Then they are what Powertools' DynamoDBPersistenceLayer uses by default
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_embedded_request_schema_equals_the_schema_file(template: Template) -> None:
    # Given the schema registered in the stack and the repository's schema file
    if not SCHEMA_FILE.exists():
        pytest.skip(f"{SCHEMA_FILE.relative_to(ROOT)} is not written yet; nothing to compare with")
    schema = props(template["Resources"]["ChangeRequestSchema"])
    # When both are parsed as JSON
    embedded = json.loads(schema["Content"])
    on_disk = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # Then they are the same document (CloudFormation cannot read the file, so the template carries a copy)
    assert embedded == on_disk, (
        "template.yaml ChangeRequestSchema.Content differs from events/schema/change-request.json: "
        "run `python3 scripts/sync-schema.py`"
    )
    assert schema["Content"] == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "byte for byte: scripts/sync-schema.py"
    )
    assert schema["Type"] == "JSONSchemaDraft4"
    assert on_disk["$schema"] == "http://json-schema.org/draft-04/schema#"


@pytest.mark.parametrize("path", [TEMPLATE, TARGET_TEMPLATE, FORWARDER_TEMPLATE], ids=lambda p: p.name)
def test_cfn_lint_reports_nothing(path: Path) -> None:
    # Given a template, linted with informational checks on (as .cfnlintrc.yaml asks)
    # When cfn-lint runs on it
    matches = lint_file(path, config=ManualArgs(include_checks=["I"]))
    # Then there are no findings at all
    assert [f"{m.rule.id} {m.message} ({m.linenumber})" for m in matches] == []


# ---------------------------------------------------------------------------
# Tests: the hardening of issue 6, on rendered deployments
# ---------------------------------------------------------------------------
def put_events_resources(stack: Render) -> list[Any]:
    """The Resource of every PutEvents grant of the function roles."""
    return [
        statement["Resource"]
        for name in FUNCTIONS
        for statement in stack.statements(f"{name}Role")
        if "events:PutEvents" in as_list(statement["Action"])
    ]


def test_a_dedicated_bus_is_created_when_no_bus_is_named(template: Template) -> None:
    # Given the stack deployed with the default, empty, EventBusName
    stack = hub(template)
    # When its bus, request rule, environment, PutEvents grants and outputs are resolved
    bus = stack.resources()["EventBus"]
    rule = stack.props("IntakeFunction")["Events"]["ChangeRequested"]["Properties"]
    # Then the stack creates its own bus, named after the stack, and uses it everywhere
    assert template["Parameters"]["EventBusName"]["Default"] == ""
    assert bus["Type"] == "AWS::Events::EventBus"
    assert props(bus)["Name"] == PSEUDO["AWS::StackName"]
    assert rule["EventBusName"] == "<EventBus>"
    assert {stack.environment(name)["EVENT_BUS_NAME"] for name in FUNCTIONS} == {"<EventBus>"}
    assert put_events_resources(stack) == ["<EventBus.Arn>"] * len(FUNCTIONS)
    assert stack.outputs()["EventBusName"] == "<EventBus>"
    assert stack.outputs()["EventBusArn"] == "<EventBus.Arn>"


def test_a_named_bus_is_used_instead_of_a_dedicated_one(template: Template) -> None:
    # Given the stack deployed on an existing bus
    stack = hub(template, EventBusName="shared")
    # When the same places are resolved
    rule = stack.props("IntakeFunction")["Events"]["ChangeRequested"]["Properties"]
    arn = f"arn:aws:events:eu-west-1:{ACCOUNT}:event-bus/shared"
    # Then no bus is created and every place names the existing one
    assert "EventBus" not in stack.resources()
    assert rule["EventBusName"] == "shared"
    assert {stack.environment(name)["EVENT_BUS_NAME"] for name in FUNCTIONS} == {"shared"}
    assert put_events_resources(stack) == [arn] * len(FUNCTIONS)
    assert stack.outputs()["EventBusName"] == "shared"


def test_allowed_accounts_may_put_only_change_requests_on_the_dedicated_bus(template: Template) -> None:
    # Given the dedicated bus with two allowed accounts, and the own-account-only default
    shared = hub(template, AllowedAccountIds="111122223333,444455556666")
    alone = hub(template)
    # When the bus policy is resolved
    policy = props(shared.resources()["EventBusAllowedAccountsPolicy"])
    statement = policy["Statement"]
    # Then exactly those accounts may PutEvents, only with a request source and detail-type
    assert policy["EventBusName"] == "<EventBus>"
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": ["111122223333", "444455556666"]}
    assert statement["Action"] == "events:PutEvents"
    assert statement["Condition"]["StringEquals"] == {
        "events:source": ["poolpatch.requests"],
        "events:detail-type": "User Pool Change Requested",
    }
    # And with no other account (or on a named bus, which is not the stack's to open) there is no policy
    assert "EventBusAllowedAccountsPolicy" not in alone.resources()
    assert (
        "EventBusAllowedAccountsPolicy"
        not in hub(template, EventBusName="shared", AllowedAccountIds="111122223333").resources()
    )


def test_intake_is_told_which_sources_it_accepts(template: Template) -> None:
    # Given the stack deployed with the default and with two request sources
    default, custom = hub(template), hub(template, EventSources="team.a,team.b")
    # When the intake function's environment and rule pattern are resolved
    pattern = custom.props("IntakeFunction")["Events"]["ChangeRequested"]["Properties"]["Pattern"]
    # Then EVENT_SOURCES lists exactly the sources the rule matches
    assert default.environment("IntakeFunction")["EVENT_SOURCES"] == "poolpatch.requests"
    assert custom.environment("IntakeFunction")["EVENT_SOURCES"] == "team.a,team.b"
    assert pattern["source"] == ["team.a", "team.b"]


@pytest.mark.parametrize(
    "producers",
    ["", f"arn:aws:iam::{OTHER_ACCOUNT}:role/pipeline,arn:aws:iam::{ACCOUNT}:role/ops-*"],
    ids=["no-producers", "two-producers"],
)
def test_only_intake_drift_and_configured_producers_can_enqueue(template: Template, producers: str) -> None:
    # Given the change queue's policy, without and with QueueProducerArns
    stack = hub(template, QueueProducerArns=producers)
    policy = stack.queue_policy("ChangeQueue")

    # When principals send to the queue (a Deny overrides any IAM permission they have)
    def send(principal: str | None) -> str:
        return decide(policy, "sqs:SendMessage", "<ChangeQueue.Arn>", request(principal))

    # Then intake and drift are not denied, nor the configured producers (wildcards allowed) ...
    assert send(INTAKE_ROLE) == send(DRIFT_ROLE) == "Implicit"
    expected = "Implicit" if producers else "Deny"
    assert send(f"arn:aws:iam::{OTHER_ACCOUNT}:role/pipeline") == expected
    assert send(f"arn:aws:iam::{ACCOUNT}:role/ops-oncall") == expected
    # ... while everyone else is, the apply role and account administrators included
    assert send(ADMIN) == send(APPLY_ROLE) == send(None) == "Deny"
    assert send(f"arn:aws:iam::{ACCOUNT}:role/pipeline") == "Deny"
    # and an empty QueueProducerArns never lets an empty ARN into the list
    (deny,) = [s for s in policy if s["Effect"] == "Deny" and s["Action"] == "sqs:SendMessage"]
    assert "" not in deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert not [s for s in policy if s["Effect"] == "Allow"]


def test_only_apply_can_move_requests_to_the_change_dlq(template: Template) -> None:
    # Given the change DLQ's policy
    policy = hub(template).queue_policy("ChangeDLQ")

    # When principals send to the DLQ
    def send(principal: str | None) -> str:
        return decide(policy, "sqs:SendMessage", "<ChangeDLQ.Arn>", request(principal))

    # Then only apply (which moves exhausted requests with their result) is not denied;
    # SQS's own redrive from ChangeQueue carries no principal and is not denied either
    assert send(APPLY_ROLE) == "Implicit"
    assert send(INTAKE_ROLE) == send(DRIFT_ROLE) == send(ADMIN) == "Deny"
    assert send(None) == "Implicit"
    assert not [s for s in policy if s["Effect"] == "Allow"]


@pytest.mark.parametrize("kms_key", ["", KMS_KEY], ids=["sse-sqs", "customer-key"])
def test_every_queue_is_tls_only_and_encrypted(template: Template, kms_key: str) -> None:
    # Given the stack deployed without and with a customer-managed key
    stack = hub(template, KmsKeyArn=kms_key)
    assert set(QUEUES) == set(resources(template, "AWS::SQS::Queue"))
    for queue in QUEUES:
        # When the queue's settings and policies are resolved
        settings, policy, arn = stack.props(queue), stack.queue_policy(queue), f"<{queue}.Arn>"
        plain_http = request(APPLY_ROLE, **{"aws:SecureTransport": "false"})
        # Then every request without TLS is denied, and TLS requests are not denied for that reason
        for action in ("sqs:ReceiveMessage", "sqs:SendMessage", "sqs:PurgeQueue"):
            assert decide(policy, action, arn, plain_http) == "Deny", (queue, action)
        assert decide(policy, "sqs:ReceiveMessage", arn, request(APPLY_ROLE)) == "Implicit", queue
        # and the queue is encrypted with the key, or with SSE-SQS when there is none
        if kms_key:
            assert settings.get("KmsMasterKeyId") == kms_key, queue
            assert "SqsManagedSseEnabled" not in settings, queue
        else:
            assert settings.get("SqsManagedSseEnabled") is True, queue
            assert "KmsMasterKeyId" not in settings, queue


def test_apply_moves_exhausted_requests_and_the_queue_redrive_is_a_backstop(template: Template) -> None:
    # Given the stack with default and with custom receive limits
    default, custom = hub(template), hub(template, MaxReceiveCount=3, QueueMaxReceiveCount=99)
    # When apply's environment and grants and the queue's redrive are resolved
    env, statements = default.environment("ApplyFunction"), default.statements("ApplyFunctionRole")
    redrive = default.props("ChangeQueue")["RedrivePolicy"]
    custom_env = custom.environment("ApplyFunction")
    # Then apply knows the DLQ, its own attempt limit and the queue's backstop limit
    assert env["CHANGE_DLQ_URL"] == "<ChangeDLQ>"
    assert env["MAX_RECEIVE_COUNT"] == 5
    assert env["QUEUE_MAX_RECEIVE_COUNT"] == redrive["maxReceiveCount"] == 50
    assert redrive["deadLetterTargetArn"] == "<ChangeDLQ.Arn>"
    assert custom_env["MAX_RECEIVE_COUNT"] == 3
    assert custom_env["QUEUE_MAX_RECEIVE_COUNT"] == 99
    assert custom.props("ChangeQueue")["RedrivePolicy"]["maxReceiveCount"] == 99
    # and may send to the DLQ and delay a retry, but never enqueue a change itself
    context = request(APPLY_ROLE)
    assert decide(statements, "sqs:SendMessage", "<ChangeDLQ.Arn>", context) == "Allow"
    assert decide(statements, "sqs:ChangeMessageVisibility", "<ChangeQueue.Arn>", context) == "Allow"
    assert decide(statements, "sqs:SendMessage", "<ChangeQueue.Arn>", context) == "Implicit"
    spec = template["Parameters"]["QueueMaxReceiveCount"]
    assert (spec["Type"], spec["MinValue"], spec["MaxValue"]) == ("Number", 2, 1000)


def test_the_hub_account_gets_its_own_target_roles(template: Template, target_template: Template) -> None:
    # Given the stack's nested application
    nested = hub(template).resources()["TargetAccountRoles"]
    parameters = props(nested)["Parameters"]
    # When its template and parameters are read
    location = ROOT / props(nested)["Location"]
    required = {n for n, spec in target_template["Parameters"].items() if "Default" not in spec}
    # Then it deploys templates/target-account-role.yaml for this account's apply and drift roles
    assert nested["Type"] == "AWS::Serverless::Application"
    assert location == TARGET_TEMPLATE
    assert parameters == {
        "HubAccountId": ACCOUNT,
        "HubApplyRoleName": "<ApplyFunctionRole>",
        "HubDriftRoleName": "<DriftFunctionRole>",
        "ExternalId": EXTERNAL_ID,
        "RoleName": "poolpatch-target",
    }
    assert required <= set(parameters) <= set(target_template["Parameters"])


@pytest.mark.parametrize("allowed", ["", f"{OTHER_ACCOUNT},333333333333"], ids=["own-account", "others"])
def test_function_roles_reach_cognito_only_through_their_target_role(
    template: Template, allowed: str
) -> None:
    # Given the stack deployed for this account only, and for two more accounts
    stack = hub(template, AllowedAccountIds=allowed)
    accounts = [ACCOUNT, *filter(None, allowed.split(","))]
    assumes = {"ApplyFunctionRole": "poolpatch-target", "DriftFunctionRole": "poolpatch-target-read"}
    for function in FUNCTIONS:
        role = f"{function}Role"
        # When the role's grants are read
        statements = stack.statements(role)
        sts = [s for s in statements if any(str(a).startswith("sts:") for a in as_list(s["Action"]))]
        cognito = [
            a for s in statements for a in as_list(s["Action"]) if str(a).startswith(("cognito-idp:", "*"))
        ]
        # Then no function may call Cognito itself: every call goes through an assumed role
        assert cognito == [], role
        if role not in assumes:
            assert sts == [], role
            continue
        # and apply/drift may assume (with a source identity) only their role, in allowed accounts only
        (grant,) = sts
        name, other = assumes[role], ({*assumes.values()} - {assumes[role]}).pop()
        assert sorted(grant["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
        assert grant["Resource"] == f"arn:aws:iam::*:role/{name}"
        assert grant["Condition"] == {"StringEquals": {"aws:ResourceAccount": accounts}}
        for account in accounts:
            arn = f"arn:aws:iam::{account}:role/{name}"
            assert decide(statements, "sts:AssumeRole", arn, {"aws:ResourceAccount": account}) == "Allow"
        stranger = f"arn:aws:iam::999999999999:role/{name}"
        assert decide(statements, "sts:AssumeRole", stranger, {"aws:ResourceAccount": "999999999999"}) == (
            "Implicit"
        )
        own_other = f"arn:aws:iam::{ACCOUNT}:role/{other}"
        assert decide(statements, "sts:AssumeRole", own_other, {"aws:ResourceAccount": ACCOUNT}) == "Implicit"
    # and drift is told to assume the read-only role
    assert stack.environment("ApplyFunction")["TARGET_ROLE_NAME"] == "poolpatch-target"
    assert stack.environment("DriftFunction")["TARGET_ROLE_NAME"] == "poolpatch-target-read"


def test_role_names_leave_room_for_the_read_suffix_and_the_external_id_is_required(
    template: Template, target_template: Template
) -> None:
    # Given the role-name parameters of both templates and the hub's external id
    names = (template["Parameters"]["TargetRoleName"], target_template["Parameters"]["RoleName"])
    external_id = template["Parameters"]["TargetRoleExternalId"]
    for spec in names:
        # When their patterns are tried at the limit
        pattern = re.compile(spec["AllowedPattern"])
        # Then 59 characters pass and 60 do not, so "<name>-read" fits IAM's 64
        assert pattern.fullmatch("r" * 59)
        assert not pattern.fullmatch("r" * 60)
    # and the external id has no default: every target role, this account's too, requires one
    assert "Default" not in external_id
    assert external_id["MinLength"] == 2
    assert external_id["NoEcho"] is True
    with pytest.raises(KeyError, match="TargetRoleExternalId"):
        Render(template)


def test_snapshots_are_write_once(template: Template) -> None:
    # Given the snapshot bucket policy and the function roles
    stack = hub(template)
    policy = props(stack.resources()["SnapshotBucketPolicy"])["PolicyDocument"]["Statement"]
    key = (
        f"<SnapshotBucket.Arn>/snapshots/{ACCOUNT}/eu-west-1/eu-west-1_A/pool/20250101T000000Z-r/before.json"
    )
    if_none_match = {"s3:if-none-match": "*"}
    # When snapshots are written with and without If-None-Match
    # Then a write that could overwrite is denied to everyone, poolpatch and administrators alike
    assert decide(policy, "s3:PutObject", key, request(APPLY_ROLE)) == "Deny"
    assert decide(policy, "s3:PutObject", key, request(ADMIN)) == "Deny"
    assert decide(policy, "s3:PutObject", key, request(APPLY_ROLE, **if_none_match)) == "Implicit"
    # while other prefixes (desired/ documents) stay writable as before
    assert decide(policy, "s3:PutObject", "<SnapshotBucket.Arn>/desired/a.json", request(ADMIN)) == "Implicit"
    # and apply reads and creates snapshots, lists only their prefix, and deletes nothing
    apply = stack.statements("ApplyFunctionRole")
    assert decide(apply, "s3:PutObject", key, if_none_match) == "Allow"
    assert decide(apply, "s3:GetObject", key, {}) == "Allow"
    assert decide(apply, "s3:ListBucket", "<SnapshotBucket.Arn>", {"s3:prefix": "snapshots/1/"}) == "Allow"
    assert decide(apply, "s3:ListBucket", "<SnapshotBucket.Arn>", {"s3:prefix": "desired/"}) == "Implicit"
    for function in FUNCTIONS:
        s3_actions = [
            str(a)
            for s in stack.statements(f"{function}Role")
            for a in as_list(s["Action"])
            if str(a).startswith(("s3:", "*"))
        ]
        assert [a for a in s3_actions if "Delete" in a or "*" in a] == [], function


@pytest.mark.parametrize("kms_key", ["", KMS_KEY], ids=["aws-managed", "customer-key"])
def test_kms_key_parameter_reaches_every_store_and_role(template: Template, kms_key: str) -> None:
    # Given the stack deployed without and with a customer-managed key
    stack = hub(template, KmsKeyArn=kms_key)
    # When the encryption settings of every store and the roles' KMS grants are resolved
    (bucket_rule,) = stack.props("SnapshotBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (log_rule,) = stack.props("SnapshotAccessLogBucket")["BucketEncryption"][
        "ServerSideEncryptionConfiguration"
    ]
    table = stack.props("IdempotencyTable")["SSESpecification"]
    log_keys = {stack.props(group).get("KmsKeyId") for group in LOG_GROUPS}
    function_key = stack.value(template["Globals"]["Function"]).get("KmsKeyArn")
    via_sqs = {"kms:ViaService": "sqs.eu-west-1.amazonaws.com"}
    grants = {
        function: decide(stack.statements(f"{function}Role"), "kms:GenerateDataKey", KMS_KEY, via_sqs)
        for function in FUNCTIONS
    }
    # Then with a key everything uses it and every function role may use it (through AWS services) ...
    if kms_key:
        assert bucket_rule == {
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key},
            "BucketKeyEnabled": True,
        }
        assert table == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key}
        assert log_keys == {kms_key}
        assert function_key == kms_key
        assert set(grants.values()) == {"Allow"}
        apply = stack.statements("ApplyFunctionRole")
        assert (
            decide(apply, "kms:Decrypt", kms_key, {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}) == "Allow"
        )
        assert decide(apply, "kms:Decrypt", kms_key, {}) == "Implicit"
    # ... and without one, SSE-S3, DynamoDB's AWS managed key, and no KMS grant at all
    else:
        assert bucket_rule == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        assert table == {"SSEEnabled": True}
        assert log_keys == {None}
        assert function_key is None
        assert set(grants.values()) == {"Implicit"}
    # The access-log bucket is SSE-S3 either way (all S3 log delivery supports)
    assert log_rule == {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    assert "events.amazonaws.com" in template["Parameters"]["KmsKeyArn"]["Description"]


def test_snapshot_access_logs_are_private_and_tls_only(template: Template) -> None:
    # Given the access-log bucket and its policy
    stack = hub(template)
    bucket = stack.props("SnapshotAccessLogBucket")
    policy = props(stack.resources()["SnapshotAccessLogBucketPolicy"])["PolicyDocument"]["Statement"]
    log = "<SnapshotAccessLogBucket.Arn>/snapshot-bucket/2025-01-01-00-00-00-ABC"
    delivery = {
        "aws:PrincipalServiceName": "logging.s3.amazonaws.com",
        "aws:SourceArn": "<SnapshotBucket.Arn>",
        "aws:SourceAccount": ACCOUNT,
    }
    # When S3 log delivery and plain-HTTP callers write to it
    # Then only delivery for the snapshot bucket is allowed, and plain HTTP is denied
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert decide(policy, "s3:PutObject", log, delivery) == "Allow"
    assert decide(policy, "s3:PutObject", log, {**delivery, "aws:SourceArn": "<Other.Arn>"}) == "Implicit"
    assert decide(policy, "s3:GetObject", log, request(ADMIN, **{"aws:SecureTransport": "false"})) == "Deny"
    assert (
        stack.props("SnapshotBucket")["LoggingConfiguration"]["DestinationBucketName"]
        == "<SnapshotAccessLogBucket>"
    )


EXPECTED_CHECKOV_SKIPS = {
    TEMPLATE: {
        ("IntakeFunction", "CKV_AWS_115"),
        ("IntakeFunction", "CKV_AWS_116"),
        ("IntakeFunction", "CKV_AWS_117"),
        ("ApplyFunction", "CKV_AWS_115"),
        ("ApplyFunction", "CKV_AWS_116"),
        ("ApplyFunction", "CKV_AWS_117"),
        ("DriftFunction", "CKV_AWS_115"),
        ("DriftFunction", "CKV_AWS_116"),
        ("DriftFunction", "CKV_AWS_117"),
        ("SnapshotAccessLogBucket", "CKV_AWS_18"),
    },
    TARGET_TEMPLATE: set(),
    FORWARDER_TEMPLATE: {("ForwardDLQ", "CKV_AWS_27")},
}


@pytest.mark.parametrize("path", [TEMPLATE, TARGET_TEMPLATE, FORWARDER_TEMPLATE], ids=lambda p: p.name)
def test_every_checkov_skip_is_known_and_justified(path: Path) -> None:
    # Given a template's checkov skips (`make lint` fails on any failed check)
    skips = [
        (name, skip)
        for name, res in load(path)["Resources"].items()
        for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    # When they are listed
    found = {(name, skip["id"]) for name, skip in skips}
    # Then they are exactly the reviewed ones, each with its reason next to the resource
    assert found == EXPECTED_CHECKOV_SKIPS[path]
    for name, skip in skips:
        assert len(str(skip.get("comment", "")).split()) >= 15, f"{name} {skip['id']}: say why it is skipped"
    assert path.relative_to(ROOT).as_posix() in (ROOT / "Makefile").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Tests: the target-account roles
# ---------------------------------------------------------------------------
HUB_APPLY: Final = f"arn:aws:iam::{ACCOUNT}:role/hub-apply"
HUB_DRIFT: Final = f"arn:aws:iam::{ACCOUNT}:role/hub-drift"
ORGANIZATION: Final = "o-abcdefghij"


@pytest.mark.parametrize(
    ("role", "trusted", "untrusted"),
    [("TargetRole", HUB_APPLY, HUB_DRIFT), ("ReadRole", HUB_DRIFT, HUB_APPLY)],
    ids=["writer-trusts-apply", "reader-trusts-drift"],
)
@pytest.mark.parametrize("organization", ["", ORGANIZATION], ids=["no-org", "org"])
def test_each_target_role_trusts_one_hub_role_with_external_id_and_source_identity(
    target_template: Template, role: str, trusted: str, untrusted: str, organization: str
) -> None:
    # Given a target role's trust policy, without and with an organization id
    trust = target(target_template, OrganizationId=organization).props(role)["AssumeRolePolicyDocument"]
    statements = trust["Statement"]
    good = {
        "aws:PrincipalArn": trusted,
        "sts:ExternalId": EXTERNAL_ID,
        "sts:SourceIdentity": "poolpatch",
        "aws:PrincipalOrgID": organization or "o-unrelated000",
    }

    def assume(action: str = "sts:AssumeRole", drop: str = "", **changes: str) -> str:
        context = {k: v for k, v in {**good, **changes}.items() if k != drop}
        return decide(statements, action, "*", context)

    # When the hub roles assume it with and without the external id and source identity
    # Then only the trusted hub role, with both, may assume it and set the source identity
    assert assume() == assume("sts:SetSourceIdentity") == "Allow"
    assert assume(**{"aws:PrincipalArn": untrusted}) == "Implicit"
    assert assume("sts:SetSourceIdentity", **{"aws:PrincipalArn": untrusted}) == "Implicit"
    assert assume(drop="sts:ExternalId") == assume(**{"sts:ExternalId": "guessed"}) == "Implicit"
    assert assume(drop="sts:SourceIdentity") == assume(**{"sts:SourceIdentity": "someone"}) == "Implicit"
    assert assume("sts:SetSourceIdentity", **{"sts:SourceIdentity": "someone"}) == "Implicit"
    if organization:
        assert assume(**{"aws:PrincipalOrgID": "o-elsewhere000"}) == "Implicit"
    # and the principals are that exact role ARN, never an account root or "*"
    assert {tuple(as_list(s["Principal"]["AWS"])) for s in statements} == {(trusted,)}
    assert sorted(s["Action"] for s in statements) == ["sts:AssumeRole", "sts:SetSourceIdentity"]


def test_the_read_role_exists_only_for_a_drift_role(target_template: Template) -> None:
    # Given the target template with and without the hub's drift role
    with_drift, without_drift = target(target_template), target(target_template, HubDriftRoleName="")
    # When the roles it creates are listed
    # Then the read role, named "<RoleName>-read", exists only when a drift role is given
    assert with_drift.props("ReadRole")["RoleName"] == "poolpatch-target-read"
    assert with_drift.props("TargetRole")["RoleName"] == "poolpatch-target"
    assert set(with_drift.outputs()) == {"TargetRoleArn", "ReadRoleArn"}
    assert "ReadRole" not in without_drift.resources()
    assert set(without_drift.outputs()) == {"TargetRoleArn"}


def test_the_read_role_only_reads_and_denies_every_write(target_template: Template) -> None:
    # Given the read role's permissions
    statements = target(target_template).statements("ReadRole")
    pool = f"arn:aws:cognito-idp:eu-west-1:{ACCOUNT}:userpool/eu-west-1_AbCdEf123"
    # When its grants are read and Cognito calls are evaluated
    allowed = {str(a) for s in statements if s["Effect"] == "Allow" for a in as_list(s["Action"])}
    # Then it may call exactly the read actions drift needs ...
    assert allowed == READ_ACTIONS
    for action in READ_ACTIONS:
        assert decide(statements, action, pool, {}) == "Allow", action
    # (on "*" only the reads that have no resource type)
    unscoped = {
        str(a)
        for s in statements
        if s["Effect"] == "Allow" and s["Resource"] == "*"
        for a in as_list(s["Action"])
    }
    assert unscoped == UNSCOPED_READS
    # ... and every write is explicitly denied, even if a policy granting it were attached later
    for action in COGNITO_WRITES:
        assert decide(statements, action, pool, {}) == "Deny", action
    assert not target(target_template).props("ReadRole").get("ManagedPolicyArns")


def test_target_role_may_only_read_and_update_user_pool_configuration(target_template: Template) -> None:
    # Given the target role's permission policies
    role = props(target_template["Resources"]["TargetRole"])
    # When every statement is read
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    cognito = [s for s in statements if any(str(a).startswith("cognito-idp:") for a in as_list(s["Action"]))]
    # Then its Cognito grants are the read and write of every kind and a bundle restore's listings and
    # creates, and nothing else ...
    assert {str(a) for s in cognito for a in as_list(s["Action"])} == COGNITO_ACTIONS | BUNDLE_RESTORE_ACTIONS
    assert all(s["Effect"] == "Allow" for s in statements)
    # ... on this account's user pools, but DescribeUserPoolDomain, which has no resource type
    unscoped = {str(a) for s in cognito if s["Resource"] == "*" for a in as_list(s["Action"])}
    assert unscoped == {"cognito-idp:DescribeUserPoolDomain"}
    for statement in cognito:
        if statement["Resource"] != "*":
            assert resource_text(statement["Resource"]) == (
                "arn:${AWS::Partition}:cognito-idp:*:${AWS::AccountId}:userpool/*"
            ), statement["Sid"]
    # and the only other grants are the log-delivery ones a logDelivery write needs
    others = {str(a).split(":", 1)[0] for s in statements if s not in cognito for a in as_list(s["Action"])}
    assert others == {"logs", "s3", "firehose", "iam"}
    assert cognito_write_violations(target_template) == []
    assert not role.get("ManagedPolicyArns")
    assert target_template["Parameters"]["ExternalId"]["NoEcho"] is True


# ---------------------------------------------------------------------------
# The checkers and the renderer catch what they guard against
# ---------------------------------------------------------------------------
def test_checkers_flag_broken_templates(template: Template, target_template: Template) -> None:
    # Given copies of both templates, each with one invariant broken
    broken = copy.deepcopy(template)
    res = broken["Resources"]
    del props(res["IntakeFunction"])["LoggingConfig"]
    del props(res["ChangeQueue"])["RedrivePolicy"]
    del props(res["DriftFunction"])["Events"]["DriftSchedule"]["Properties"]["RetryPolicy"]
    apply_statements = props(res["ApplyFunctionRole"])["Policies"][0]["PolicyDocument"]["Statement"]
    for statement in apply_statements:
        if statement.get("Sid") == "PublishResults":
            del statement["Condition"]
    broken_target = copy.deepcopy(target_template)
    target_role = props(broken_target["Resources"]["TargetRole"])
    target_role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"] = "*"
    # When the checkers run on them
    # Then each broken invariant is reported
    assert log_group_violations(broken) == [
        "IntakeFunction: LoggingConfig.LogGroup does not name a log group of this template"
    ]
    assert "ChangeQueue: neither redrives nor is a dead-letter queue" in queue_violations(broken)
    assert async_path_violations(broken) == ["DriftFunction.DriftSchedule: no RetryPolicy"]
    assert len(cognito_write_violations(broken_target)) == 1
    assert put_events_violations(broken) == [
        "ApplyFunctionRole: PutEvents without Condition StringEquals events:source = poolpatch"
    ]


def test_renderer_and_evaluator_see_a_removed_protection(template: Template) -> None:
    # Given a copy of the stack whose change queue policy lost its producer restriction
    broken = copy.deepcopy(template)
    statements = props(broken["Resources"]["ChangeQueuePolicy"])["PolicyDocument"]["Statement"]
    statements[:] = [s for s in statements if s["Sid"] != "OnlyKnownProducersSend"]
    # When an administrator sends to the queue over TLS, and over plain HTTP
    policy = hub(broken).queue_policy("ChangeQueue")
    tls = decide(policy, "sqs:SendMessage", "<ChangeQueue.Arn>", request(ADMIN))
    plain = decide(
        policy, "sqs:SendMessage", "<ChangeQueue.Arn>", request(ADMIN, **{"aws:SecureTransport": "false"})
    )
    # Then the evaluation shows the hole (and still the TLS deny): the tests above test real protections
    assert tls == "Implicit"
    assert plain == "Deny"


def test_cfn_lint_api_reports_a_broken_template() -> None:
    # Given a template with an invalid property value
    broken = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 99999\n"
    # When it is linted through the same API
    matches = lint(broken)
    # Then the finding is reported, so an empty result above means a clean template
    assert matches
