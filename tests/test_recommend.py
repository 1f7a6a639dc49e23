"""The recommendation is a pure function of the answers: check it as a table."""

import itertools

import pytest

from generator.recommend import (
    DJANGO,
    FLASK,
    QUESTIONS,
    QUESTIONS_BY_KEY,
    comparison_table,
    recommend,
)

CASES = [
    # building, experience, style, deadline -> framework, a word each reason must contain
    (("site", "new", "batteries", "days"), DJANGO, ["site", "new", "batteries"]),
    (("api", "experienced", "choose", "no-rush"), FLASK, ["API", "pick each part", "structure"]),
    (("data", "some", "choose", "weeks"), FLASK, ["data", "pick each part"]),
    (("api", "new", "batteries", "weeks"), DJANGO, ["new", "batteries"]),
    (("api", "new", "choose", "weeks"), FLASK, ["API", "pick each part"]),
    (("site", "experienced", "choose", "no-rush"), FLASK, ["pick each part", "structure"]),
    (("data", "new", "batteries", "days"), DJANGO, ["new", "batteries", "MVP"]),
    (("site", "some", "choose", "weeks"), DJANGO, ["site"]),
]


@pytest.mark.parametrize(("answers", "expected", "words"), CASES)
def test_recommendation(answers, expected, words):
    result = recommend(
        dict(zip(("building", "experience", "style", "deadline"), answers, strict=True))
    )
    assert result.framework == expected
    assert 1 <= len(result.reasons) <= 3
    for word in words:
        assert any(word in reason for reason in result.reasons), (word, result.reasons)


def test_reasons_only_argue_for_the_winner():
    for combo in itertools.product(*(q.options for q in QUESTIONS)):
        answers = {q.key: o.value for q, o in zip(QUESTIONS, combo, strict=True)}
        result = recommend(answers)
        backing = {o.reason for o in combo if o.leans == result.framework}
        assert result.scores[result.framework] >= max(result.scores.values())
        assert set(result.reasons) <= backing or not backing


def test_tie_goes_to_django_with_a_reason():
    answers = {
        "building": "api",
        "experience": "experienced",
        "style": "batteries",
        "deadline": "days",
    }
    result = recommend(answers)
    assert result.scores[FLASK] == result.scores[DJANGO] == 4
    assert result.framework == DJANGO


def test_missing_and_unknown_answers_are_refused():
    with pytest.raises(ValueError, match="unanswered: style, deadline"):
        recommend({"building": "api", "experience": "new"})
    with pytest.raises(ValueError, match="building must be one of site, api, data"):
        QUESTIONS_BY_KEY["building"].option("game")


def test_comparison_table_aligns_columns():
    lines = comparison_table().splitlines()
    assert lines[0].split() == ["Flask", "Django"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    django_column = lines[0].index("Django")
    assert all(line[django_column - 2 : django_column] == "  " for line in lines[2:])
