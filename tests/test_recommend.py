"""The recommendation is a pure function of the answers: check it as a table.

Every combination of the four answers is checked against invariants (the
recommended starter with its options has what is being built, or says plainly
that none does; the close call matches the margin; the command line parses
back into the same decision), and the cases of issue 13 exactly.
"""

from __future__ import annotations

import itertools
import json
import shlex

import pytest

from generator.answers import parse_data, split_data
from generator.cli import build_parser
from generator.questions import load_questions
from generator.recommendation import (
    CLOSE_MARGIN,
    DJANGO,
    FLASK,
    PARTS,
    QUESTIONS,
    QUESTIONS_BY_KEY,
    TEMPLATES,
    Part,
    comparison_table,
    contents,
    describe_starter,
    explain,
    offered,
    recommend,
    serving,
)
from harness.projects import COPIER_YML

TEMPLATE_QUESTIONS = load_questions(COPIER_YML)
KEYS = tuple(q.key for q in QUESTIONS)
EVERY_ANSWER = [
    dict(zip(KEYS, values, strict=True))
    for values in itertools.product(*([o.value for o in q.options] for q in QUESTIONS))
]


def answer(building: str, experience: str, style: str, deadline: str) -> dict[str, str]:
    return dict(zip(KEYS, (building, experience, style, deadline), strict=True))


def test_every_combination_is_covered():
    assert len(EVERY_ANSWER) == 3 * 3 * 2 * 3


@pytest.mark.parametrize("answers", EVERY_ANSWER, ids=lambda a: "-".join(a.values()))
def test_invariants(answers):
    result = recommend(answers, TEMPLATE_QUESTIONS)
    need = answers["building"]
    fitting = serving(need, TEMPLATE_QUESTIONS)

    # Never contradicts what is being built: the starter, generated with its
    # options and the template's defaults, has a part for it ...
    if result.fits:
        assert result.framework in fitting
        assert fitting[result.framework].summary in result.contents
        assert dict(result.options) == dict(fitting[result.framework].options)
    else:  # ... or it says plainly that no starter has it.
        assert fitting == {}
        assert result.reasons[0].startswith("neither starter has")
    assert result.fits == bool(fitting)

    # Close call means the weights are within the margin, and is stated.
    assert result.margin == result.scores[result.framework] - result.scores[result.other_framework]
    assert result.close_call == (abs(result.margin) <= CLOSE_MARGIN)
    text = explain(result)
    assert ("It is a close call" in text) == result.close_call
    assert f"The best case for {result.other_framework.title()}: " in text

    # Reasons argue for the recommendation; the other side gets its best one.
    chosen = [QUESTIONS_BY_KEY[k].option(v) for k, v in answers.items()]
    for option in chosen:
        if option.reason in result.reasons:
            assert option.leans == result.framework
    assert 1 <= len(result.reasons) <= 4 and result.other
    building = QUESTIONS_BY_KEY["building"].option(answers["building"])
    backing = [
        o
        for o in chosen
        if o.leans == result.other_framework
        and not (o is building and result.other_framework not in fitting)
    ]
    if backing:
        best = max(backing, key=lambda o: o.weight)  # the first of the strongest
        assert result.other.startswith(best.reason)
    else:
        assert result.other.startswith("none of your answers leans")

    # The command generates exactly this: same framework, same --data.
    argv = shlex.split(result.command("my project"))
    assert argv[:3] == ["stackgen", "new", "my project"]
    args = build_parser().parse_args(argv[1:])
    assert args.framework == result.framework and args.defaults
    data = parse_data(split_data(args.data), TEMPLATE_QUESTIONS, TEMPLATES[args.framework])
    assert data == dict(result.options)

    # JSON carries the same decision.
    decoded = json.loads(json.dumps(result.as_json()))
    assert decoded["framework"] == result.framework
    assert decoded["options"] == data
    assert decoded["close_call"] is result.close_call
    assert decoded["reasons"] == list(result.reasons)
    assert decoded["other"]["framework"] == result.other_framework
    assert decoded["command"] == result.command()


# building, experience, style, deadline -> framework, options, close call, words in the reasons
CASES = [
    # Issue 12: with api=true the Django starter has a JSON API too; the rest leans Django.
    (
        ("api", "new", "batteries", "days"),
        DJANGO,
        {"api": True},
        False,
        ["JSON API for the polls", "new to web work", "batteries"],
    ),
    # Issue 13: only the Flask starter has pandas analytics, and it needs analytics=true.
    (
        ("data", "new", "batteries", "days"),
        FLASK,
        {"analytics": True},
        False,
        ["analytics=true", "pandas"],
    ),
    # Issue 13: pages and login are in the Django starter only; a close call, said so.
    (
        ("site", "experienced", "choose", "no-rush"),
        DJANGO,
        {},
        True,
        ["site with pages", "lean Flask (4 to 3)"],
    ),
    (("site", "new", "batteries", "days"), DJANGO, {}, False, ["site", "new", "batteries"]),
    (("api", "experienced", "choose", "no-rush"), FLASK, {}, False, ["API", "pick each part"]),
    (("data", "some", "choose", "weeks"), FLASK, {"analytics": True}, False, ["pick each part"]),
    (("site", "some", "choose", "weeks"), DJANGO, {}, True, ["site"]),
]


