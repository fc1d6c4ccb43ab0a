"""``poolpatch clone``: a new pool made from a bundle, the way to change a create-only setting (design.md).

Two halves:

- :func:`plan_clone` (pure) turns a bundle, a merge patch over it, the new pool's name, an optional domain
  prefix and the secrets a bundle cannot hold into :class:`Step` s, each one create or set operation with
  its input, in dependency order, and the list of what cannot be carried, with the reason. Every create
  input is the part's update document plus the part's ids (the create inputs are the update inputs plus
  the create-only members: botocore model).
- :func:`run_clone` executes the steps through a :class:`CreatePort`, recording progress after each one in
  the snapshot store at ``clones/{requestId}.json``. A rerun with the same request id continues: steps done
  are skipped; a step that may have run without its progress being recorded is looked for first (the new
  pool by its ``poolpatch:clone-request`` tag, a client by its name, a named resource by its read), so
  nothing is created twice.

Order: pool (schema, create-only settings, tags), custom attributes beyond ``CreateUserPool``'s 50 schema
entries, MFA, resource servers, identity providers, app clients (their provider and scope names kept, those
not carried dropped), groups, the domain, then the settings: risk, classic UI, branding (pool level and per
client, by the old -> new client id map), log delivery. The domain comes before the per-client settings,
not after as issue 9 lists it, because ``SetUICustomization`` needs a domain (API_SetUICustomization.html).
A domain prefix another pool holds, or one the service refuses, is not carried (with the settings that
need it) and the clone goes on: it never stops half-made for want of a domain.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from poolpatch.adapters.snapshots import DocumentStore
from poolpatch.attributes import bare_name
from poolpatch.bundle.document import OWN_TAG_PREFIX, Part, check_bundle, parts
from poolpatch.bundle.schema_attributes import split_for_create
from poolpatch.errors import InvalidRequest, InvalidValue, NotFound, PoolpatchError
from poolpatch.kinds import REDACTED, Kind, is_kind, spec
from poolpatch.merge import merge_patch
from poolpatch.pointer import child, split

#: The tag naming the source pool of a clone (design.md) and the tag naming the clone's request id, by
#: which a rerun finds a pool whose creation was not recorded.
CLONE_OF_TAG = "poolpatch:clone-of"
CLONE_REQUEST_TAG = "poolpatch:clone-request"
_PROGRESS = "clones/{request_id}.json"
#: Placeholders in a step's input, filled when the step runs.
NEW_POOL = "${userPoolId}"
_CLIENT = "${clientId:"
_USERS = (
    "Users, their passwords, MFA and passkey registrations, devices, group membership and linked identities "
    "are user data: no API returns a password (cognito-surface.md §12.2). See the README's user migration "
    "pattern (a Migrate user Lambda trigger)."
)


_IDENTITY = (
    "A new pool has its own id, ARN, token issuer (https://cognito-idp.<region>.amazonaws.com/<new "
    "pool id>) and signing keys, and new app client ids (clientIds): repoint applications, API "
    "authorizers and identity pools (cognito-surface.md §12.2)."
)
_STANDARD_SCOPES = frozenset({"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"})


class CreatePort(Protocol):
    """What a clone needs from Cognito: any operation by name (:meth:`Boto3Cognito.invoke`)."""

    def invoke(self, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call ``operation`` with ``params``; poolpatch errors on failure."""
        ...


@dataclass
class Secrets:
    """``--secrets``: what a bundle never holds. App client secrets by old client id; identity provider
    secrets (``client_secret``, ``private_key``) by provider name."""

    clients: dict[str, str] = field(default_factory=dict)
    identity_providers: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: Any) -> Secrets:
        """The ``--secrets`` document: ``{"clients": {id: secret}, "identityProviders": {name: {key:
        value}}}``; values are never quoted in errors."""
        if value is None:
            return cls()
        if not isinstance(value, dict) or set(value) - {"clients", "identityProviders"}:
            raise InvalidRequest(
                "--secrets must be an object with `clients` and/or `identityProviders`.",
                path="",
                remedy='Use {"clients": {"<old clientId>": "<secret>"}, "identityProviders": '
                '{"<ProviderName>": {"client_secret": "..."}}}.',
            )
        clients = value.get("clients") or {}
        providers = value.get("identityProviders") or {}
        if not isinstance(clients, dict) or not all(isinstance(v, str) and v for v in clients.values()):
            raise InvalidRequest(
                "--secrets `clients` maps old client ids to secret strings.", path="/clients"
            )
        if not isinstance(providers, dict) or not all(
            isinstance(v, dict) and all(isinstance(s, str) and s for s in v.values())
            for v in providers.values()
        ):
            raise InvalidRequest(
                "--secrets `identityProviders` maps provider names to objects of secret strings.",
                path="/identityProviders",
            )
        return cls(dict(clients), {name: dict(items) for name, items in providers.items()})


