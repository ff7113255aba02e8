from __future__ import annotations

import pytest

from tools.semantic_routing.grading import extract_choice, grade, is_gradable


@pytest.mark.parametrize(
    ("answer", "gold", "expected"),
    [
        ("B", "B", True),
        (" b \n", "B", True),
        ("(C)", "C", True),
        ("**D.**", "D", True),
        ("Answer: A", "A", True),
        ("The answer is (B).", "B", True),
        ("I think the correct choice is C because", "C", True),
        ("B) wet palms", "B", True),
        ("C. Converging plates", "C", True),
        ("D\nBecause iron is magnetic.", "D", True),
        ("A", "B", False),
        ("A dog would notice", "A", False),  # an article, not a choice
        ("The answer is a mystery", "A", False),
        ("", "A", False),
        ("I cannot answer that.", "C", False),
        ("2", "2", True),
        ("Option 1", "1", True),
        ("1", "2", False),
        ("B", "b", True),  # gold is normalised
    ],
)
def test_grade(answer: str, gold: str, expected: bool) -> None:
    assert grade(answer, gold) is expected


@pytest.mark.parametrize("gold", ["", "  ", "E", "yes", "12"])
def test_rows_without_a_choice_gold_are_not_gradable(gold: str) -> None:
    assert grade("A", gold) is None
    assert not is_gradable(gold)


@pytest.mark.parametrize("gold", ["A", "d", " B ", "1", "2"])
def test_choice_golds_are_gradable(gold: str) -> None:
    assert is_gradable(gold)


def test_extract_choice_respects_the_label_set() -> None:
    assert extract_choice("2", "12") == "2"
    assert extract_choice("2", "ABCD") is None
    assert extract_choice("Answer: E") is None
