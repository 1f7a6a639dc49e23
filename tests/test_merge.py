"""generator/merge.py's decision for one path, from its three versions: Copier's rules.

The command-level proof (byte for byte Copier's update of every answers file)
is in test_update_cost.py; this pins each rule on its own.
"""

from __future__ import annotations

import pytest

from generator.merge import DELETE, KEEP, KEPT, MERGE, WRITE, Entry, decide, merge_file

A, B, C = Entry(b"a\n"), Entry(b"b\n"), Entry(b"c\n")
A_RUN = Entry(b"a\n", executable=True)


@pytest.mark.parametrize(
    ("old", "new", "mine", "action"),
    [
        (A, A, C, KEEP),  # the template left it: yours stays
        (A, A, None, KEEP),  # you deleted it, the template left it
        (A, B, A, WRITE),  # you left it as made: the new text
        (A, B, B, KEEP),  # you made the template's change already
        (A, B, C, MERGE),  # both changed it
        (A, B, None, KEEP),  # you deleted it: not brought back
        (A, None, A, DELETE),  # dropped by the template, as made: removed
        (A, None, C, KEPT),  # dropped by the template, edited: yours, kept
        (A, None, None, KEEP),
        (None, B, None, WRITE),  # new in the template
        (None, B, B, KEEP),
        (None, B, C, MERGE),  # new on both sides, other texts: merged on an empty base
        (A, A_RUN, A, WRITE),  # the mode only changed: the template's mode
        (A_RUN, A, A, KEEP),  # you made it non-executable as the template now does
    ],
)
def test_each_path_is_decided_as_copier_merges(old, new, mine, action):
    assert decide(old, new, mine) == action


def test_a_merge_keeps_both_sides_or_marks_the_conflict_with_copiers_labels():
    base = b"one\ntwo\nthree\nfour\nfive\n"
    theirs = base.replace(b"five", b"five, the template's")
    mine = base.replace(b"one", b"one, mine")
    text, conflicts = merge_file(base, theirs, mine)
    assert not conflicts and text == b"one, mine\ntwo\nthree\nfour\nfive, the template's\n"
    text, conflicts = merge_file(base, theirs, base.replace(b"five", b"five, mine"))
    assert conflicts
    assert b"<<<<<<< before updating\n" in text and b">>>>>>> after updating\n" in text