@dataclass(frozen=True)
class Step:
    """One create or set call of a clone."""

    key: str
    """Unique within the clone (``client/<old id>``): progress records steps by it."""
    kind: Kind | str
    id: str
    """The part's id in the bundle (name, old client id, ``pool``...)."""
    operation: str
    params: dict[str, Any]
    """The input, with :data:`NEW_POOL` and ``${clientId:<old id>}`` placeholders."""
    secret_paths: tuple[str, ...] = ()
    """Pointers into :attr:`params` holding secrets (redacted in plans and reports)."""

    def shown(self) -> dict[str, Any]:
        """The step as ``--plan`` prints it: secrets ``"<redacted>"``, those ``--secrets`` gave and any
        secret a hand-edited bundle holds (the kind's secret paths, an app client's ``ClientSecret``)."""
        kind_secrets = spec(self.kind).secrets if is_kind(self.kind) else ()
        params = copy.deepcopy(self.params)
        for pointer in (*self.secret_paths, *kind_secrets, "/ClientSecret"):
            tokens = split(pointer)
            node: Any = params
            for token in tokens[:-1]:
                node = node.get(token) if isinstance(node, dict) else None
            if isinstance(node, dict) and tokens[-1] in node:
                node[tokens[-1]] = REDACTED
        return {"kind": self.kind, "id": self.id, "operation": self.operation, "input": params}


@dataclass
class ClonePlan:
    """What a clone will do: its steps and what it cannot carry."""

    steps: list[Step]
    not_carried: list[dict[str, str]]
    source_pool_id: str
    pool_name: str

    def digest(self) -> str:
        """What the steps would send, as one SHA-256 (secrets excluded, their presence included): a rerun
        of a clone under the same request id must plan exactly the same steps."""
        shown = [[step.key, step.shown(), sorted(step.secret_paths)] for step in self.steps]
        return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


def plan_clone(
    bundle: Mapping[str, Any],
    *,
    pool_name: str,
    request_id: str,
    patch: Mapping[str, Any] | None = None,
    domain_prefix: str | None = None,
    secrets: Secrets | None = None,
) -> ClonePlan:
    """The steps that make a new pool from ``bundle`` with ``patch`` merged over it (pure).

    The patched bundle is checked as a bundle is (every part against its kind's model), so a bad patch is
    refused with the pointer before anything is created.
    """
    patched = merge_patch(copy.deepcopy(dict(bundle)), dict(patch)) if patch else copy.deepcopy(dict(bundle))
    try:
        check_bundle(patched, where="patched bundle")
    except PoolpatchError as error:
        if patch:
            error.remedy = (
                f"Fix the --patch member at that pointer (a merge patch over the bundle). {error.remedy}"
            )
        raise
    if domain_prefix is not None:
        _check_domain_prefix(domain_prefix)
    planner = Planner(patched, secrets or Secrets(), domain_prefix)
    source = str((patched.get("source") or {}).get("userPoolId") or "")
    steps = planner.pool_steps(pool_name, source, request_id)
    for part in parts(patched):
        step = planner.step(part)
        if step is not None:
            steps.append(step)
    if domain_prefix and not planner.domain_planned:  # the bundle has no domain: a new one, defaults
        steps.insert(planner.domain_index(steps), planner.domain_step({}))
    return ClonePlan(steps, planner.not_carried, source, pool_name)


