"""Resolution of one target's desired patch (design.md, "Drift", "Resolution"): precedence, conflicts,
agreeing deciders, what may be corrected, and order independence (a hypothesis property)."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from poolpatch.drift.documents import BY_IDS, BY_SCOPE, BY_TAGS, Document, DocumentMode, Selector
from poolpatch.drift.resolve import Conflict, Resolution, get_pointer, leaves, resolve, set_pointer

POOL_ID = "eu-west-1_AbCdEf123"
SELECTORS = {
    BY_IDS: Selector(user_pool_ids=(POOL_ID,)),
    BY_TAGS: Selector(pool_tags={"environment": "prod"}),
    BY_SCOPE: Selector(),
}
MIN_LENGTH = "/Policies/PasswordPolicy/MinimumLength"


def _doc(
    name: str,
    precedence: int,
    patch: dict[str, Any],
    *,
    mode: DocumentMode = "report",
    correct_owned: bool = False,
) -> Document:
    return Document(
        name=name,
        key=f"desired/{name}.json",
        version="2",
        selector=SELECTORS[precedence],
        kind="pool",
        patch=patch,
        mode=mode,
        correct_owned=correct_owned,
    )


def _deciders(resolution: Resolution) -> dict[str, list[str]]:
    return {pointer: sorted(d.name for d in docs) for pointer, docs in resolution.deciders.items()}


def _password(**members: Any) -> dict[str, Any]:
    return {"Policies": {"PasswordPolicy": members}}


# --------------------------------------------------------------------------------------------------
# Leaves and pointers
# --------------------------------------------------------------------------------------------------


def test_leaves_are_scalars_lists_nulls_and_empty_objects_with_escaped_pointers() -> None:
    document = _doc(
        "a",
        BY_SCOPE,
        {
            "Policies": {"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": None}},
            "UserPoolTags": {"a/b": "1", "c~d": "2"},
            "AutoVerifiedAttributes": ["email"],
            "LambdaConfig": {},
        },
    )
    assert sorted((leaf.pointer, repr(leaf.value)) for leaf in leaves(document)) == [
        ("/AutoVerifiedAttributes", "['email']"),
        ("/LambdaConfig", "{}"),
        (MIN_LENGTH, "14"),
        ("/Policies/PasswordPolicy/RequireSymbols", "None"),
        ("/UserPoolTags/a~1b", "'1'"),
        ("/UserPoolTags/c~0d", "'2'"),
    ]
    assert all(leaf.document is document for leaf in leaves(document))


def test_set_and_get_pointer_unescape_tokens() -> None:
    patch: dict[str, Any] = {"UserPoolTags": "not an object"}
    set_pointer(patch, "/UserPoolTags/a~1b", "1")
    set_pointer(patch, "/UserPoolTags/c~0d", "2")
    assert patch == {"UserPoolTags": {"a/b": "1", "c~d": "2"}}
    assert get_pointer(patch, "/UserPoolTags/a~1b") == "1"


# --------------------------------------------------------------------------------------------------
# Precedence
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high"),
    [(BY_SCOPE, BY_TAGS), (BY_TAGS, BY_IDS), (BY_SCOPE, BY_IDS)],
    ids=["scope<tags", "tags<ids", "scope<ids"],
)
@pytest.mark.parametrize("order", ["low-first", "high-first"])
def test_higher_precedence_wins_on_the_same_pointer(low: int, high: int, order: str) -> None:
    # Given two documents setting the same pointer to different values
    lower, higher = (
        _doc("lower", low, _password(MinimumLength=8)),
        _doc("higher", high, _password(MinimumLength=14)),
    )
    documents = [lower, higher] if order == "low-first" else [higher, lower]
    # When resolved
    resolution = resolve(documents)
    # Then the more specific document decides, without a conflict
    assert resolution.patch == _password(MinimumLength=14)
    assert _deciders(resolution) == {MIN_LENGTH: ["higher"]}
    assert resolution.conflicts == []


def test_three_tiers_on_one_pointer_ids_win() -> None:
    resolution = resolve(
        [
            _doc("scope", BY_SCOPE, _password(MinimumLength=8)),
            _doc("ids", BY_IDS, _password(MinimumLength=16)),
            _doc("tags", BY_TAGS, _password(MinimumLength=12)),
        ]
    )
    assert resolution.patch == _password(MinimumLength=16)
    assert _deciders(resolution) == {MIN_LENGTH: ["ids"]}


def test_higher_leaf_overrides_lower_removal_of_its_object() -> None:
    # Given a scope document removing the whole password policy (null) and an ids document setting a leaf
    remove = _doc("remove", BY_SCOPE, {"Policies": {"PasswordPolicy": None}, "DeletionProtection": "ACTIVE"})
    leaf = _doc("leaf", BY_IDS, _password(MinimumLength=14))
    # When resolved
    resolution = resolve([remove, leaf])
    # Then the leaf wins; the removal is dropped, the lower document's unrelated member survives
    assert resolution.patch == {**_password(MinimumLength=14), "DeletionProtection": "ACTIVE"}
    assert _deciders(resolution) == {MIN_LENGTH: ["leaf"], "/DeletionProtection": ["remove"]}
    assert resolution.conflicts == []


def test_higher_removal_overrides_lower_leaves_inside_the_object() -> None:
    # Given tags documents setting leaves inside an object an ids document removes with null
    leaves_doc = _doc("leaves", BY_TAGS, _password(MinimumLength=14, RequireSymbols=True))
    remove = _doc("remove", BY_IDS, {"Policies": {"PasswordPolicy": None}})
    # When resolved (either order)
    for documents in ([leaves_doc, remove], [remove, leaves_doc]):
        resolution = resolve(documents)
        # Then the removal decides the whole object
        assert resolution.patch == {"Policies": {"PasswordPolicy": None}}
        assert _deciders(resolution) == {"/Policies/PasswordPolicy": ["remove"]}
        assert resolution.conflicts == []


def test_lower_document_keeps_leaves_no_higher_document_names() -> None:
    resolution = resolve(
        [
            _doc("base", BY_SCOPE, _password(MinimumLength=8, RequireNumbers=True)),
            _doc("prod", BY_TAGS, _password(MinimumLength=12)),
        ]
    )
    assert resolution.patch == _password(MinimumLength=12, RequireNumbers=True)
    assert _deciders(resolution) == {
        MIN_LENGTH: ["prod"],
        "/Policies/PasswordPolicy/RequireNumbers": ["base"],
    }


# --------------------------------------------------------------------------------------------------
# Conflicts
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("precedence", [BY_SCOPE, BY_TAGS, BY_IDS])
def test_equal_precedence_different_values_conflict_and_rest_proceeds(precedence: int) -> None:
    # Given two documents of one tier disagreeing on one pointer, each with an unrelated leaf
    a = _doc("a", precedence, {**_password(MinimumLength=12), "DeletionProtection": "ACTIVE"})
    b = _doc("b", precedence, {**_password(MinimumLength=14), "UserPoolTags": {"team": "id"}})
    # When resolved
    resolution = resolve([a, b])
    # Then the pointer is a conflict naming both, neither value is used, the unrelated leaves survive
    assert resolution.conflicts == [Conflict(MIN_LENGTH, ("a", "b"))]
    assert resolution.conflicts[0].to_dict() == {"path": MIN_LENGTH, "documents": ["a", "b"]}
    assert resolution.patch == {"DeletionProtection": "ACTIVE", "UserPoolTags": {"team": "id"}}
    assert _deciders(resolution) == {"/DeletionProtection": ["a"], "/UserPoolTags/team": ["b"]}


def test_equal_precedence_ancestor_and_descendant_conflict_at_the_outer_pointer() -> None:
    # Given one document removing the password policy, another setting a leaf inside it, same tier
    a = _doc("a", BY_TAGS, {"Policies": {"PasswordPolicy": None}, "DeletionProtection": "ACTIVE"})
    b = _doc("b", BY_TAGS, {**_password(MinimumLength=14), "MfaConfiguration": "OPTIONAL"})
    # When resolved
    resolution = resolve([b, a])
    # Then the conflict is at the outer pointer with both names; both values dropped, the rest kept
    assert resolution.conflicts == [Conflict("/Policies/PasswordPolicy", ("a", "b"))]
    assert resolution.patch == {"DeletionProtection": "ACTIVE", "MfaConfiguration": "OPTIONAL"}


def test_equal_precedence_empty_object_and_leaf_inside_conflict() -> None:
    resolution = resolve(
        [_doc("a", BY_SCOPE, {"UserPoolTags": {}}), _doc("b", BY_SCOPE, {"UserPoolTags": {"team": "x"}})]
    )
    assert resolution.conflicts == [Conflict("/UserPoolTags", ("a", "b"))]
    assert resolution.patch == {}
    assert resolution.deciders == {}


def test_conflict_lists_every_document_involved() -> None:
    resolution = resolve(
        [
            _doc("c", BY_TAGS, _password(MinimumLength=10)),
            _doc("a", BY_TAGS, _password(MinimumLength=12)),
            _doc("b", BY_TAGS, _password(MinimumLength=12)),
        ]
    )
    assert resolution.conflicts == [Conflict(MIN_LENGTH, ("a", "b", "c"))]
    assert resolution.patch == {}


def test_higher_document_settles_a_lower_tier_conflict() -> None:
    resolution = resolve(
        [
            _doc("a", BY_SCOPE, _password(MinimumLength=10)),
            _doc("b", BY_SCOPE, _password(MinimumLength=12)),
            _doc("c", BY_TAGS, _password(MinimumLength=14)),
        ]
    )
    assert resolution.conflicts == []
    assert resolution.patch == _password(MinimumLength=14)
    assert _deciders(resolution) == {MIN_LENGTH: ["c"]}


def test_overridden_leaf_does_not_conflict_with_an_equal_precedence_leaf() -> None:
    # Given a and b (tags) disagreeing on the password policy, and c (ids) setting another leaf of it
    a = _doc("a", BY_TAGS, _password(MinimumLength=14))
    b = _doc("b", BY_TAGS, {"Policies": {"PasswordPolicy": None}})
    c = _doc("c", BY_IDS, _password(RequireSymbols=True))
    # When resolved
    resolution = resolve([a, b, c])
    # Then c overrides b's removal (a related leaf of higher precedence), which leaves a unopposed:
    # the two of the *highest* precedence around a's leaf are a alone (resolve.py's docstring)
    assert resolution.conflicts == []
    assert resolution.patch == _password(MinimumLength=14, RequireSymbols=True)


# --------------------------------------------------------------------------------------------------
# Agreeing documents, correctable, deciders_of
# --------------------------------------------------------------------------------------------------


def test_agreeing_documents_are_both_deciders() -> None:
    resolution = resolve(
        [_doc("b", BY_TAGS, _password(MinimumLength=14)), _doc("a", BY_TAGS, _password(MinimumLength=14))]
    )
    assert resolution.conflicts == []
    assert resolution.patch == _password(MinimumLength=14)
    assert _deciders(resolution) == {MIN_LENGTH: ["a", "b"]}
    assert [d.name for d in resolution.deciders_of(MIN_LENGTH)] == ["a", "b"]


@pytest.mark.parametrize(
    ("modes", "owned_flags", "expected", "expected_owned"),
    [
        pytest.param(("correct", "correct"), (False, False), True, False, id="both-correct"),
        pytest.param(("correct", "report"), (True, True), False, False, id="one-reports"),
        pytest.param(("correct", "correct"), (True, False), True, False, id="one-not-correct-owned"),
        pytest.param(("correct", "correct"), (True, True), True, True, id="both-correct-owned"),
        pytest.param(("report", "report"), (True, True), False, False, id="both-report"),
    ],
)
def test_correctable_needs_every_decider_to_say_correct(
    modes: tuple[DocumentMode, DocumentMode],
    owned_flags: tuple[bool, bool],
    expected: bool,
    expected_owned: bool,
) -> None:
    # Given two agreeing deciders of one leaf with the given modes, and a third deciding another leaf
    # alone in correct mode with correctOwned
    a = _doc("a", BY_TAGS, _password(MinimumLength=14), mode=modes[0], correct_owned=owned_flags[0])
    b = _doc("b", BY_TAGS, _password(MinimumLength=14), mode=modes[1], correct_owned=owned_flags[1])
    c = _doc("c", BY_IDS, {"DeletionProtection": "ACTIVE"}, mode="correct", correct_owned=True)
    resolution = resolve([a, b, c])
    # When asked what may be corrected, unowned and owned
    plain, owned = resolution.correctable(owned=False), resolution.correctable(owned=True)
    # Then the shared leaf only when every decider allows it
    assert plain == {**(_password(MinimumLength=14) if expected else {}), "DeletionProtection": "ACTIVE"}
    assert owned == {
        **(_password(MinimumLength=14) if expected_owned else {}),
        "DeletionProtection": "ACTIVE",
    }


def test_correctable_keeps_null_and_empty_object_leaves() -> None:
    resolution = resolve(
        [_doc("a", BY_IDS, {"LambdaConfig": {}, "Policies": {"PasswordPolicy": None}}, mode="correct")]
    )
    assert resolution.correctable(owned=False) == {"LambdaConfig": {}, "Policies": {"PasswordPolicy": None}}
    assert resolution.correctable(owned=True) == {}


def test_deciders_of_changed_paths_above_below_and_beside_a_leaf() -> None:
    # Given leaves decided by different documents
    resolution = resolve(
        [
            _doc("length", BY_TAGS, _password(MinimumLength=14)),
            _doc("symbols", BY_IDS, _password(RequireSymbols=True)),
            _doc("tags", BY_SCOPE, {"UserPoolTags": {"team": "id"}}),
        ]
    )
    # Then a changed path above the leaves names every decider below it (sorted by name),
    # a path below a leaf names that leaf's decider, an unrelated path names none
    assert [d.name for d in resolution.deciders_of("/Policies")] == ["length", "symbols"]
    assert [d.name for d in resolution.deciders_of("/Policies/PasswordPolicy")] == ["length", "symbols"]
    assert [d.name for d in resolution.deciders_of(MIN_LENGTH)] == ["length"]
    assert [d.name for d in resolution.deciders_of("/UserPoolTags/team/deeper")] == ["tags"]
    assert [d.name for d in resolution.deciders_of("/UserPoolTags")] == ["tags"]
    assert resolution.deciders_of("/Policies/PasswordPolicy/MinimumLengthX") == ()
    assert resolution.deciders_of("/DeletionProtection") == ()


def test_no_documents_resolve_to_nothing() -> None:
    resolution = resolve([])
    assert (resolution.patch, resolution.deciders, resolution.conflicts) == ({}, {}, [])


# --------------------------------------------------------------------------------------------------
# Property: precedence, conflicts and order independence over random document sets
# --------------------------------------------------------------------------------------------------

#: A fixed vocabulary of pointers with ancestors and descendants (no real schema needed: resolve is generic).
VOCABULARY = ("/A", "/A/x", "/A/y", "/A/x/p", "/A/x/q", "/B", "/B/z")
VALUES = st.sampled_from([None, 0, 1, "v", True, [], ["e"], {}]).map(copy.deepcopy)


def _disjoint(pointers: list[str]) -> list[str]:
    """Keep pointers in order, dropping any related to one already kept (a patch's leaves are disjoint)."""
    kept: list[str] = []
    for pointer in pointers:
        if not any(_related(pointer, other) for other in kept):
            kept.append(pointer)
    return kept


def _related(a: str, b: str) -> bool:
    # The test's own definition (RFC 6901 prefix on token boundaries), not the code under test's.
    return a == b or a.startswith(f"{b}/") or b.startswith(f"{a}/")


@st.composite
def _documents(draw: st.DrawFn) -> list[Document]:
    count = draw(st.integers(min_value=1, max_value=4))
    documents: list[Document] = []
    for index in range(count):
        pointers = _disjoint(draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4)))
        patch: dict[str, Any] = {}
        for pointer in pointers:
            set_pointer(patch, pointer, draw(VALUES))
        precedence = draw(st.sampled_from([BY_SCOPE, BY_TAGS, BY_IDS]))
        documents.append(_doc(f"d{index}", precedence, patch))
    return documents


