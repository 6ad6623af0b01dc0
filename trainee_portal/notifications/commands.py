"""`flask --app wsgi send-outbox` and `send-reminders`: deliver queued email and remind about waiting sign-offs."""

from __future__ import annotations

import click
from flask import Flask, current_app

from trainee_portal.extensions import db
from trainee_portal.notifications.reminders import queue_reminders
from trainee_portal.notifications.sender import SendReport, send_due
from trainee_portal.platform.clock import utcnow


def init_cli(app: Flask) -> None:
    app.cli.add_command(send_outbox)
    app.cli.add_command(send_reminders)


def _echo(report: SendReport) -> None:
    click.echo(
        f"Sent {report.sent}, failed {report.failed} (will retry), gave up on {report.gave_up}, "
        f"skipped {report.skipped} no longer needed."
    )
    for line in report.errors:
        click.echo(f"  {line}", err=True)


@click.command("send-outbox")
@click.option("--limit", type=click.IntRange(1, 10000), default=200, show_default=True, help="Most messages to send in this run.")
def send_outbox(limit: int) -> None:
    """Send queued emails whose time has come; failures are retried later with backoff."""
    report = send_due(limit=limit)
    _echo(report)
    if report.failed or report.gave_up:
        raise SystemExit(1)


@click.command("send-reminders")
@click.option(
    "--days",
    type=click.IntRange(1, 365),
    default=None,
    help="Remind about requests waiting longer than this many days (default: SIGNOFF_REMINDER_DAYS).",
)
def send_reminders(days: int | None) -> None:
    """Queue reminders for sign-off requests waiting too long, then send due email."""
    days = days or int(current_app.config["SIGNOFF_REMINDER_DAYS"])
    queued = queue_reminders(days, utcnow())
    db.session.commit()
    click.echo(f"Queued {queued} reminder email{'' if queued == 1 else 's'} for requests waiting more than {days} days.")
    report = send_due()
    _echo(report)
    if report.failed or report.gave_up:
        raise SystemExit(1)