def _check_domain_prefix(prefix: str) -> None:
    """``--domain-prefix`` against the model's ``DomainType`` (the service refuses any other), before a clone
    creates anything."""
    from poolpatch import model

    shape = model.service_model().shape_for("DomainType")
    problems = model.check_shape(shape, prefix, "/domainPrefix", partial=False)
    if problems:
        raise InvalidValue(
            f"--domain-prefix {prefix!r} is not a domain prefix: 1-63 lower-case letters, digits and "
            "hyphens, starting and ending with a letter or digit.",
            path="/domainPrefix",
            remedy="Pass a prefix such as acme-members-2 (a custom domain stays on its pool).",
        )


class Planner:
    """The create steps of one clone (or of the parts ``apply --bundle`` recreates), and what it cannot
    carry."""

    def __init__(
        self, bundle: Mapping[str, Any], secrets: Secrets, domain_prefix: str | None, *, new_pool: bool = True
    ) -> None:
        self.bundle = bundle
        #: A new pool has no domain unless ``--domain-prefix`` gives one (``apply --bundle``: it may).
        self.new_pool = new_pool
        self.secrets = secrets
        self.domain_prefix = domain_prefix
        self.not_carried: list[dict[str, str]] = [{"part": "users", "reason": _USERS}]
        if new_pool:
            self.not_carried.append({"part": "pool/identity", "reason": _IDENTITY})
        self.skipped_providers: set[str] = set()
        self.domain_planned = False

    def skip(self, part: str, reason: str) -> None:
        self.not_carried.append({"part": part, "reason": reason})

    def pool_steps(self, pool_name: str, source: str, request_id: str) -> list[Step]:
        """CreateUserPool with the create-only settings, the first 50 schema entries and the tags; then
        AddCustomAttributes for the rest, 25 at a time (cognito-surface.md §12.2)."""
        create_only = dict(self.bundle.get("createOnly") or {})
        schema, batches = split_for_create(list(create_only.pop("Schema", None) or []))
        document = {
            name: value
            for name, value in dict(self.bundle["pool"]).items()
            if name not in ("PoolName", "MfaConfiguration")  # MFA is the mfa step's (SetUserPoolMfaConfig)
        }
        tags = {}
        for key, value in dict(document.pop("UserPoolTags", None) or {}).items():
            if key.startswith("aws:"):
                self.skip(
                    f"pool/UserPoolTags/{key}",
                    "`aws:` tags are reserved for AWS (a stack's tags come with its stack).",
                )
            elif not key.startswith(OWN_TAG_PREFIX):
                tags[key] = value
        tags[CLONE_OF_TAG] = source
        tags[CLONE_REQUEST_TAG] = request_id
        given = {name: value for name, value in create_only.items() if value not in ([], {}, None)}
        params: dict[str, Any] = {"PoolName": pool_name, **document, **given}
        if schema:
            params["Schema"] = schema
        params["UserPoolTags"] = tags
        functions: dict[str, str] = {}  # ARN -> its first trigger: one notice per function
        for trigger, value in sorted(dict(document.get("LambdaConfig") or {}).items()):
            arn = value.get("LambdaArn") if isinstance(value, Mapping) else value
            if trigger != "KMSKeyID" and isinstance(arn, str) and ":lambda:" in arn:
                functions.setdefault(arn, trigger)
        for arn, trigger in functions.items():
            self.skip(
                f"pool/LambdaConfig/{trigger}",
                f"The resource policy of {arn} names the source pool's ARN: allow the new pool too (aws "
                "lambda add-permission --principal cognito-idp.amazonaws.com --source-arn <new pool ARN>).",
            )
        if isinstance((document.get("LambdaConfig") or {}).get("KMSKeyID"), str):
            self.skip(
                "pool/LambdaConfig/KMSKeyID",
                "Carried; the key's policy must let the new pool use it for the custom sender triggers.",
            )
        steps = [Step("pool", "pool", "pool", "CreateUserPool", params)]
        for number, batch in enumerate(batches, start=1):
            steps.append(
                Step(
                    f"customAttributes/{number}",
                    "pool",
                    "customAttributes",
                    "AddCustomAttributes",
                    {"UserPoolId": NEW_POOL, "CustomAttributes": batch},
                )
            )
        return steps

    def step(self, part: Part) -> Step | None:
        """The step of one part, or ``None`` (with the reason recorded) when it cannot be carried."""
        where = part.pointer.lstrip("/").removesuffix("/document")
        if part.kind == "pool":
            return None
        if part.kind == "identityProvider":
            return self.provider(part, where)
        if part.kind == "client":
            return self.client(part, where)
        if part.kind == "domain":
            return self.domain(part, where)
        ids: dict[str, Any] = {"UserPoolId": NEW_POOL}
        if (
            part.kind in ("uiCustomization", "managedLoginBranding")
            and self.new_pool
            and not self.domain_prefix
        ):
            self.skip(where, f"A {spec(part.kind).label} needs a domain: pass --domain-prefix to carry it.")
            return None
        if part.client_id is not None:
            if part.client_id not in (self.bundle.get("clients") or {}):
                self.skip(where, "Its app client is not in the bundle.")
                return None
            ids["ClientId"] = f"{_CLIENT}{part.client_id}}}"
        if part.kind == "uiCustomization":
            self.skip(
                f"{where}/ImageFile",
                "The logo image cannot be read back (GetUICustomization returns "
                "its URL only): set ImageFile again if the source had one.",
            )
        document = part.document
        webauthn = dict(document.get("WebAuthnConfiguration") or {})
        if part.kind == "mfa" and self.new_pool and webauthn.pop("RelyingPartyId", None) is not None:
            document = {**document, "WebAuthnConfiguration": webauthn}
            self.skip(
                f"{where}/WebAuthnConfiguration/RelyingPartyId",
                "The passkey relying party is the source pool's domain; the new pool takes its own domain's "
                "(passkeys stay with the users of the source pool).",
            )
        entry = spec(part.kind)
        if entry.name_member is not None:
            ids[entry.name_member] = part.id
        operation = entry.create or entry.write
        return Step(f"{part.kind}/{part.id}", part.kind, part.id, operation, {**ids, **document})

    def provider(self, part: Part, where: str) -> Step | None:
        """CreateIdentityProvider, with the secrets from ``--secrets``; without them, not carried."""
        details = dict(part.document.get("ProviderDetails") or {})
        supplied = self.secrets.identity_providers.get(part.id, {})
        missing = {key for key, value in details.items() if value == REDACTED and key not in supplied}
        if part.meta.get("ProviderType") == "SignInWithApple" and "private_key" not in supplied:
            missing.add("private_key")  # never returned at all (cognito-surface.md §3)
        if missing:
            self.skip(
                where,
                f"Its {', '.join(sorted(missing))} is not in --secrets (a bundle never holds it); "
                "app clients lose this provider.",
            )
            self.skipped_providers.add(part.id)
            return None
        details.update(supplied)
        if part.meta.get("ProviderType") == "SAML":
            self.skip(
                f"{where}/trust",
                "Carried, but the new pool is a new SAML service provider (entity ID "
                "urn:amazon:cognito:sp:<new pool id>, ACS URL on its domain): update the identity "
                "provider's trust.",
            )
        params = {
            "UserPoolId": NEW_POOL,
            "ProviderName": part.id,
            "ProviderType": part.meta.get("ProviderType"),
            **part.document,
            "ProviderDetails": details,
        }
        paths = tuple(child("/ProviderDetails", key) for key in supplied)
        return Step(
            f"identityProvider/{part.id}",
            "identityProvider",
            part.id,
            "CreateIdentityProvider",
            params,
            paths,
        )

    def client(self, part: Part, where: str) -> Step:
        """CreateUserPoolClient: providers not carried dropped; the secret from ``--secrets`` or new."""
        params: dict[str, Any] = {
            "UserPoolId": NEW_POOL,
            **part.document,
            "ClientName": part.meta.get("ClientName") or part.document.get("ClientName"),
        }
        providers = list(params.get("SupportedIdentityProviders") or ())
        dropped = sorted(self.skipped_providers & set(providers))
        if dropped:
            params["SupportedIdentityProviders"] = [name for name in providers if name not in dropped]
            self.skip(f"{where}/SupportedIdentityProviders", f"Dropped {', '.join(dropped)}: not carried.")
        servers = set(self.bundle.get("resourceServers") or ())
        scopes = list(params.get("AllowedOAuthScopes") or ())
        unknown = [
            scope
            for scope in scopes
            if scope not in _STANDARD_SCOPES and scope.rsplit("/", 1)[0] not in servers
        ]
        if unknown:  # a resource server another service manages is not copied (read.py): nor its scopes
            params["AllowedOAuthScopes"] = [scope for scope in scopes if scope not in unknown]
            self.skip(
                f"{where}/AllowedOAuthScopes",
                f"Dropped {', '.join(unknown)}: their resource server is not in the bundle.",
            )
        paths: tuple[str, ...] = ()
        if part.meta.get("GenerateSecret"):
            if part.id in self.secrets.clients:
                params["ClientSecret"] = self.secrets.clients[part.id]
                paths = ("/ClientSecret",)
            else:
                params["GenerateSecret"] = True
                self.skip(
                    f"{where}/ClientSecret",
                    "A new secret is generated: the old one is not in --secrets (give it there to keep it).",
                )
        return Step(f"client/{part.id}", "client", part.id, "CreateUserPoolClient", params, paths)

    def domain(self, part: Part, where: str) -> Step | None:
        """The new pool's prefix domain (``--domain-prefix``), once, with the source domain's settings that
        apply to a prefix domain; a domain is never moved off its pool."""
        if not self.domain_prefix:
            self.skip(
                where,
                "A domain is never moved off its pool (names are unique per Region): pass "
                "--domain-prefix to give the new pool its own prefix domain.",
            )
            return None
        if self.domain_planned:
            self.skip(where, "The new pool gets one domain, from --domain-prefix.")
            return None
        if "." in part.id:
            self.skip(
                where,
                "A custom domain stays on its pool; the new pool gets the prefix domain "
                "--domain-prefix with its managed login version.",
            )
        return self.domain_step(part.document)

    def domain_step(self, document: Mapping[str, Any]) -> Step:
        assert self.domain_prefix is not None
        self.domain_planned = True
        settings = {key: value for key, value in document.items() if key == "ManagedLoginVersion"}
        return Step(
            f"domain/{self.domain_prefix}",
            "domain",
            self.domain_prefix,
            "CreateUserPoolDomain",
            {"UserPoolId": NEW_POOL, "Domain": self.domain_prefix, **settings},
        )

    @staticmethod
    def domain_index(steps: list[Step]) -> int:
        """Where a domain step goes: before the first setting that needs it, else at the end."""
        for index, step in enumerate(steps):
            if step.kind in ("riskConfiguration", "uiCustomization", "managedLoginBranding", "logDelivery"):
                return index
        return len(steps)