def _leaf_values(document: Document) -> dict[str, Any]:
    """pointer -> value for every leaf of the document, computed by the test from its own patch."""
    out: dict[str, Any] = {}

    def walk(value: dict[str, Any], base: str) -> None:
        for key, item in value.items():
            pointer = f"{base}/{key}"
            if isinstance(item, dict) and item:
                walk(item, pointer)
            else:
                out[pointer] = item

    walk(document.patch, "")
    return out


def _kept_leaves(resolution: Resolution) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def walk(value: dict[str, Any], base: str) -> None:
        for key, item in value.items():
            pointer = f"{base}/{key}"
            if isinstance(item, dict) and item:
                walk(item, pointer)
            else:
                out[pointer] = item

    walk(resolution.patch, "")
    return out


def _summary(resolution: Resolution) -> tuple[Any, ...]:
    return (
        resolution.patch,
        {pointer: sorted(d.name for d in docs) for pointer, docs in resolution.deciders.items()},
        [(c.path, c.documents) for c in resolution.conflicts],
    )


_OVERRIDDEN_RIVAL = [
    _doc("d0", BY_TAGS, {"A": {"x": 1}}),
    _doc("d1", BY_TAGS, {"A": None}),
    _doc("d2", BY_IDS, {"A": {"y": 2}}),
]


