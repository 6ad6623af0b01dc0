"""The trainee dashboard: three charts from real progress, each with a table, and who may open whose dashboard."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import date, timedelta

from sqlalchemy import delete, func, select, update

from competencies import trajectory_point_on
from tests.app.logbook.helpers import CLINIC
from tests.factories import (
    AdminFactory,
    DirectorFactory,
    EvidenceFactory,
    ExamAttemptFactory,
    RegionFactory,
    SignOffFactory,
    SupervisorFactory,
    TraineeFactory,
    assign,
    direct,
)
from tests.support import clock
from tests.support.markup import without_countdown
from tests.support.profiles import saved_values
from tests.support.statements import page_statements, statements_during
from trainee_portal import curricula
from trainee_portal.admin import services as admin_services
from trainee_portal.dashboard import charts
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, EvidenceWeek, TraineeProfile, User
from trainee_portal.summaries import progress
from trainee_portal.summaries.evidence_weeks import Timeline, from_entries, timeline


def _figures(page: str) -> dict:
    blocks = re.findall(r'<script type="application/json" id="([\w-]+)-data">(.*?)</script>', page, re.S)
    return {name: json.loads(body) for name, body in blocks}


def test_trainee_dashboard_has_three_charts_each_with_a_table(client, login):
    trainee = TraineeFactory()
    login(trainee)
    response = client.get("/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert set(_figures(page)) == {"stage-chart", "domain-chart", "trajectory-chart"}
    assert page.count("Show the figures as a table") == 3
    assert "/vendor/plotly.min.js" in page and "js/charts.js" in page and "<script>" not in page


def test_charts_move_when_evidence_is_signed(client, login):
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    login(trainee)
    before = _figures(client.get("/dashboard").get_data(as_text=True))
    stage3 = dict(zip(before["stage-chart"]["data"][0]["y"], before["stage-chart"]["data"][0]["x"]))[
        "Stage 3 pain (higher pain training)"
    ]
    for n in range(6):
        SignOffFactory(
            evidence=EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=n + 1)),
            signer=supervisor,
        )
    after_page = client.get("/dashboard").get_data(as_text=True)
    after = _figures(after_page)
    moved = dict(zip(after["stage-chart"]["data"][0]["y"], after["stage-chart"]["data"][0]["x"]))[
        "Stage 3 pain (higher pain training)"
    ]
    assert moved > stage3
    in_progress = next(t for t in after["domain-chart"]["data"] if t["name"] == "In progress")
    assert sum(in_progress["x"]) == 1  # S3_PM_01 has its clinics but still needs an A-CEX
    assert "Logged for this stage: <strong>6</strong> entries – 6 signed off, 0 awaiting" in " ".join(after_page.split())
    trajectory = after["trajectory-chart"]["data"][0]["y"]
    assert trajectory[-1] == moved and trajectory[0] <= trajectory[-1]


def _table(page: str, caption: str) -> str:
    return page.split(caption, 1)[1].split("</table>", 1)[0]


def test_tables_kept_between_requests_follow_the_data_and_whose_links_they_hold(client, login):
    """Each chart's table is drawn once per worker and kept under what it shows (dashboard.routes.TABLES): the next
    request after a signature shows it, and two trainees with the same figures each get links to their own pages."""
    trainee, twin, supervisor = TraineeFactory(), TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    assign(supervisor, twin)
    login(trainee)
    first = client.get("/dashboard").get_data(as_text=True)
    # Drawn from what was kept, the same markup (but the session's countdown, which may pass a second in between).
    assert without_countdown(client.get("/dashboard").get_data(as_text=True)) == without_countdown(first)
    trajectory = _table(first, "evidence over time against the expected trajectory")
    assert re.findall(r"numeric\">(?:<[^>]+>[^<]*</span>)?(?:<div[^>]*>)?(\d+)<", trajectory)[-3] == "0"
    for n in range(6):
        SignOffFactory(
            evidence=EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=n + 1)),
            signer=supervisor,
        )
    after = client.get("/dashboard").get_data(as_text=True)
    assert _table(after, "evidence over time against the expected trajectory") != trajectory
    assert ">6<" in _table(after, "evidence over time against the expected trajectory").rsplit("<tr", 1)[1]
    assert _table(after, "Completion of each stage") != _table(first, "Completion of each stage")
    assert "?trainee=" not in _table(after, "Completion of each stage")  # the trainee's own links
    client.post("/logout")
    login(supervisor)
    for whose in (trainee, twin):  # the twin's figures are the trainee's first ones, drawn for another link
        stages = _table(client.get(f"/dashboard?trainee={whose.id}").get_data(as_text=True), "Completion of each stage")
        links = set(re.findall(r'href="([^"]+)"', stages))
        assert links and all(link.endswith(f"?trainee={whose.id}") for link in links), links


def test_trajectory_follows_entry_dates_and_the_expected_line(app):
    curriculum = curricula.curriculum("2021")
    stage = curriculum.stage_for_level("higher")
    start = date(2026, 1, 5)
    days = [start + timedelta(days=10 + n) for n in range(6)]
    timeline = Timeline([(day, "logbook.clinic", "2b", "signed", CLINIC, 1) for day in days], [(day, 1) for day in days])
    points = charts.trajectory(curriculum, stage, start, date(2026, 3, 2), timeline)
    assert points[0].on == start and points[0].entries == 0 and points[0].expected == 0.0
    assert points[-1].on == date(2026, 3, 2) and points[-1].entries == 6
    assert [p.percent for p in points] == sorted(p.percent for p in points) and points[-1].percent > 0
    assert points[-1].expected is not None and 0 < points[-1].expected < 100
    assert all(later.on - earlier.on <= timedelta(days=7) for earlier, later in zip(points, points[1:]))


def test_long_stages_are_sampled_every_four_weeks(app):
    curriculum = curricula.curriculum("2021")
    stage = curriculum.stage_for_level("basic")
    points = charts.trajectory(curriculum, stage, date(2023, 1, 2), date(2026, 1, 2), Timeline([], []))
    assert 30 < len(points) < 45 and points[-1].on == date(2026, 1, 2)


def test_supervisor_opens_an_assigned_trainees_dashboard_only(client, login):
    trainee, other, supervisor = TraineeFactory(name="Dr Ada Trainee"), TraineeFactory(), SupervisorFactory()
    assign(supervisor, trainee)
    login(supervisor)
    picker = client.get("/dashboard").get_data(as_text=True)
    assert "Choose a trainee to see their progress" in picker and "Dr Ada Trainee" in picker
    page = client.get(f"/dashboard?trainee={trainee.id}").get_data(as_text=True)
    assert "Dr Ada Trainee" in page and "Record evidence" not in page
    assert client.get(f"/dashboard?trainee={other.id}").status_code == 403
    assert client.get("/dashboard?trainee=abc").status_code == 404


def test_director_opens_dashboards_in_their_region(client, login):
    region = RegionFactory()
    trainee, outsider, director = TraineeFactory(profile__region=region), TraineeFactory(), DirectorFactory()
    direct(director, region=region)
    login(director)
    assert client.get(f"/dashboard?trainee={trainee.id}").status_code == 200
    assert client.get(f"/dashboard?trainee={outsider.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_dashboard_sends_the_same_statements_for_one_entry_and_for_many(client, login):
    """Its reads are sized by what it shows: a logbook of many entries, several statuses, days and competencies, sign-offs
    and exam attempts costs the statements one entry costs; the logged counts still match the evidence."""
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    EvidenceFactory(trainee=trainee)
    login(trainee)
    few = page_statements(client, "/dashboard")
    for n in range(40):
        entry = EvidenceFactory(
            trainee=trainee,
            title=f"Clinic {n}",
            occurred_on=clock.today() - timedelta(days=1 + 2 * n),
            status=("draft", "submitted", "returned")[n % 3],
            codes=("S3_PM_01", "S3_PM_02") if n % 4 == 0 else ("S3_PM_01",),
            stage_level="basic" if n % 7 == 0 else "higher",
        )
        if n % 5 == 0:
            SignOffFactory(evidence=entry, signer=supervisor)
    EvidenceFactory(trainee=trainee, title="Replaced", superseded_at=clock.now())  # an older version: not counted
    ExamAttemptFactory(trainee=trainee)
    many = page_statements(client, "/dashboard")
    assert len(many) == len(few), f"{len(few)} statements for one entry, {len(many)} for many"
    current = db.session.execute(
        select(EvidenceEntry.status, func.count())
        .where(
            EvidenceEntry.trainee_id == trainee.id, EvidenceEntry.superseded_at.is_(None), EvidenceEntry.stage_level == "higher"
        )
        .group_by(EvidenceEntry.status)
    ).all()
    logged = dict(current)
    text = " ".join(client.get("/dashboard").get_data(as_text=True).split())
    assert (
        f"Logged for this stage: <strong>{sum(logged.values())}</strong> entries – {logged['signed']} signed off, "
        f"{logged['submitted']} awaiting sign-off, {logged['draft']} drafts, {logged['returned']} returned."
    ) in text


def test_the_timeline_counts_each_entry_once_and_each_claim_per_competency_by_trajectory_week(app):
    """Per week ending on the stage start's weekday: the entries and their claims of days after one such day and up to
    the next fall in the next one's week."""
    trainee = TraineeFactory()
    start = trainee.trainee_profile.stage_started_on
    day = clock.today() - timedelta(days=3)
    week = trajectory_point_on(day, start)
    before = week - timedelta(days=7)  # the week before: a day in it, and its last day
    EvidenceFactory(trainee=trainee, occurred_on=day, codes=("S3_PM_01", "S3_PM_02"), status="submitted")
    EvidenceFactory(trainee=trainee, occurred_on=week - timedelta(days=6), codes=("S3_PM_01",), status="submitted")
    EvidenceFactory(trainee=trainee, occurred_on=day, codes=(), status="draft", evidence_type="reflection")
    EvidenceFactory(trainee=trainee, occurred_on=before, codes=("S3_PM_01",), status="returned")
    EvidenceFactory(trainee=trainee, occurred_on=before - timedelta(days=2), codes=("S3_PM_01",), status="returned")
    EvidenceFactory(trainee=trainee, occurred_on=day, codes=("S3_PM_01",), superseded_at=clock.now())
    EvidenceFactory(trainee=trainee, occurred_on=day, codes=("S2_PM_01",), stage_level="intermediate")
    found = timeline(trainee.id, "higher", start)
    assert found.entries == [(before, 2), (week, 3)]
    assert found.statuses == {"returned": 2, "submitted": 2, "draft": 1}
    assert sorted(found.claims) == sorted(
        [
            (before, "logbook.clinic", "2b", "returned", "S3_PM_01", 2),
            (week, "logbook.clinic", "2b", "submitted", "S3_PM_01", 2),
            (week, "logbook.clinic", "2b", "submitted", "S3_PM_02", 1),
        ]
    )
    assert found == from_entries(trainee.id, "higher", start)


