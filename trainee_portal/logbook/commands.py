"""`flask --app wsgi import-logbook FILE --trainee EMAIL`: the CSV import from the command line, with progress bars."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments, csv_io
from trainee_portal.models import User
from trainee_portal.platform.words import plural

MAX_ERRORS_PRINTED = 100


def init_app(app: Flask) -> None:
    app.cli.add_command(import_logbook)


@click.command("import-logbook")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--trainee", "email", required=True, help="Email address of the trainee whose logbook receives the rows.")
def import_logbook(path: Path, email: str) -> None:
    """Import a CSV logbook for one trainee: every row is checked first, and nothing is saved unless all pass; rows
    already in the logbook are skipped."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no account has the email {email}", param_hint="--trainee")
    profile = user.trainee_profile
    if not policy.can_receive_logbook_import(user):
        raise click.BadParameter(f"{email} is not a trainee", param_hint="--trainee")
    problem = attachments.name_problem(path.name)
    if problem:
        raise click.BadParameter(problem, param_hint="FILE")
    curriculum = curricula.curriculum(profile.curriculum_version)
    data = path.read_bytes()
    started = time.perf_counter()
    lines = max(len(data.splitlines()) - 1, 1)  # data rows, the header aside
    with click.progressbar(length=lines, label="Checking rows", show_pos=True) as bar:
        result = csv_io.check_csv(data, curriculum, on_row=lambda: bar.update(1))
    if result.errors:
        click.echo(f"{path.name}: nothing imported – {plural(len(result.errors), 'problem')}:", err=True)
        for error in result.errors[:MAX_ERRORS_PRINTED]:
            click.echo(f"  row {error.row}, column {error.column}: {error.message}", err=True)
        if len(result.errors) > MAX_ERRORS_PRINTED:
            click.echo(f"  … and {len(result.errors) - MAX_ERRORS_PRINTED} more", err=True)
        raise SystemExit(1)
    checked = time.perf_counter()
    with click.progressbar(length=len(result.rows), label="Saving entries", show_pos=True) as bar:
        try:
            saved = csv_io.import_rows(
                None,
                profile,
                curriculum,
                result.rows,
                path.name,
                on_saved=bar.update,
                actor_label=f"import-logbook command ({path.name})",
            )
        except csv_io.RowsClaimed:
            db.session.rollback()
            raise click.ClickException("another import saved some of these rows meanwhile: run the command again") from None
    count = saved.imported
    db.session.commit()
    done = time.perf_counter()
    if result.ignored_columns:
        click.echo(f"Ignored columns: {', '.join(result.ignored_columns)}")
    if saved.skipped_lines:
        shown = ", ".join(map(str, saved.skipped_lines[:10]))
        click.echo(
            f"Skipped {len(saved.skipped_lines):,} {plural(len(saved.skipped_lines), 'row', number=False)} already in the logbook (rows {shown}{', …' if len(saved.skipped_lines) > 10 else ''})."
        )
    click.echo(
        f"Imported {count:,} {plural(count, 'entry', 'entries', number=False)} as drafts for {user.name} <{user.email}> "
        f"(checked in {checked - started:.1f} s, saved in {done - checked:.1f} s)."
    )
