"""The supervisor response-time histogram: kept on each decision, equal to a rebuild, and its exact median."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from tests.app.signoff.helpers import signed_by_outside_assessor
from tests.factories import (
    CaseDiscussionFactory,
    DirectorFactory,
    RegionFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from trainee_portal.cohort.charts import median_from_histogram
from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest, SupervisorResponseDay
from trainee_portal.signoff import services
from trainee_portal.summaries import response_times


def _histogram() -> list[tuple]:
    return sorted(
        db.session.execute(
            select(
                SupervisorResponseDay.supervisor_id,
                SupervisorResponseDay.trainee_id,
                SupervisorResponseDay.decided_on,
                SupervisorResponseDay.days_to_decision,
                SupervisorResponseDay.count,
            )
        ).all()
    )


def _requested(trainee, supervisor, days_ago: float) -> SignOffRequest:
    """A pending request made days_ago (backdated so the decision lands that many days later)."""
    entry = CaseDiscussionFactory(trainee=trainee, status="draft")
    request = services.request_signoff(trainee, entry, supervisor=supervisor)
    db.session.flush()
    db.session.execute(
        update(SignOffRequest).where(SignOffRequest.id == request.id).values(created_at=clock.now() - timedelta(days=days_ago))
    )
    db.session.commit()
    db.session.refresh(request)
    return request


def test_signing_and_returning_keep_the_histogram_equal_to_a_rebuild(app):
    supervisor, other = SupervisorFactory(), SupervisorFactory()
    trainee = TraineeFactory()
    assign(supervisor, trainee)
    assign(other, trainee)
    for days_ago, who, decide in [
        (2.5, supervisor, "sign"),
        (2.2, supervisor, "sign"),
        (0.1, supervisor, "return"),
        (9.9, other, "sign"),
        (30, other, "return"),
    ]:
        request = _requested(trainee, who, days_ago)
        if decide == "sign":
            services.sign(request, level="3", feedback="", seen_hash=request.evidence.compute_content_hash(), decider=who)
        else:
            services.return_to_trainee(request, reason="Add the case details", decider=who)
        db.session.commit()
    cancelled = _requested(trainee, supervisor, 5)
    services.cancel(trainee, cancelled)  # the trainee withdrew it: not a supervisor's decision
    db.session.commit()
    maintained = _histogram()
    today = clock.now().date()
    assert [(day, days, n) for s, _, day, days, n in maintained if s == supervisor.id] == [(today, 0, 1), (today, 2, 2)]
    assert sorted(row[3] for row in maintained) == [0, 2, 9, 30]
    response_times.recompute()
    db.session.commit()
    assert _histogram() == maintained


def test_assessor_link_decisions_are_not_counted(app):
    trainee = TraineeFactory()
    signed_by_outside_assessor(CaseDiscussionFactory(trainee=trainee, status="draft"), "assessor@example.nhs.uk")
    assert _histogram() == []
    response_times.recompute()
    assert _histogram() == []


def test_median_from_histogram_is_exact_for_odd_and_even_counts():
    assert median_from_histogram({3: 1}) == 3
    assert median_from_histogram({0: 1, 10: 1}) == 5  # even: the mean of the middle two
    assert median_from_histogram({1: 3, 4: 1}) == 1  # middle two are both 1
    assert median_from_histogram({1: 2, 4: 2}) == 2.5
    assert median_from_histogram({0: 5, 7: 4, 20: 2}) == 7  # odd total 11: the sixth value
    values = [0, 0, 1, 3, 3, 3, 8, 12]
    assert median_from_histogram({v: values.count(v) for v in set(values)}) == 3


def test_dashboard_shows_each_supervisors_median_from_the_summary(client, login):
    region = RegionFactory()
    director = DirectorFactory()
    direct(director, region=region)
    supervisor = SupervisorFactory(name="Dr Even Median")
    trainee = TraineeFactory(profile__region=region)
    assign(supervisor, trainee)
    for days_ago in (1.5, 4.5):  # one day and four days: the median of an even count is 2.5
        request = _requested(trainee, supervisor, days_ago)
        services.sign(request, level="3", feedback="", seen_hash=request.evidence.compute_content_hash(), decider=supervisor)
        db.session.commit()
    login(director)
    page = client.get("/cohort").data.decode()
    # The table stacks on a phone: each cell carries its column's heading, hidden from screen readers.
    page = re.sub(r'<span class="nhsuk-table-responsive__heading" aria-hidden="true">[^<]*</span>', "", page)
    assert '<th scope="row" class="nhsuk-table__cell">Dr Even Median</th><td class="nhsuk-table__cell">2.5</td>' in page
