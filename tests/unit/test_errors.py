"""poolpatch errors: the text an exception shows is its message and remedy as they are when it is shown."""

from __future__ import annotations

import pytest

from poolpatch.errors import InvalidRequest, InvalidValue, raise_first


def test_the_text_of_an_error_follows_its_message_and_remedy() -> None:
    # Given an error whose message and remedy are amended after it was made (a scrubbed secret, a note)
    error = InvalidValue("secret-value is refused", remedy="Fix it.")
    error.message = "<redacted> is refused"
    error.remedy = "Give another value."

    # Then its text, as logs and tracebacks print it, is the amended one only
    assert str(error) == "<redacted> is refused Remedy: Give another value."
    assert "secret-value" not in str(error)
    assert str(error) == error.describe()


def test_raise_first_names_the_other_problems_in_the_text() -> None:
    problems = [
        InvalidRequest("first is wrong", path="/a"),
        InvalidRequest("second is wrong", path="/b"),
        InvalidRequest("third is wrong", path="/c"),
    ]
    with pytest.raises(InvalidRequest) as raised:
        raise_first(problems)
    assert str(raised.value) == "first is wrong (2 more problem(s) at /b, /c)"
    assert raised.value.path == "/a"
