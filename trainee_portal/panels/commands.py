"""`flask --app wsgi send-arcp-reminders`: the daily ARCP job. Keeps every upcoming panel's readiness current, queues
the reminders due before each cut-off, freezes the packs of panels whose cut-off day is over (as
`freeze-panel-packs` does), then sends due email as `send-reminders` does."""

from __future__ import annotations

import click
from flask import Flask

from trainee_portal.notifications.sender import send_due
from trainee_portal.packs.services import freeze_due
from trainee_portal.panels.reminders import queue_arcp_reminders


def init_cli(app: Flask) -> None:
    app.cli.add_command(send_arcp_reminders)


@click.command("send-arcp-reminders")
def send_arcp_reminders() -> None:
    """Daily: refresh ARCP readiness, queue reminders 4 weeks, 2 weeks and 2 working days before each cut-off (a missed
    day's step goes on the next run, never after the cut-off), freeze the packs of panels past their cut-off, then send
    due email."""
    report = queue_arcp_reminders()
    frozen = freeze_due()
    click.echo(
        f"Readiness refreshed for {report.refreshed} trainee place{'' if report.refreshed == 1 else 's'} on upcoming panels; "
        f"reminded {report.reminded} trainee{'' if report.reminded == 1 else 's'} and {report.supervisors} "
        f"supervisor{'' if report.supervisors == 1 else 's'}; {report.skipped_green} green needed none. "
        f"Froze {frozen} panel pack{'' if frozen == 1 else 's'}."
    )
    sent = send_due()
    click.echo(f"Sent {sent.sent}, failed {sent.failed} (will retry), gave up on {sent.gave_up}.")
    for line in sent.errors:
        click.echo(f"  {line}", err=True)
    if sent.failed or sent.gave_up:
        raise SystemExit(1)
