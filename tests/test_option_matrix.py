"""The generation matrix's plan: all pairs of the options of copier.yml, defaults and
everything on, for each framework (the matrix itself is tests/test_matrix.py)."""

from __future__ import annotations

import itertools

from generator.questions import load_questions
from harness.projects import (
    COPIER_YML,
    FRAMEWORKS,
    framework_options,
    option_defaults,
    option_matrix,
)


def test_every_pair_of_option_values_is_generated():
    questions = load_questions(COPIER_YML)
    matrix = option_matrix()
    for framework, template in FRAMEWORKS.items():
        options = framework_options(questions, template)
        rows = [answers for name, answers in matrix if name == framework]
        assert all(list(answers) == list(options) for answers in rows), "copier.yml's order"
        assert len({tuple(answers.values()) for answers in rows}) == len(rows), "no repeats"
        for (a, a_values), (b, b_values) in itertools.combinations(options.items(), 2):
            for pair in itertools.product(a_values, b_values):
                assert any((row[a], row[b]) == pair for row in rows), (framework, a, b, pair)
        assert option_defaults(framework) in rows
        assert {name: values[-1] for name, values in options.items()} in rows


def test_the_matrix_stays_smaller_than_the_full_product():
    questions = load_questions(COPIER_YML)
    for framework, template in FRAMEWORKS.items():
        options = framework_options(questions, template)
        full = 1
        for values in options.values():
            full *= len(values)
        rows = [answers for name, answers in option_matrix() if name == framework]
        biggest = sorted(len(values) for values in options.values())[-2:]
        # all pairs needs at least the product of the two largest option sizes
        assert biggest[0] * biggest[-1] <= len(rows) <= full
