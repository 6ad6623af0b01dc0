"""`flask --app wsgi freeze-panel-packs`: freeze the pack of every trainee whose panel's cut-off day is over (run it
daily, just after midnight; a page asking for a pack freezes it too, with the same result)."""

from __future__ import annotations

import click
from flask import Flask

from trainee_portal.packs.services import freeze_due


def init_app(app: Flask) -> None:
    app.cli.add_command(freeze_panel_packs)


@click.command("freeze-panel-packs")
def freeze_panel_packs() -> None:
    """Freeze the packs of panels whose evidence cut-off day is over."""
    frozen = freeze_due()
    click.echo(f"Froze {frozen} panel pack{'' if frozen == 1 else 's'}.")
