"""The supervisor chart's medians, worked out in the database from the per-pair histograms (charts.supervisor_medians),
equal the exact median of the decisions themselves: for any decisions on any days, on both engines."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from tests import factories as make
from tests.factories import direct
from tests.support.summaries import empty_database
from trainee_portal.cohort import charts
from trainee_portal.cohort.queries import Filters
from trainee_portal.extensions import db
from trainee_portal.models import SupervisorResponseDay, SupervisorResponseRecent
from trainee_portal.summaries import response_times

SINCE = date(2025, 11, 20)  # the chart's year starts here: decisions before it are left out
# Days a decision can fall on: before the year, on its first day, inside it, up to today (the year's last day; no
# decision is later, so each pair's counted_from is never after SINCE).
DAYS = st.integers(min_value=-500, max_value=365).map(lambda n: SINCE + timedelta(days=n))
# (supervisor, trainee, decided on, whole days to the decision): 3 supervisors, 4 trainees, the last outside the cohort.
DECISIONS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3), DAYS, st.integers(0, 40) | st.sampled_from([0, 1, 2, 365])), max_size=40
)


def _store(supervisors, trainees, decisions) -> None:
    """The day rows and each pair's recent row, as response_times keeps them on each decision."""
    counts = Counter((supervisors[s].id, trainees[t].id, on, d) for s, t, on, d in decisions)
    rows = [
        dict(supervisor_id=s, trainee_id=t, decided_on=on, days_to_decision=d, count=n) for (s, t, on, d), n in counts.items()
    ]
    if rows:
        db.session.execute(insert(SupervisorResponseDay), rows)
    pairs: dict[tuple[int, int], dict[date, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for (s, t, on, d), n in counts.items():
        pairs[(s, t)][on][d] += n
    recent = [response_times.recent_row(s, t, days) for (s, t), days in pairs.items()]
    if recent:
        db.session.execute(insert(SupervisorResponseRecent.__table__), recent)
    db.session.commit()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(decisions=DECISIONS)
def test_each_supervisors_median_and_count_equal_those_of_their_decisions_in_the_year(app, decisions):
    empty_database()
    region, elsewhere = make.RegionFactory(), make.RegionFactory()
    director = make.DirectorFactory()
    direct(director, region=region)
    supervisors = [make.SupervisorFactory(name=f"Dr Supervisor {n}") for n in range(3)]
    trainees = [make.TraineeFactory(profile__region=region) for _ in range(3)] + [make.TraineeFactory(profile__region=elsewhere)]
    db.session.commit()
    _store(supervisors, trainees, decisions)

    expected: dict[str, list[int]] = defaultdict(list)
    for s, t, on, d in decisions:
        if t < 3 and on >= SINCE:
            expected[supervisors[s].name].append(d)
    got = charts.supervisor_medians(director, Filters(), SINCE)
    assert sorted(got) == sorted((name, statistics.median(days), len(days)) for name, days in expected.items())


def test_odd_and_even_counts_give_the_middle_one_or_the_mean_of_the_middle_two(app):
    region = make.RegionFactory()
    director = make.DirectorFactory()
    direct(director, region=region)
    supervisors = [make.SupervisorFactory(name=f"Dr Case {n}") for n in range(6)]
    trainees = [make.TraineeFactory(profile__region=region) for _ in range(2)]
    db.session.commit()
    cases = (
        [3],  # one decision
        [0, 10],  # even: the mean of the middle two
        [1, 1, 1, 4],  # the middle two are both 1
        [1, 1, 4, 4],  # 2.5
        [0] * 5 + [7] * 4 + [20] * 2,  # odd total 11: the sixth value
        [0, 0, 1, 3, 3, 3, 8, 12],  # spread over both trainees below
    )
    decisions = [(s, n % 2, SINCE + timedelta(days=30 + n), d) for s, days in enumerate(cases) for n, d in enumerate(days)]
    _store(supervisors, trainees, decisions)
    got = {name: (median, n) for name, median, n in charts.supervisor_medians(director, Filters(), SINCE)}
    assert got == {
        "Dr Case 0": (3, 1),
        "Dr Case 1": (5, 2),
        "Dr Case 2": (1, 4),
        "Dr Case 3": (2.5, 4),
        "Dr Case 4": (7, 11),
        "Dr Case 5": (3, 8),
    }


def test_kept_medians_are_keyed_by_a_fixed_size_digest_of_the_pairs_and_what_is_taken_off():
    """The per-worker medians are keyed by a 32-byte digest, however many pairs a supervisor has. Texts that run
    together the same way (a pair's histogram ending where what is taken off begins) are still told apart, and so is
    each set of decisions taken off, so a median kept for one supervisor's pairs or day never answers for another's."""
    charts.SUMMED.clear()
    many = ",".join(f'{{"{d}":1}}' for d in range(300))
    assert charts._median_and_count(many, "") == (149.5, 300)
    assert charts._median_and_count(many, '"0":1,"1":1') == (150.5, 298)  # taken off: the two fastest
    assert charts._median_and_count('{"3":2}', '"3":2') == (0.0, 0)  # nothing left
    # Texts that run together alike: with the first's length in the key they are kept apart (7 keys, not 6).
    assert charts._median_and_count('{"1":1} ', '"1":1') == (0.0, 0)
    assert charts._median_and_count('{"1":1}', ' "1":1') == (0.0, 0)
    assert charts._median_and_count('{"1":1}', "") == (1.0, 1)
    assert charts._median_and_count('{"1":1} ', "") == (1.0, 1)
    keys = list(charts.SUMMED._kept)
    assert len(keys) == 7 and all(isinstance(k, bytes) and len(k) == 32 for k in keys)
    charts.SUMMED.clear()