@pytest.mark.parametrize(("answers", "framework", "options", "close", "words"), CASES)
def test_exact_recommendations(answers, framework, options, close, words):
    result = recommend(answer(*answers), TEMPLATE_QUESTIONS)
    assert (result.framework, dict(result.options), result.close_call) == (
        framework,
        options,
        close,
    )
    for word in words:
        assert any(word in reason for reason in result.reasons), (word, result.reasons)


def test_the_other_side_gets_its_strongest_reason():
    result = recommend(answer("api", "new", "batteries", "days"), TEMPLATE_QUESTIONS)
    assert result.other.startswith("you are building a JSON API: Flask keeps it small")
    result = recommend(answer("site", "some", "batteries", "days"), TEMPLATE_QUESTIONS)
    assert result.other.startswith("none of your answers leans Flask")


def test_every_option_the_table_names_exists_in_copier_yml():
    for part in PARTS:
        assert offered(part, TEMPLATE_QUESTIONS), part
    for need in ("site", "api", "data"):
        assert serving(need, TEMPLATE_QUESTIONS), f"no starter has a part for {need}"


DJANGO_API = Part(DJANGO, "a JSON API for the polls", serves="api", options={"api": True})


def test_an_option_the_template_lacks_is_never_recommended():
    # A Django `graphql` option listed before copier.yml asks for it changes nothing.
    parts = (
        *(part for part in PARTS if part.options != {"api": True}),
        Part(DJANGO, "a GraphQL API", serves="api", options={"graphql": True}),
    )
    result = recommend(answer("api", "new", "batteries", "days"), TEMPLATE_QUESTIONS, parts)
    assert (result.framework, dict(result.options)) == (FLASK, {})


def test_copier_yml_and_parts_make_django_with_api_recommendable():
    result = recommend(answer("api", "new", "batteries", "days"), TEMPLATE_QUESTIONS)
    assert (result.framework, dict(result.options)) == (DJANGO, {"api": True})
    assert result.command().endswith("--framework django --defaults --data api=true")


def test_one_entry_makes_django_with_api_recommendable():
    questions = {
        **TEMPLATE_QUESTIONS,
        "api": {"type": "bool", "default": False, "when": "{{ framework == 'django-mtv' }}"},
    }
    parts = (*PARTS, DJANGO_API)
    result = recommend(answer("api", "new", "batteries", "days"), questions, parts)
    assert (result.framework, dict(result.options)) == (DJANGO, {"api": True})
    assert "a JSON API for the polls" in result.contents
    assert result.command().endswith("--framework django --defaults --data api=true")
    # Both starters have an API now: how the person works decides, either way.
    result = recommend(answer("api", "experienced", "choose", "no-rush"), questions, parts)
    assert (result.framework, dict(result.options)) == (FLASK, {})


def test_no_fitting_starter_is_said_plainly():
    parts = tuple(part for part in PARTS if part.serves != "data")
    result = recommend(answer("data", "new", "batteries", "weeks"), TEMPLATE_QUESTIONS, parts)
    assert not result.fits and result.framework == DJANGO and result.options == {}
    assert result.reasons[0].startswith("neither starter has a data service")
    assert result.as_json()["fits"] is False


def test_contents_follow_the_options():
    for framework, words in ((FLASK, "GET /api/actors/stats"), (DJANGO, "the polls' statistics")):
        assert not any(line.startswith(words) for line in contents(framework))
        assert any(line.startswith(words) for line in contents(framework, {"analytics": True}))
    django = recommend(answer("site", "new", "batteries", "days"), TEMPLATE_QUESTIONS)
    assert "a headless-Chromium browser test of the site" in django.contents  # on by default
    assert "a Redis cache" not in django.contents
    for framework in (FLASK, DJANGO):
        for option, words in (("celery", "Celery"), ("sentry", "Sentry")):
            assert not any(words in line for line in contents(framework))
            assert any(words in line for line in contents(framework, {option: True}))
            assert f"  - {option}=true: " in describe_starter(framework)


def test_tie_goes_to_django_when_both_fit():
    parts = (*PARTS, Part(DJANGO, "an API", serves="api"))
    result = recommend(answer("api", "experienced", "batteries", "days"), None, parts)
    assert result.scores[FLASK] == result.scores[DJANGO] == 4
    assert result.framework == DJANGO and result.close_call


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
