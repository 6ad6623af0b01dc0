"""`flask --app wsgi purge-drafts`: delete form drafts untouched for longer than competencies.drafts.KEEP_DAYS
(run it daily)."""

from __future__ import annotations

import click
from flask import Flask

from competencies.drafts import KEEP_DAYS
from trainee_portal.drafts.services import purge
from trainee_portal.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_drafts)


@click.command("purge-drafts")
def purge_drafts() -> None:
    """Delete unsaved form drafts older than the days the rule keeps them."""
    count = purge()
    db.session.commit()
    click.echo(
        f"Purged {count} draft{'' if count == 1 else 's'} untouched for over {KEEP_DAYS.value} days ({KEEP_DAYS.provenance})."
    )