def test_a_stage_start_moved_to_another_weekday_keeps_the_trajectory_true_through_the_profile_page_or_by_hand(client, login):
    """The weeks end on the stage start's weekday. Saved on the administrator's profile page, a start on another
    weekday has the trainee's weeks rebuilt at once; changed in the database by hand, the dashboard finds weeks of
    the old weekday and counts from the entries instead. Either way the trajectory is what the entries give."""
    trainee, supervisor = TraineeFactory(), SupervisorFactory()
    profile = trainee.trainee_profile
    for n in range(9):
        SignOffFactory(
            evidence=EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=3 * n)),
            signer=supervisor,
        )
    db.session.commit()
    start = profile.stage_started_on
    assert timeline(trainee.id, "higher", start) == from_entries(trainee.id, "higher", start)

    moved = start + timedelta(days=3)
    admin_services.save_profile(AdminFactory(), trainee, saved_values(profile, stage_started_on=moved))
    db.session.commit()
    weeks = db.session.scalars(select(EvidenceWeek.week_ends_on).where(EvidenceWeek.trainee_id == trainee.id)).all()
    assert weeks and {week.weekday() for week in weeks} == {moved.weekday()}
    assert timeline(trainee.id, "higher", moved) == from_entries(trainee.id, "higher", moved)

    by_hand = moved + timedelta(days=1)
    db.session.execute(update(TraineeProfile).where(TraineeProfile.user_id == trainee.id).values(stage_started_on=by_hand))
    db.session.commit()
    kept = timeline(trainee.id, "higher", by_hand)
    assert kept == from_entries(trainee.id, "higher", by_hand)
    assert {week for week, _n in kept.entries} <= {by_hand + timedelta(days=7 * k) for k in range(-60, 60)}
    login(trainee)
    points = _figures(client.get("/dashboard").get_data(as_text=True))["trajectory-chart"]["data"][0]
    assert points["x"][0] == by_hand.isoformat() and points["x"][-1] == clock.today().isoformat()
    assert points["y"][-1] > 0


