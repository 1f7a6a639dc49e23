"""The generation matrix's plan: all pairs of the options of copier.yml, defaults and
everything on, for each framework (the matrix itself is tests/test_matrix.py)."""

from __future__ import annotations

import itertools

from generator.questions import applies, depends_on, load_questions
from harness.projects import (
    COPIER_YML,
    FRAMEWORKS,
    matrix_options,
    option_defaults,
    option_matrix,
)


def possible(questions: dict, template: str, answers: dict[str, object]) -> bool:
    """Whether a project can have ``answers``: no question among them is ruled out by the others."""
    return all(
        applies(questions[name], {"framework": template, **answers})
        for name in answers
        if all(need in answers for need in depends_on(questions[name], template))
        and depends_on(questions[name], template)
    )


def test_every_pair_of_option_values_is_generated():
    questions = load_questions(COPIER_YML)
    matrix = option_matrix()
    for framework, template in FRAMEWORKS.items():
        options = matrix_options(questions, template)
        rows = [answers for name, answers in matrix if name == framework]
        # copier.yml's order; a question whose when reads other answers drops out of some rows
        assert all(list(answers) == [n for n in options if n in answers] for answers in rows)
        assert len({tuple(answers.values()) for answers in rows}) == len(rows), "no repeats"
        for (a, a_values), (b, b_values) in itertools.combinations(options.items(), 2):
            for va, vb in itertools.product(a_values, b_values):
                if not possible(questions, template, {a: va, b: vb}):
                    continue  # browser_driver with browser_tests=false: asked nowhere
                assert any((row.get(a), row.get(b)) == (va, vb) for row in rows), (
                    framework,
                    a,
                    b,
                    va,
                    vb,
                )
        assert option_defaults(framework) in rows
        assert {name: values[-1] for name, values in options.items()} in rows


def test_the_matrix_stays_smaller_than_the_full_product():
    questions = load_questions(COPIER_YML)
    for framework, template in FRAMEWORKS.items():
        options = matrix_options(questions, template)
        full = 1
        for values in options.values():
            full *= len(values)
        rows = [answers for name, answers in option_matrix() if name == framework]
        biggest = sorted(len(values) for values in options.values())[-2:]
        # all pairs needs at least the product of the two largest option sizes
        assert biggest[0] * biggest[-1] <= len(rows) <= full
