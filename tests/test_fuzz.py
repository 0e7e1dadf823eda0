"""The seeded fuzz subset run by `make test` (3,000 cases); `make fuzz N=20000` runs long ones.
See tests/fuzzing.py for the generator and the rule."""

from collections import Counter

import pytest
from fuzzing import check_case, check_within, make_case

SEED = 20261201
CASES_PER_TEST = 250
N_TESTS = 12


@pytest.mark.parametrize("block", range(N_TESTS))
def test_fuzzed_files_are_refused_cleanly_or_analysed(block):
    outcomes = Counter()
    violations = []
    for index in range(block * CASES_PER_TEST, (block + 1) * CASES_PER_TEST):
        case = make_case(SEED, index)
        outcome = check_within(case, 120)  # a hang; a 64 MP case through every method takes ~30 s
        outcomes[outcome.status] += 1
        if outcome.status in ("violation", "hang"):
            violations.append(f"case ({SEED}, {index}) [{case.base}, {case.mutation}]: {outcome.status}: {outcome.detail}")
    assert not violations, "\n".join(violations)
    assert outcomes["refused"] + outcomes["analysed"] == CASES_PER_TEST


def test_the_generator_covers_every_format_and_mutation_and_both_outcomes():
    cases = [make_case(SEED, i) for i in range(400)]
    from fuzzing import BASES

    assert {c.base for c in cases} == {name for name, _ in BASES}
    words = " ".join(c.mutation for c in cases)
    for needed in ("bit flips", "truncated", "inserted", "overwritten", "marker", "absurd", "broken"):
        assert needed in words
    outcomes = Counter(check_case(c).status for c in cases[:120])
    assert outcomes["refused"] > 10 and outcomes["analysed"] > 10, outcomes
    assert make_case(SEED, 7).data == make_case(SEED, 7).data, "reproducible from (seed, index)"