def _weeks(trainee_id: int) -> list[tuple]:
    return db.session.execute(
        select(EvidenceWeek.stage_level, EvidenceWeek.week_ends_on, EvidenceWeek.competency_code, EvidenceWeek.count)
        .where(EvidenceWeek.trainee_id == trainee_id)
        .order_by(EvidenceWeek.stage_level, EvidenceWeek.week_ends_on, EvidenceWeek.competency_code)
    ).all()


def test_a_full_refresh_mends_weeks_of_two_weekdays_left_by_a_write_that_raced_a_new_stage_start(app):
    """A write that read the old stage start while an administrator saved a new one adds its week on the old weekday,
    next to rows already rebuilt on the new one. The next full refresh finds the stray row, whichever week it is in,
    and rebuilds the trainee's weeks as a recompute makes them."""
    trainee = TraineeFactory()
    start = trainee.trainee_profile.stage_started_on
    for n in range(6):
        EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=9 * n))
    db.session.commit()
    expected = _weeks(trainee.id)
    latest = max(week for _stage, week, _code, _n in expected)
    stray = latest + timedelta(days=1)  # the latest week, as a write on a start one day later would have drawn it
    db.session.execute(update(EvidenceWeek).where(EvidenceWeek.week_ends_on == latest).values(week_ends_on=stray))
    db.session.commit()
    assert {week.weekday() for _stage, week, _code, _n in _weeks(trainee.id)} == {start.weekday(), stray.weekday()}

    progress.refresh_trainee(trainee.id)
    db.session.commit()
    assert _weeks(trainee.id) == expected