@settings(max_examples=200, deadline=None)
@given(documents=_documents(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_property_precedence_and_order_independence(documents: list[Document], seed: int) -> None:
    resolution = resolve(documents)
    kept = _kept_leaves(resolution)
    wanted = {d.name: _leaf_values(d) for d in documents}
    # Every kept leaf is exactly some decider's value, and its deciders are the documents setting it
    assert set(kept) == set(resolution.deciders)
    for pointer, value in kept.items():
        deciders = resolution.deciders[pointer]
        assert deciders
        for decider in deciders:
            assert wanted[decider.name].get(pointer, "<absent>") == value

        # (a) from a document of the highest precedence among documents naming a related pointer that no
        # more specific document overrides (a leaf already overridden competes with nothing)
        def standing(document: Document, leaf: str) -> bool:
            return not any(
                other.precedence > document.precedence and any(_related(leaf, q) for q in wanted[other.name])
                for other in documents
            )

        naming = [
            d for d in documents if any(_related(pointer, p) and standing(d, p) for p in wanted[d.name])
        ]
        top = max(d.precedence for d in naming)
        assert all(d.precedence == top for d in deciders)
        # ... and every document of that tier naming a related pointer says the same thing there
        for other in naming:
            if other.precedence == top:
                assert wanted[other.name] == {**wanted[other.name], pointer: value}
                assert other in deciders
    # (c) the merge order does not change the resolution
    shuffled = list(documents)
    random.Random(seed).shuffle(shuffled)
    assert _summary(resolve(shuffled)) == _summary(resolution)
    assert _summary(resolve(list(reversed(documents)))) == _summary(resolution)


@settings(max_examples=200, deadline=None)
@example(documents=_OVERRIDDEN_RIVAL)
@given(documents=_documents())
def test_property_no_conflict_is_related_to_a_kept_leaf(documents: list[Document]) -> None:
    resolution = resolve(documents)
    kept = _kept_leaves(resolution)
    # (b) a conflicted pointer is never written, nor anything inside or around it
    for conflict in resolution.conflicts:
        assert not any(_related(conflict.path, pointer) for pointer in kept), (conflict, kept)
        assert len(conflict.documents) >= 2
