"""send-arcp-reminders with a stopped clock: reminders 4 weeks, 2 weeks and 2 working days before the cut-off (bank
holidays not counted), on those days only, once per step, to trainees not green and to supervisors holding their
pending sign-offs; a missed day's step goes on the next run, never after the cut-off."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.app.panels.conftest import PANEL_DATE, signed
from tests.factories import EvidenceFactory, SupervisorFactory, TraineeFactory, assign
from trainee_portal.extensions import db
from trainee_portal.models import ArcpReminder, OutboxMessage
from trainee_portal.panels import reminders, services
from trainee_portal.signoff import services as signoff_services


def _setting(world):
    """The trainee amber (MSF waiting for the supervisor), a colleague green (everything signed)."""
    signed(world.trainee, world.supervisor, "report.essr", "My ESSR")
    signed(world.trainee, world.supervisor, "report.mtr", "MTR")
    msf = EvidenceFactory(trainee=world.trainee, evidence_type="wba.msf", title="MSF autumn", supervision_level=None)
    signoff_services.request_signoff(world.trainee, msf, supervisor=world.supervisor)
    green = TraineeFactory(name="Dr All Signed", profile__region=world.region)
    other_supervisor = SupervisorFactory()
    assign(other_supervisor, green)
    for kind in ("report.essr", "report.mtr", "wba.msf"):
        signed(green, other_supervisor, kind, kind)
    db.session.commit()
    return green


def _schedule(world, region, *trainees):
    panel = services.schedule(
        world.director if region is world.region else world.other_director,
        region,
        None,
        PANEL_DATE,
        "ST6",
        [t.id for t in trainees],
        {t.id for t in trainees},
    )
    db.session.commit()
    return panel


def messages():
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.category.like("arcp.reminder%")).order_by(OutboxMessage.id)
    ).all()


def run_on(clock, day):
    clock.set(day)
    return reminders.queue_arcp_reminders()


def test_reminders_go_on_their_days_only_and_once(world, clock):
    green = _setting(world)
    panel = _schedule(world, world.region, world.trainee, green)
    assert panel.cutoff_date == date(2026, 12, 31)
    expected = {date(2026, 12, 3): "four_weeks", date(2026, 12, 17): "two_weeks", date(2026, 12, 29): "two_days"}
    days = [date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 17)]
    days += [date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 4)]
    seen, done = 0, set()
    for day in days:
        run_on(clock, day)
        now = messages()
        new = now[seen:]
        seen = len(now)
        if day in expected and day not in done:
            assert sorted(m.user_id for m in new) == sorted([world.trainee.id, world.supervisor.id]), day
            done.add(day)
        else:
            assert new == [], day
    steps = db.session.execute(select(ArcpReminder.step, ArcpReminder.sent_on, ArcpReminder.trainee_id)).all()
    assert sorted(steps) == sorted((step, day, world.trainee.id) for day, step in expected.items())
    trainee_mail = [m for m in messages() if m.user_id == world.trainee.id]
    assert len(trainee_mail) == 3
    assert "Thursday 31 December 2026" in trainee_mail[0].subject
    assert "Amber" in trainee_mail[0].subject and "waiting for a sign-off" in trainee_mail[0].body
    assert "MSF autumn" in trainee_mail[0].body and trainee_mail[0].link == "/arcp"
    supervisor_mail = [m for m in messages() if m.user_id == world.supervisor.id]
    assert len(supervisor_mail) == 3 and "Dr Ready Trainee" in supervisor_mail[0].subject
    assert not [m for m in messages() if m.user_id == green.id]


def test_a_missed_day_is_caught_up_once_but_never_after_the_cutoff(world, clock):
    _setting(world)
    _schedule(world, world.region, world.trainee)
    run_on(clock, date(2026, 12, 10))  # the 4-week step (3 December) was missed: sent now
    assert [r.step for r in db.session.scalars(select(ArcpReminder))] == ["four_weeks"]
    run_on(clock, date(2026, 12, 11))
    assert len(db.session.scalars(select(ArcpReminder)).all()) == 1
    run_on(clock, date(2027, 1, 1))  # after the cut-off: the 2-week and 2-day steps never go
    assert len(db.session.scalars(select(ArcpReminder)).all()) == 1


def test_scotland_counts_its_own_holidays_in_the_two_working_days(world, clock):
    signed(world.outsider, world.supervisor, "report.essr", "ESSR")
    panel = _schedule(world, world.other_region, world.outsider)
    assert panel.cutoff_date == date(2026, 12, 30)
    run_on(clock, date(2026, 12, 2))  # four weeks before: sent
    run_on(clock, date(2026, 12, 16))  # two weeks before: sent
    run_on(clock, date(2026, 12, 23))
    assert len(db.session.scalars(select(ArcpReminder)).all()) == 2
    run_on(clock, date(2026, 12, 24))  # 29 Dec, then 28 and 25 Dec bank holidays, then 24 Dec
    assert [r.sent_on for r in db.session.scalars(select(ArcpReminder).order_by(ArcpReminder.id))][-1] == date(2026, 12, 24)
    assert len(messages()) == 3  # the trainee only: no supervisor holds a pending request of theirs


def test_a_concurrent_run_that_sent_first_wins(world, clock, monkeypatch):
    _setting(world)
    _schedule(world, world.region, world.trainee)
    run_on(clock, date(2026, 12, 3))
    before = len(messages())
    monkeypatch.setattr(reminders, "_sent_steps", lambda panel_id: {})  # as a run that read before the other committed
    report = run_on(clock, date(2026, 12, 3))
    assert report.already_sent == 1 and report.reminded == 0
    assert len(messages()) == before


def test_the_command_refreshes_reminds_and_sends(world, clock, app):
    _setting(world)
    _schedule(world, world.region, world.trainee)
    clock.set(date(2026, 12, 3))
    result = app.test_cli_runner().invoke(args=["send-arcp-reminders"])
    assert "reminded 1 trainee and 1 supervisor" in result.output, result.output
    assert len(messages()) == 2