def _trainee_with_clinics() -> int:
    """A trainee with four clinics nine days apart, committed: their id."""
    trainee = TraineeFactory()
    for n in range(4):
        EvidenceFactory(trainee=trainee, title=f"Clinic {n}", occurred_on=clock.today() - timedelta(days=9 * n))
    db.session.commit()
    return trainee.id


def test_a_write_that_loaded_the_stage_start_before_an_administrator_moved_it_counts_its_week_on_the_new_start(app):
    """The write's request loaded the trainee's profile (as the new-entry page does) before an administrator, in a
    request of their own, saved a stage start on another weekday and had the weeks rebuilt. The write takes the
    start from the trainee's row as its own UPDATE of it answers, not from what it loaded, so its week is counted on
    the new weekday at once: the weeks are what the entries give, with no full refresh to mend them."""
    trainee_id, admin_id = _trainee_with_clinics(), AdminFactory().id
    profile = db.session.get(TraineeProfile, trainee_id)  # loaded by the write's request, before the save below
    start = profile.stage_started_on
    moved = start + timedelta(days=3)
    values = saved_values(profile, stage_started_on=moved)

    def administrator():
        with app.app_context():
            admin_services.save_profile(db.session.get(User, admin_id), db.session.get(User, trainee_id), values)
            db.session.commit()
            db.session.remove()

    saving = threading.Thread(target=administrator)
    saving.start()
    saving.join(60)
    assert not saving.is_alive() and profile.stage_started_on == start  # saved; the write still holds the old start

    EvidenceFactory(trainee=db.session.get(User, trainee_id), title="Clinic after the move", occurred_on=clock.today())
    db.session.expire_all()
    assert db.session.get(TraineeProfile, trainee_id).stage_started_on == moved
    assert {week for _stage, week, _code, _n in _weeks(trainee_id)} <= {moved + timedelta(days=7 * k) for k in range(-60, 60)}
    assert timeline(trainee_id, "higher", moved) == from_entries(trainee_id, "higher", moved)


