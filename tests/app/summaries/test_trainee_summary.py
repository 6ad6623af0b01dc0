"""The trainee summary and the supervisors' per-pair response sums: kept by every write that changes them equal to a
rebuild, and read with today's date, so that time passing moves what the pages show without any write."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import func, select, text, update

from competencies import stage_progress
from competencies.training_time import Period
from tests import factories as make
from tests.factories import assign, direct
from tests.support.clock import ago
from tests.support.statements import statements_during
from trainee_portal import curricula
from trainee_portal.exams import services as exams
from trainee_portal.extensions import db
from trainee_portal.models import SignOffRequest, SupervisorResponseDay, TraineeProfile, TraineeSummary
from trainee_portal.signoff import services as signoff
from trainee_portal.stages import services as stages
from trainee_portal.summaries import SUMMARY_COLUMNS, progress, response_times, trainee_summary
from trainee_portal.training_time import services as training_time
from trainee_portal.transitions import services as transitions

KEPT = ("trainee_summary", "supervisor_response_recent")


def _rows(table: str) -> list[tuple]:
    columns = ", ".join(SUMMARY_COLUMNS[table])
    return sorted(tuple(row) for row in db.session.execute(text(f"SELECT {columns} FROM {table}")))  # noqa: S608


def assert_equal_to_a_rebuild() -> dict[str, list[tuple]]:
    """The rows the writes left are the rows `flask recompute-progress` builds from scratch (returned, as kept)."""
    db.session.commit()
    kept = {table: _rows(table) for table in KEPT}
    progress.recompute_all()
    db.session.commit()
    assert {table: _rows(table) for table in KEPT} == kept
    return kept


def _summary(trainee) -> TraineeSummary:
    return db.session.scalar(
        select(TraineeSummary).where(TraineeSummary.trainee_id == trainee.id).execution_options(populate_existing=True)
    )


def _requested(trainee, supervisor, days_ago: float = 0) -> SignOffRequest:
    entry = make.CaseDiscussionFactory(trainee=trainee, status="draft")
    request = signoff.request_signoff(trainee, entry, supervisor=supervisor)
    db.session.flush()
    if days_ago:  # backdated by the test (no write of the app's does it), so its summary is refreshed here too
        asked = ago(days=days_ago)
        db.session.execute(update(SignOffRequest).where(SignOffRequest.id == request.id).values(created_at=asked))
        progress.refresh_trainee(trainee.id)
    db.session.commit()
    db.session.refresh(request)
    return request


def _form(**values) -> SimpleNamespace:
    return SimpleNamespace(**{name: SimpleNamespace(data=value) for name, value in values.items()})


def test_every_write_that_changes_the_summary_keeps_it_equal_to_a_rebuild(app, clock):
    clock.set(datetime(2026, 6, 10, 9, 0))
    director, supervisor = make.DirectorFactory(), make.SupervisorFactory()
    trainee, other = make.TraineeFactory(), make.TraineeFactory()
    for person in (trainee, other):
        assign(supervisor, person)
        progress.refresh_trainee(person.id)  # every trainee has their row, as after a rebuild
    profile = db.session.get(TraineeProfile, trainee.id)

    # Sign-off requests: asked, signed, returned, withdrawn, and withdrawn by an edit.
    first, second, third, fourth = (_requested(trainee, supervisor, days) for days in (20, 16, 3, 1))
    assert (_summary(trainee).pending, _summary(trainee).oldest_pending_at) == (4, first.created_at)
    assert_equal_to_a_rebuild()
    signoff.sign(first, level="3", feedback="", seen_hash=first.evidence.compute_content_hash(), decider=supervisor)
    signoff.return_to_trainee(second, reason="Add the case details", decider=supervisor)
    signoff.cancel(trainee, third)
    db.session.commit()
    assert (_summary(trainee).pending, _summary(trainee).oldest_pending_at) == (1, fourth.created_at)
    edited = fourth.evidence  # an edit withdraws the request and takes the entry back to draft (logbook.services.update)
    before = progress.contribution(edited)
    signoff.withdraw_for_edit(trainee, edited)
    edited.status = "draft"
    progress.record_change(trainee.id, before, progress.contribution(edited))
    assert (_summary(trainee).pending, _summary(trainee).oldest_pending_at) == (0, None)
    kept = assert_equal_to_a_rebuild()
    assert [row[:2] for row in kept["supervisor_response_recent"]] == [(supervisor.id, trainee.id)]

    # Exams: attempts, a correction, the RAPM's confirmation, prerequisites, training time.
    mcq = make.ExamSittingFactory(part="MCQ", sits_on=date(2025, 9, 15))
    attempt = exams.record_attempt(profile, mcq, "fail", 40.0, None, director)
    assert (_summary(trainee).mcq_attempts, _summary(trainee).mcq_passed_on) == (1, None)
    exams.correct_attempt(attempt, "pass", 70.0, None, "Marked wrongly", director)
    assert (_summary(trainee).mcq_passed_on, _summary(trainee).mcq_expires_on) == (date(2025, 9, 15), date(2028, 9, 15))
    assert not _summary(trainee).soe_open  # no RAPM confirmation, no prerequisites yet
    exams.confirm_rapm(
        trainee.id,
        _form(confirmed_on=date(2026, 6, 1), stage3_pain_complete=True, advanced_training_started_on=date(2026, 1, 5), note=""),
        director,
    )
    exams.record_prerequisites(
        trainee.id,
        _form(
            gmc_registered_on=date(2015, 8, 1),
            fpm_status="member",
            fpm_applied_on=date(2024, 1, 1),
            fpm_member_since=date(2024, 3, 1),
            good_standing=True,
        ),
        trainee,
        confirmed=False,
    )
    row = _summary(trainee)
    assert row.soe_open and row.soe_sits_from == date(2026, 7, 5) and row.soe_sits_until == date(2028, 9, 15)
    assert row.soe_closes_from == date(2024, 3, 1) and row.rapm_confirmed_on == date(2026, 6, 1)  # a member since
    assert_equal_to_a_rebuild()
    period = training_time.add_period(profile, Period("ltft", date(2026, 1, 5), None, 50), "", director)
    assert _summary(trainee).soe_sits_from > date(2026, 7, 5)  # half time: the six months take longer
    training_time.end_period(period, date(2026, 1, 31), director)
    assert_equal_to_a_rebuild()
    training_time.delete_period(period, "Recorded by mistake", director)
    assert _summary(trainee).soe_sits_from == date(2026, 7, 5)
    assert_equal_to_a_rebuild()

    # The SIA chosen, a move to the other curriculum: the heatmap cells and the exam rules follow.
    stages.choose_sia(director, db.session.get(TraineeProfile, other.id), "sia-acute-inpatient")
    db.session.commit()
    assert "sia-acute-inpatient" in json.loads(_summary(other).domain_percents)
    moved = make.TraineeFactory(profile__curriculum_version="2010", profile__current_stage="higher")
    progress.refresh_trainee(moved.id)
    assert _summary(moved).exam_version == "2010" and "intermediate" in json.loads(_summary(moved).domain_percents)
    transitions.move(director, db.session.get(TraineeProfile, moved.id), "2021", clock.today())
    db.session.commit()
    assert _summary(moved).exam_version == "2021" and "stage-3" in json.loads(_summary(moved).domain_percents)
    assert_equal_to_a_rebuild()


def test_the_heatmap_cells_are_the_stage_results_with_the_regions_rules(app):
    region = make.RegionFactory()
    trainee = make.TraineeFactory(profile__region=region)
    for code in ("S3_PM_01", "S3_PM_02"):
        make.CaseDiscussionFactory(trainee=trainee, codes=(code,), status="signed")
    profile = db.session.get(TraineeProfile, trainee.id)
    curriculum = curricula.curriculum("2021")
    result = stage_progress(curriculum, "stage-3", progress.trainee_counts(trainee.id), curricula.trainee_rules(profile))
    (domain,) = result.domains
    assert json.loads(_summary(trainee).domain_percents)["stage-3"] == [
        round(100 * domain.complete / len(domain.competencies), 1)
    ]


def test_a_rebuild_reads_a_bounded_number_of_statements(app):
    for _ in range(30):
        trainee = make.TraineeFactory()
        make.SignOffRequestFactory(trainee=trainee)
        make.ExamAttemptFactory(trainee=trainee)
    statements = statements_during(lambda: trainee_summary.recompute())
    assert db.session.scalar(select(func.count()).select_from(TraineeSummary)) == 30
    assert len(statements) <= 10, statements  # one read per kind of record, one delete, one insert per thousand rows


# --- time passing, without any write --------------------------------------------------------------------------------


def _dashboard(client) -> str:
    return re.sub(
        r'<span class="nhsuk-table-responsive__heading" aria-hidden="true">[^<]*</span>', "", client.get("/cohort").data.decode()
    )


def test_a_request_becomes_overdue_when_its_fourteen_days_pass(client, login, clock):
    clock.set(datetime(2026, 3, 1, 23, 30))
    region, director, supervisor = make.RegionFactory(), make.DirectorFactory(), make.SupervisorFactory()
    direct(director, region=region)
    trainee = make.TraineeFactory(name="Dr Nearly Overdue", profile__region=region)
    assign(supervisor, trainee)
    make.SignOffRequestFactory(trainee=trainee, supervisor=supervisor, created_at=datetime(2026, 2, 16, 0, 15))
    login(director)
    before = _dashboard(client)
    assert "Sign-off waiting over 14 days: <strong>0</strong>" in before and "over 14 days)" not in before
    clock.set(datetime(2026, 3, 2, 0, 30))  # past midnight: fourteen days and a quarter of an hour
    after = _dashboard(client)
    assert "Sign-off waiting over 14 days: <strong>1</strong>" in after
    row = after[after.index("Dr Nearly Overdue") :]
    assert "(1 over 14 days)" in row[: row.index("</tr>")] and 'data-flag="waiting"' in row[: row.index("</tr>")]
    assert "Dr Nearly Overdue" in client.get("/cohort?flag=waiting&sort=waiting&dir=desc").data.decode()


def test_an_mcq_pass_comes_into_the_expiry_warning_as_the_months_pass(client, login, clock):
    clock.set(date(2026, 3, 10))
    region, director = make.RegionFactory(), make.DirectorFactory()
    direct(director, region=region)
    trainee = make.TraineeFactory(name="Dr Three Years", profile__region=region)
    sitting = make.ExamSittingFactory(part="MCQ", sits_on=date(2023, 9, 15))
    make.ExamAttemptFactory(trainee=trainee, sitting=sitting, result="pass")  # expires 15 September 2026
    login(director)

    def expiring():
        page = client.get("/exams/pipeline").data.decode()
        return page.split("MCQ pass expiring")[1].split("On their last attempts")[0]

    assert "Dr Three Years" not in expiring()
    clock.set(date(2026, 3, 16))  # six months before the expiry
    assert "Dr Three Years" in expiring() and "expires 15 Sep 2026" in expiring()
    clock.set(date(2026, 9, 16))  # the day after the pass stopped counting: no longer a warning
    assert "Dr Three Years" not in expiring()


def test_the_next_sitting_moves_on_when_applications_close(client, login, clock):
    clock.set(datetime(2026, 4, 1, 15, 59))  # 16:59 in London (summer time)
    region, director = make.RegionFactory(), make.DirectorFactory()
    direct(director, region=region)
    trainee = make.TraineeFactory(name="Dr Applying", profile__region=region)
    make.ExamPrerequisiteFactory(trainee=trainee)
    first = make.ExamSittingFactory(part="MCQ", sits_on=date(2026, 5, 20), opens_on=date(2026, 2, 1), closes_on=date(2026, 4, 1))
    later = make.ExamSittingFactory(part="MCQ", sits_on=date(2026, 9, 20), opens_on=date(2026, 6, 1), closes_on=date(2026, 8, 1))
    login(director)

    def eligible():
        page = client.get("/exams/pipeline").data.decode()
        return page.split("Eligible for an upcoming sitting")[1].split("MCQ pass expiring")[0]

    assert f"MCQ on {first.sits_on.day} {first.sits_on:%b %Y}, attempt 1" in eligible()
    clock.set(datetime(2026, 4, 1, 16, 1))  # 17:01: the first sitting's applications have closed
    assert f"MCQ on {later.sits_on.day} {later.sits_on:%b %Y}, attempt 1" in eligible()


def test_a_decision_leaves_the_supervisor_chart_a_year_after_it(client, login, clock):
    clock.set(datetime(2026, 5, 1, 12, 0))
    region, director = make.RegionFactory(), make.DirectorFactory()
    direct(director, region=region)
    supervisor = make.SupervisorFactory(name="Dr Yearly")
    trainee = make.TraineeFactory(profile__region=region)
    assign(supervisor, trainee)
    for asked, days in ((datetime(2025, 4, 22, 9), 9), (datetime(2026, 4, 20, 9), 1)):
        make.SignOffRequestFactory(
            evidence=make.CaseDiscussionFactory(trainee=trainee),
            supervisor=supervisor,
            status="signed",
            created_at=asked,
            decided_at=asked + timedelta(days=days, hours=1),
            decided_by_id=supervisor.id,
        )
    assert db.session.scalar(select(SupervisorResponseDay.decided_on).order_by(SupervisorResponseDay.decided_on)) == date(
        2025, 5, 1
    )
    login(director)
    row = '<th scope="row" class="nhsuk-table__cell">Dr Yearly</th><td class="nhsuk-table__cell">{}</td>'
    assert row.format("5") in _dashboard(client)  # 1 and 9 days: the median of two is 5
    clock.set(datetime(2026, 5, 2, 12, 0))  # the older decision is now more than a year ago
    assert row.format("1") in _dashboard(client)
    response_times.recompute()
    db.session.commit()
    assert row.format("1") in _dashboard(client)


def test_the_pipeline_and_the_dashboard_read_no_attempt_request_or_tally(client, login):
    region, director = make.RegionFactory(), make.DirectorFactory()
    direct(director, region=region)
    trainee = make.TraineeFactory(profile__region=region)
    make.ExamAttemptFactory(trainee=trainee, result="fail")
    make.SignOffRequestFactory(trainee=trainee, created_at=ago(days=2))
    login(director)
    statements = statements_during(lambda: (client.get("/exams/pipeline"), client.get("/cohort")))
    records = r"\b(FROM|JOIN) (exam_attempt|evidence_tally|evidence_entry|rapm_confirmation|exam_prerequisite)\b"
    assert [s for s in statements if re.search(records, s)] == []
    # Requests only in the rows shown, to count a trainee's overdue ones once their oldest is overdue.
    assert [s for s in statements if "sign_off_request" in s and "AS overdue" not in s] == []
