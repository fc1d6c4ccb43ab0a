"""RFC 7396 merge patch and the plan diff."""

from __future__ import annotations

from typing import Any

import pytest

from poolpatch.merge import merge_patch, named_pointers, related, removed_pointers
from poolpatch.plan import MISSING, Change, diff, unexpected

# RFC 7396 appendix A, verbatim.
RFC_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_EXAMPLES)
def test_rfc7396_appendix_a(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


def test_merge_does_not_mutate_inputs() -> None:
    # Given nested documents
    target = {"LambdaConfig": {"PreSignUp": "arn:a"}, "Tags": {"a": "1"}}
    patch = {"LambdaConfig": {"PostConfirmation": "arn:b"}}
    # When merged and the result is modified
    result = merge_patch(target, patch)
    result["LambdaConfig"]["PreSignUp"] = "changed"
    # Then neither input changed
    assert target["LambdaConfig"] == {"PreSignUp": "arn:a"}
    assert patch == {"LambdaConfig": {"PostConfirmation": "arn:b"}}


def test_pointers_of_removed_and_named_members() -> None:
    patch = {"a": None, "b": {"c": None, "d/e": 1}, "f": [1], "g": {}}
    assert removed_pointers(patch) == ["/a", "/b/c"]
    assert named_pointers(patch) == ["/a", "/b/c", "/b/d~1e", "/f", "/g"]


def test_related_is_prefix_on_token_boundaries() -> None:
    assert related("/LambdaConfig", "/LambdaConfig/PreSignUp")
    assert related("/LambdaConfig/PreSignUp", "/LambdaConfig")
    assert not related("/LambdaConfig", "/LambdaConfigX")


def test_diff_reports_added_removed_and_changed_paths() -> None:
    # Given a before and after document
    before = {"Mfa": "OFF", "Lambda": {"A": "1", "B": "2"}, "List": [1, 2]}
    after = {"Mfa": "OPTIONAL", "Lambda": {"A": "1", "C": "3"}, "List": [1, 2], "New": True}
    # When diffed
    changes = diff(before, after)
    # Then each path appears once, added members without before and removed ones without after
    assert changes == [
        Change("/Mfa", "OFF", "OPTIONAL"),
        Change("/Lambda/B", "2", MISSING),
        Change("/Lambda/C", MISSING, "3"),
        Change("/New", MISSING, True),
    ]
    assert changes[1].to_dict() == {"path": "/Lambda/B", "before": "2"}
    assert changes[2].to_dict() == {"path": "/Lambda/C", "after": "3"}


def test_diff_compares_lists_whole_and_json_types_strictly() -> None:
    assert diff({"L": [1, 2]}, {"L": [2, 1]}) == [Change("/L", [1, 2], [2, 1])]
    assert diff({"B": True}, {"B": 1}) == [Change("/B", True, 1)]
    assert diff({"N": 1}, {"N": 1.0}) == []


def test_diff_of_equal_documents_is_empty() -> None:
    document = {"a": {"b": [{"c": 1}]}, "d": "e"}
    assert diff(document, merge_patch(document, {})) == []


def test_unexpected_ignores_differences_under_removed_members() -> None:
    differences = [Change("/DeviceConfiguration/X", MISSING, False), Change("/MfaConfiguration", "ON", "OFF")]
    assert unexpected(differences, ["/DeviceConfiguration"]) == [differences[1]]


def test_diff_treats_an_empty_list_or_object_as_no_member() -> None:
    # Given reads that show "none" as an absent member or as an empty one (a cleared IdpIdentifiers reads
    # back absent; a branding style reset to Cognito's values reads back "Settings": {}, "Assets": [])
    before = {"IdpIdentifiers": [], "Settings": {}, "Name": "a"}
    after = {"Assets": [], "Name": "a"}

    # When they are compared, and when a member really becomes empty
    same = diff(before, after)
    emptied = diff({"IdpIdentifiers": ["corp"]}, {"IdpIdentifiers": []})

    # Then empty and absent are the same configuration; non-empty to empty is a change
    assert same == []
    assert [change.path for change in emptied] == ["/IdpIdentifiers"]
