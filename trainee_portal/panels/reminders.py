"""ARCP reminders before each panel's cut-off (competencies.readiness.REMINDER_STEPS: 4 weeks, 2 weeks and 2 working
days before it): on each step's date, or the first run after if runs were missed, never after the cut-off, every
trainee not green gets an email and in-app message with their colour, reasons, items and the cut-off, and so does
each supervisor holding a pending sign-off request for their items. Each step is sent once per trainee and panel
(ArcpReminder is unique): the reminder row and its messages are one transaction, and a concurrent run's row wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from competencies.readiness import GREEN, REMINDER_LABELS, REMINDER_STEPS, STAGE_KINDS, due_step, reminder_dates
from trainee_portal.extensions import db
from trainee_portal.models import ArcpPanel, ArcpPanelTrainee, ArcpReminder, SignOffRequest, User
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.platform.bank_holidays import bank_holidays
from trainee_portal.platform.clock import uk_today
from trainee_portal.summaries import readiness

LOOKAHEAD_DAYS = 28  # the earliest step: 4 weeks before the cut-off


@dataclass
class ReminderReport:
    refreshed: int = 0
    reminded: int = 0
    supervisors: int = 0
    skipped_green: int = 0
    already_sent: int = 0


def due_panels(today: date) -> list[ArcpPanel]:
    """Panels not cancelled whose cut-off is today or within the next four weeks (where a step can be due)."""
    return list(
        db.session.scalars(
            select(ArcpPanel)
            .where(
                ArcpPanel.cancelled_at.is_(None),
                ArcpPanel.cutoff_date >= today,
                ArcpPanel.cutoff_date <= today + timedelta(days=LOOKAHEAD_DAYS),
            )
            .order_by(ArcpPanel.cutoff_date, ArcpPanel.id)
        )
    )


def _sent_steps(panel_id: int) -> dict[int, set[str]]:
    sent: dict[int, set[str]] = {}
    for trainee_id, step in db.session.execute(
        select(ArcpReminder.trainee_id, ArcpReminder.step).where(ArcpReminder.panel_id == panel_id)
    ):
        sent.setdefault(trainee_id, set()).add(step)
    return sent


def _lines(detail: dict, held: set[int] | None = None) -> str:
    """The open items and the entries waiting for a sign-off; with `held`, only the entries a supervisor holds (and
    their items): a supervisor is never told of entries waiting for someone else."""
    lines = []
    for item in readiness.open_items(detail):
        pending = [p for p in item.get("pending", []) if held is None or p.get("ref") in held]
        if held is not None and (not pending or item.get("what") in STAGE_KINDS):
            continue
        lines.append(f"- {item['reason']}")
        lines += [f'    waiting for a sign-off: "{p["title"]}" ({p["on"]})' for p in pending]
    return "\n".join(lines)


def _pending_supervisors(detail: dict) -> list[tuple[User, set[int]]]:
    """Supervisors holding a pending request for the evidence items the read model names as waiting, each with the
    entries they hold."""
    refs = [
        p["ref"] for item in readiness.open_items(detail) if item.get("what") not in STAGE_KINDS for p in item.get("pending", [])
    ]
    if not refs:
        return []
    held: dict[int, set[int]] = {}
    for supervisor_id, evidence_id in db.session.execute(
        select(SignOffRequest.supervisor_id, SignOffRequest.evidence_id).where(
            SignOffRequest.evidence_id.in_(refs), SignOffRequest.status == "pending", SignOffRequest.supervisor_id.is_not(None)
        )
    ):
        held.setdefault(supervisor_id, set()).add(evidence_id)
    users = db.session.scalars(select(User).where(User.id.in_(held), User.active.is_(True)).order_by(User.id))
    return [(user, held[user.id]) for user in users]


def _send(panel: ArcpPanel, row: ArcpPanelTrainee, step: str, today: date) -> int:
    """Queue the step's messages for one trainee; returns how many supervisors were told."""
    detail = readiness.detail_of(row)
    trainee = row.trainee
    when = f"{panel.cutoff_date:%A %-d %B %Y}"
    colour = row.readiness.capitalize()
    reasons = " ".join(detail.get("reasons", []))
    notify(
        user=trainee,
        category="arcp.reminder",
        link=app_path("arcp.mine"),
        subject=f"ARCP evidence cut-off {when}: {colour}",
        body=(
            f"Your ARCP panel meets on {panel.panel_date:%-d %B %Y}. Evidence counts up to the cut-off, {when} "
            f"({REMINDER_LABELS[step]}).\n\nYour readiness: {colour}. {reasons}\n\n{_lines(detail)}\n\n"
            f"See what to do: {external_url('arcp.mine')}\n"
        ),
    )
    supervisors = _pending_supervisors(detail)
    for supervisor, held in supervisors:
        notify(
            user=supervisor,
            category="arcp.reminder.supervisor",
            link=app_path("signoff.queue"),
            subject=f"{trainee.name}'s ARCP evidence cut-off is {when}",
            body=(
                f"{trainee.name} has items waiting for your sign-off before their ARCP evidence cut-off, {when}:\n\n"
                f"{_lines(detail, held)}\n\nYour queue: {external_url('signoff.queue')}\n"
            ),
        )
    db.session.add(ArcpReminder(panel_id=panel.id, trainee_id=row.trainee_id, step=step, sent_on=today))
    return len(supervisors)


def queue_arcp_reminders(today: date | None = None) -> ReminderReport:
    """Refresh every upcoming panel's readiness (pace and days move daily), then queue the steps due; commits."""
    today = today or uk_today()
    report = ReminderReport(refreshed=readiness.refresh_all())
    db.session.commit()
    for panel in due_panels(today):
        holidays = bank_holidays(panel.region.nation, panel.cutoff_date)
        sent = _sent_steps(panel.id)
        rows = db.session.scalars(
            select(ArcpPanelTrainee).where(ArcpPanelTrainee.panel_id == panel.id).order_by(ArcpPanelTrainee.id)
        ).all()
        for row in rows:
            step = due_step(panel.cutoff_date, today, holidays, sent.get(row.trainee_id, ()))
            if step is None:
                continue
            if row.readiness == GREEN:
                report.skipped_green += 1
                continue
            told = _send(panel, row, step, today)
            try:
                db.session.commit()
            except IntegrityError:  # a concurrent run sent this step first: its row and messages stand, ours go
                db.session.rollback()
                report.already_sent += 1
                continue
            report.reminded += 1
            report.supervisors += told
    return report


def schedule_of(panel: ArcpPanel) -> list[tuple[str, date]]:
    """The panel's reminder steps and their dates (for pages)."""
    dates = reminder_dates(panel.cutoff_date, bank_holidays(panel.region.nation, panel.cutoff_date))
    return [(REMINDER_LABELS[step], dates[step]) for step in REMINDER_STEPS]
