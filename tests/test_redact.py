"""The student's exception text in a report: the student's words and the error's shape stay,
the values of the inputs the function held go, whatever the usual way they were printed."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from grader import redact
from grader.calls import describe, raised
from grader.suite import StudentRaised

X = np.array([[1.8225743345723133, -0.0926303862628366, 4.0], [2.0, -300.0, 0.5]])


def _digits_of(values: np.ndarray) -> list[str]:
    """Fragments that would show a value: four significant digits of each, as printed."""
    found = []
    for value in values.ravel():
        text = f"{abs(value):.6g}".replace(".", "")
        found.append(text.lstrip("0")[:4])
    return [f for f in found if len(f) >= 3]


LEAKS = {
    "repr of a list": repr(X.ravel().tolist()),
    "str of an array": str(X),
    "repr of an array": repr(X),
    "hex of the bytes": X.tobytes().hex(),
    "base64 of the bytes": base64.b64encode(X.tobytes()).decode(),
    "scaled to integers": repr((X.ravel() * 1e6).astype(int).tolist()),
    "the bytes as small integers": " ".join(str(b) for b in X.tobytes()[:40]),
    "one value with a word": f"bad value {X[0, 0]}",
    "exponent notation": " ".join(f"{v:e}" for v in X.ravel()),
}


@pytest.mark.parametrize("how", LEAKS)
def test_input_values_do_not_survive(how: str) -> None:
    shown = redact.exception_text(f"ValueError LEAK<{LEAKS[how]}>")
    assert "LEAK<" in shown  # the student's own words stay
    for fragment in _digits_of(X):
        assert fragment not in shown.replace(" ", "").replace(",", ""), (fragment, shown)
    assert len(shown) <= redact.SHOWN + 1


@pytest.mark.parametrize(
    "message",
    [
        "operands could not be broadcast together with shapes (4,3) (3,4) ",
        "index 5 is out of bounds for axis 0 with size 5.",
        "x has shape (2, 3), expected (3,)",
        "p must be between 0 and 1",
        "matmul: Input operand 1 has a mismatch in its core dimension 0",
        "слой не инициализирован: вызовите init() сначала",
    ],
)
def test_the_students_own_words_and_shapes_stay(message: str) -> None:
    assert redact.exception_text(message) == message


def test_control_characters_and_length_are_bounded() -> None:
    shown = redact.exception_text("line one\nline two\x1b[31m red" + " word" * 200)
    assert "\n" not in shown and "\x1b" not in shown
    assert len(shown) == redact.SHOWN + 1


def test_the_place_is_a_file_and_a_line_or_nothing() -> None:
    assert redact.where("activations.py:12") == "activations.py:12"
    assert redact.where("3ff0000000000000.py:3") == ""  # a file name chosen to carry data
    assert redact.where("1.8225743.py:3") == ""
    assert redact.where("a file\nname:3") == ""


def test_a_class_named_by_data_shows_as_its_builtin_base() -> None:
    leaky = type("Leak_3ff0000000000000", (ValueError,), {})
    error = raised("elu", describe(leaky("x")))
    assert isinstance(error, StudentRaised)
    assert "ValueError: x" in error.message.en and "3ff0" not in error.message.en
    assert error.is_a("ValueError")
    named = type("ShapeError", (ValueError,), {})
    assert "ShapeError: x" in raised("elu", describe(named("x"))).message.en


def test_a_raised_exception_in_the_report_keeps_its_type_and_words() -> None:
    error = raised("elu", {"types": ["ValueError"], "message": f"alpha is {X.ravel().tolist()}", "where": "m.py:4"})
    assert isinstance(error, StudentRaised)
    for lang in ("en", "ru"):
        text = error.message(lang)
        assert "ValueError: alpha is" in text and "(m.py:4)" in text
        assert "8225" not in text and "300" not in text
    assert "8225" not in error.text