def test_a_write_waiting_for_an_administrators_save_counts_its_week_on_the_start_they_saved(app):
    """The same two requests at once: the administrator's save holds the trainee's row (PostgreSQL's row lock, SQLite's
    one writer) while the write, which loaded the old start, reaches its own UPDATE of it and waits. Once the save
    commits, the write's UPDATE answers the new start and its week is counted on it."""
    trainee_id, admin_id = _trainee_with_clinics(), AdminFactory().id
    start = db.session.get(TraineeProfile, trainee_id).stage_started_on
    moved = start + timedelta(days=3)
    values = saved_values(db.session.get(TraineeProfile, trainee_id), stage_started_on=moved)
    loaded, holding, failures, starts = threading.Event(), threading.Event(), [], []

    def write():
        with app.app_context():
            try:
                seen = db.session.get(TraineeProfile, trainee_id)  # loaded before the save, and held (as the request's
                starts.append(seen.stage_started_on)  # user holds it) so the session keeps this object
                loaded.set()
                holding.wait(30)
                EvidenceFactory(trainee=db.session.get(User, trainee_id), title="Clinic at the move", occurred_on=clock.today())
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                failures.append(error)
            finally:
                db.session.remove()

    def administrator():
        with app.app_context():
            try:
                loaded.wait(30)
                admin_services.save_profile(db.session.get(User, admin_id), db.session.get(User, trainee_id), values)
                holding.set()  # the profile's UPDATE is flushed: the row is held until the commit
                time.sleep(0.5)  # long enough for the write to reach its UPDATE and wait
                db.session.commit()
            except Exception as error:  # noqa: BLE001
                failures.append(error)
                holding.set()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write), threading.Thread(target=administrator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures and not any(thread.is_alive() for thread in threads), failures
    assert starts == [start]  # the write had loaded the old start
    db.session.expire_all()
    assert db.session.get(TraineeProfile, trainee_id).stage_started_on == moved
    assert {week for _stage, week, _code, _n in _weeks(trainee_id)} <= {moved + timedelta(days=7 * k) for k in range(-60, 60)}
    assert timeline(trainee_id, "higher", moved) == from_entries(trainee_id, "higher", moved)


def test_a_full_refresh_of_a_trainee_without_evidence_reads_and_writes_no_weeks(app):
    """A region's rule change refreshes every trainee of the region: one without evidence costs the weeks two reads
    (no week kept, no current entry), and nothing is deleted or rebuilt. One whose entries went uncounted (no week
    kept) has them rebuilt."""
    trainee = TraineeFactory()
    db.session.commit()
    sent = statements_during(lambda: progress.refresh_trainee(trainee.id))
    weeks = [s for s in sent if "evidence_week" in s]
    assert len(weeks) == 1 and weeks[0].lstrip().upper().startswith("SELECT"), weeks
    assert not any(s.lstrip().upper().startswith(("DELETE", "INSERT")) and "evidence_week" in s for s in sent)

    EvidenceFactory(trainee=trainee, occurred_on=clock.today())
    db.session.commit()
    expected = _weeks(trainee.id)
    db.session.execute(delete(EvidenceWeek).where(EvidenceWeek.trainee_id == trainee.id))
    db.session.commit()
    progress.refresh_trainee(trainee.id)
    db.session.commit()
    assert expected and _weeks(trainee.id) == expected
