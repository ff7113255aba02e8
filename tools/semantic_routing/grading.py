"""Grade a model's free-text answer against a RouterBench ``gold`` choice.

Gold is a choice label: ``A``-``D`` (ARC, MMLU-style; winogrande here is A/B) or ``1``/``2``
(winogrande's numeric form). An empty gold (e.g. mbpp, graded by running code) is not
gradable here and returns None, as does a gold in any other form.

The answer's choice is read in this order, and the first hit wins:
1. the whole answer is a choice, give or take brackets, markdown and punctuation: "B", "(B)", "**B.**";
2. an explicit statement: "Answer: B", "the answer is (B)", "option 2", "correct choice: C";
3. the answer opens with the choice followed by ``)``, ``.``, ``:``, ``,`` or a line end:
   "B) wet palms", "C. because ...", "D\nExplanation ..." (but not "A dog ...").
Anything else counts as wrong: a model that does not follow "print only a single choice"
is not given credit by guessing which letter it meant.
"""

from __future__ import annotations

import re

_LETTERS = "ABCD"
_DIGITS = "12"


def _choices(gold: str) -> str | None:
    for labels in (_LETTERS, _DIGITS):
        if len(gold) == 1 and gold in labels:
            return labels
    return None


def extract_choice(answer: str, choices: str = _LETTERS) -> str | None:
    """The choice label an answer commits to, or None."""
    alt = "|".join(re.escape(c) for c in choices)
    text = answer.strip()
    bare = re.sub(r"[\s*_`'\"().:\[\]]", "", text)
    if len(bare) == 1 and bare.upper() in choices:
        return bare.upper()
    stated = re.search(
        rf"(?:answer|option|choice)\s*(?:is|would be|:|-)?\s*(?:option\s*)?[(\[*]*\s*({alt})\b",
        text,
        flags=re.IGNORECASE,
    )
    # Keywords match in any case, the label only in upper case: "the answer is a ..." is
    # an article.
    if stated and stated.group(1) in choices:
        return stated.group(1)
    # A delimiter is required: "A dog ..." opens with an article, not with choice A.
    opening = re.match(rf"^[\s*_`(\[]*({alt})(?:[)\].:,]|\s*$|\s*\n)", text)
    if opening:
        return opening.group(1)
    return None


def is_gradable(gold: str) -> bool:
    """Whether a row's gold is a choice label this module can grade against."""
    return _choices((gold or "").strip().upper()) is not None


#: The grader of each task in the shipped validation set (and the data files), by eval_name:
#: the labels a reply may choose from. A task not listed is graded by its gold's form.
TASK_CHOICES = {
    "arc-challenge": _LETTERS,
    "winogrande": "AB",
    "formationeval": _LETTERS,
}


def grade_task(eval_name: str, answer: str, gold: str) -> bool | None:
    """Grade by the task's own choice set; None when the row has no gradable gold."""
    choices = TASK_CHOICES.get(eval_name)
    gold = (gold or "").strip().upper()
    if choices is None or len(gold) != 1 or gold not in choices:
        return grade(answer, gold)
    return extract_choice(answer or "", choices) == gold


def grade(answer: str, gold: str) -> bool | None:
    """True/False when the row is gradable, None when gold is empty or not a choice label."""
    gold = (gold or "").strip().upper()
    choices = _choices(gold)
    if choices is None:
        return None
    return extract_choice(answer or "", choices) == gold