# --- execution ---------------------------------------------------------------------------------------


@dataclass
class CloneReport:
    """The clone's result (design.md ``--output json``) and its progress record."""

    status: str
    request_id: str
    user_pool_id: str | None = None
    client_ids: dict[str, str] = field(default_factory=dict)
    created: list[dict[str, str]] = field(default_factory=list)
    not_carried: list[dict[str, str]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    error: PoolpatchError | None = None
    steps: list[dict[str, Any]] | None = None
    progress: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"status", "requestId", "userPoolId", "clientIds", "created", "notCarried"}``, and ``steps``
        (``--plan``), ``progress`` and ``error`` when there are."""
        out: dict[str, Any] = {
            "status": self.status,
            "requestId": self.request_id,
            "userPoolId": self.user_pool_id,
            "clientIds": dict(self.client_ids),
            "created": list(self.created),
            "notCarried": list(self.not_carried),
        }
        if self.steps is not None:
            out["steps"] = self.steps
        if self.progress:
            out["progress"] = self.progress
        if self.error is not None:
            out["error"] = self.error.to_dict()
        return out


def progress_key(request_id: str) -> str:
    """Where a clone's progress is kept in the snapshot store."""
    return _PROGRESS.format(request_id=request_id)


def run_clone(
    plan: ClonePlan,
    port: CreatePort,
    store: DocumentStore,
    *,
    request_id: str,
    on_step: Callable[[Step], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CloneReport:
    """Run the plan's steps not done yet, recording progress after each; a failure stops the run with
    ``status: failed``, the error and what exists (rerun with the same request id to continue).

    A rerun must be the same clone (source, pool name and the planned steps' digest) and its recorded pool
    must carry this request's ``poolpatch:clone-request`` tag, so an edited progress record cannot make it
    write into another pool. A step failing with a retryable error (throttling, a lost response) is tried
    again up to :data:`STEP_ATTEMPTS` times, each time looking first for what the failed call may have made.
    """
    key = progress_key(request_id)
    recorded = _recorded(store.read_document(key) or {}, key)
    digest = plan.digest()
    if recorded and (
        recorded.get("sourceUserPoolId") != plan.source_pool_id
        or recorded.get("poolName") != plan.pool_name
        or recorded.get("planDigest") != digest
    ):
        raise InvalidRequest(
            f"Request id {request_id} belongs to another clone (source, pool name, patch or bundle differ).",
            path="/requestId",
            remedy="Rerun with the same source, --pool-name, --patch, --domain-prefix and --secrets, or use "
            "a new --request-id.",
        )
    report = CloneReport(
        "created",
        request_id,
        recorded.get("userPoolId"),
        dict(recorded.get("clientIds") or {}),
        list(recorded.get("created") or []),
        # What a run found it could not carry (a domain in use) stays reported on every rerun.
        [*plan.not_carried, *(i for i in recorded.get("notCarried") or () if i not in plan.not_carried)],
        list(recorded.get("done") or []),
    )
    if report.user_pool_id is not None:
        _check_own_pool(port, report.user_pool_id, request_id)
    resuming = bool(recorded)

    def save() -> None:
        report.progress = store.write_document(
            key,
            {
                "requestId": request_id,
                "sourceUserPoolId": plan.source_pool_id,
                "poolName": plan.pool_name,
                "planDigest": digest,
                "status": report.status,
                "userPoolId": report.user_pool_id,
                "clientIds": report.client_ids,
                "created": report.created,
                "done": report.done,
                "notCarried": report.not_carried,
            },
        )

    save()
    try:
        for step in plan.steps:
            if step.key in report.done:
                continue
            if on_step is not None:
                on_step(step)
            # Only the first step a rerun runs can have happened unrecorded (the earlier run stopped there).
            if step.kind == "domain":
                _run_domain_step(step, port, report, plan, resuming=resuming, sleep=sleep)
            else:
                _run_with_retries(step, port, report, plan, resuming=resuming, sleep=sleep)
            resuming = False
            report.done.append(step.key)
            save()
    except PoolpatchError as error:
        report.status = "failed"
        report.error = error
        save()
        return report
    save()
    return report


#: Attempts per step in one run (the first included) on retryable errors.
STEP_ATTEMPTS = 3
#: The settings a clone sets only on a pool with a domain.
_NEEDS_DOMAIN = ("uiCustomization", "managedLoginBranding")


def _run_domain_step(
    step: Step,
    port: CreatePort,
    report: CloneReport,
    plan: ClonePlan,
    *,
    resuming: bool,
    sleep: Callable[[float], None],
) -> None:
    """Create the ``--domain-prefix`` domain, or, when the prefix belongs to another pool (domain names are
    unique per Region) or the service refuses it, report it and the settings that need it as not carried
    and go on: a clone never stops half-made for want of a domain (design.md: "domains in use"). Those
    settings are then recorded as done (the caller records the domain step), so a rerun does not try them
    again.
    """
    assert report.user_pool_id is not None
    owner = (port.invoke("DescribeUserPoolDomain", {"Domain": step.id}).get("DomainDescription") or {}).get(
        "UserPoolId"
    )
    if owner and owner != report.user_pool_id:
        reason = (
            f"The prefix {step.id} is the domain of pool {owner} (domain names are unique per Region): "
            "create one for the new pool with `aws cognito-idp create-user-pool-domain`, or clone with "
            "another --domain-prefix."
        )
    else:
        try:
            _run_with_retries(step, port, report, plan, resuming=resuming, sleep=sleep)
            return
        except InvalidValue as error:
            reason = f"{error.message} Create the domain with another prefix, or clone with another one."
    report.not_carried.append({"part": f"domains/{step.id}", "reason": reason})
    for later in plan.steps:
        if later.kind in _NEEDS_DOMAIN and later.key not in report.done:
            where = Part(later.kind, later.id, {}, {}).pointer.lstrip("/")  # type: ignore[arg-type]
            reason = f"A {spec(later.kind).label} needs a domain; the new pool has none."
            report.not_carried.append({"part": where, "reason": reason})
            report.done.append(later.key)


def _run_with_retries(
    step: Step,
    port: CreatePort,
    report: CloneReport,
    plan: ClonePlan,
    *,
    resuming: bool,
    sleep: Callable[[float], None],
) -> None:
    for attempt in range(STEP_ATTEMPTS):
        try:
            _run_step(step, port, report, plan, resuming or attempt > 0)
            return
        except PoolpatchError as error:
            if not error.retryable or attempt == STEP_ATTEMPTS - 1:
                raise
            sleep(0.5 * 2**attempt)


def _recorded(document: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A progress record, its members checked: an edited or corrupted record fails cleanly."""
    valid = (
        isinstance(document.get("userPoolId"), (str, type(None)))
        and isinstance(document.get("clientIds", {}), dict)
        and all(
            isinstance(k, str) and isinstance(v, str) for k, v in (document.get("clientIds") or {}).items()
        )
        and isinstance(document.get("created", []), list)
        and all(isinstance(item, dict) for item in document.get("created") or [])
        and isinstance(document.get("done", []), list)
        and all(isinstance(item, str) for item in document.get("done") or [])
    )
    if not valid:
        raise InvalidRequest(
            f"The clone's progress record {key} is not one poolpatch wrote.",
            path="/requestId",
            remedy="Use a new --request-id (and delete the pool that clone made, if any).",
        )
    return dict(document)


def _check_own_pool(port: CreatePort, pool_id: str, request_id: str) -> None:
    """The recorded pool must be this clone's: its ``poolpatch:clone-request`` tag names the request."""
    try:
        described = port.invoke("DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    except NotFound:
        raise NotFound(
            f"The pool {pool_id} this clone created no longer exists.",
            path="/requestId",
            remedy="Use a new --request-id to clone again.",
        ) from None
    if (described.get("UserPoolTags") or {}).get(CLONE_REQUEST_TAG) != request_id:
        raise InvalidRequest(
            f"The progress record names pool {pool_id}, not this clone's (no {CLONE_REQUEST_TAG} tag with "
            "this request id).",
            path="/requestId",
            remedy="Use a new --request-id; never edit a progress record.",
        )


def _run_step(step: Step, port: CreatePort, report: CloneReport, plan: ClonePlan, resuming: bool) -> None:
    if step.kind == "pool" and step.operation == "CreateUserPool":
        found = (
            _find_pool(port, plan.pool_name, step.params["UserPoolTags"][CLONE_REQUEST_TAG])
            if resuming
            else None
        )
        if found is None:
            found = str(port.invoke("CreateUserPool", step.params)["UserPool"]["Id"])
        _created(report, "pool", found)
        report.user_pool_id = found
        return
    assert report.user_pool_id is not None
    params = resolve_placeholders(step.params, report.user_pool_id, report.client_ids)
    if step.kind == "client":
        existing = (
            _find_client(port, report.user_pool_id, params["ClientName"], report.client_ids)
            if resuming
            else None
        )
        if existing is None:
            existing = str(port.invoke("CreateUserPoolClient", params)["UserPoolClient"]["ClientId"])
        _created(report, "client", existing)
        report.client_ids[step.id] = existing
        return
    if step.operation == "AddCustomAttributes" and resuming:
        params = {**params, "CustomAttributes": _missing_attributes(port, report.user_pool_id, params)}
        if not params["CustomAttributes"]:
            return  # the earlier run added them
    if not (
        step.operation.startswith("Create") and resuming and _exists(port, step, params, report.user_pool_id)
    ):
        port.invoke(step.operation, params)
    if step.operation.startswith("Create"):
        created_id = (
            report.client_ids.get(step.id, step.id) if step.kind == "managedLoginBranding" else step.id
        )
        _created(report, str(step.kind), created_id)


def _created(report: CloneReport, kind: str, created_id: str) -> None:
    """Report what the clone made, once: a rerun reports too what the run it continues made unrecorded."""
    entry = {"kind": kind, "id": created_id}
    if entry not in report.created:
        report.created.append(entry)


def resolve_placeholders(value: Any, pool_id: str, clients: Mapping[str, str]) -> Any:
    """A step's input with the new pool id and the new client ids filled in."""
    if isinstance(value, str):
        if value == NEW_POOL:
            return pool_id
        if value.startswith(_CLIENT) and value.endswith("}"):
            old = value[len(_CLIENT) : -1]
            if old not in clients:
                raise NotFound(
                    f"The app client {old} was not created.",
                    path="/clients",
                    remedy="Rerun the clone with the same --request-id.",
                )
            return clients[old]
        return value
    if isinstance(value, Mapping):
        return {key: resolve_placeholders(item, pool_id, clients) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(item, pool_id, clients) for item in value]
    return value


def _find_pool(port: CreatePort, name: str, request_id: str) -> str | None:
    """The pool an earlier run of this clone created without recording it: same name, our request tag;
    more than one is refused, never guessed."""
    found: list[str] = []
    token: str | None = None
    while True:
        page = port.invoke("ListUserPools", {"MaxResults": 60, **({"NextToken": token} if token else {})})
        for pool in page.get("UserPools") or []:
            if pool.get("Name") != name:
                continue
            described = port.invoke("DescribeUserPool", {"UserPoolId": pool["Id"]})["UserPool"]
            if (described.get("UserPoolTags") or {}).get(CLONE_REQUEST_TAG) == request_id:
                found.append(str(pool["Id"]))
        token = page.get("NextToken")
        if not token:
            break
    if len(found) > 1:
        raise InvalidRequest(
            f"Pools {', '.join(found)} all carry this clone's {CLONE_REQUEST_TAG} tag.",
            path="/requestId",
            remedy="Delete the extra pools (keep one), then rerun.",
        )
    return found[0] if found else None


def _find_client(port: CreatePort, pool_id: str, name: str, mapped: Mapping[str, str]) -> str | None:
    """A client of the new pool with this name that no old client maps to yet (created, not recorded)."""
    taken = set(mapped.values())
    token: str | None = None
    while True:
        page = port.invoke(
            "ListUserPoolClients",
            {"UserPoolId": pool_id, "MaxResults": 60, **({"NextToken": token} if token else {})},
        )
        for client in page.get("UserPoolClients") or []:
            if client.get("ClientName") == name and client.get("ClientId") not in taken:
                return str(client["ClientId"])
        token = page.get("NextToken")
        if not token:
            return None


def _missing_attributes(port: CreatePort, pool_id: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The custom attributes of an ``AddCustomAttributes`` step the new pool does not have yet."""
    described = port.invoke("DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    have = {bare_name(str(item.get("Name")))[0] for item in described.get("SchemaAttributes") or ()}
    return [dict(item) for item in params["CustomAttributes"] if item.get("Name") not in have]


def _exists(port: CreatePort, step: Step, params: Mapping[str, Any], pool_id: str) -> bool:
    """Whether a named resource or branding style a step creates exists already (an unrecorded create)."""
    kind = str(step.kind)
    if kind == "managedLoginBranding":
        read, read_params = (
            "DescribeManagedLoginBrandingByClient",
            {"UserPoolId": pool_id, "ClientId": params["ClientId"]},
        )
    elif kind == "domain":
        found = (
            port.invoke("DescribeUserPoolDomain", {"Domain": params["Domain"]}).get("DomainDescription") or {}
        )
        return found.get("UserPoolId") == pool_id
    else:
        entry = spec(kind)
        assert entry.name_member is not None
        read, read_params = entry.read, {"UserPoolId": pool_id, entry.name_member: params[entry.name_member]}
    try:
        port.invoke(read, read_params)
    except NotFound:
        return False
    return True
