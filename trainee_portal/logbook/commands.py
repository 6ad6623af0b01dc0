"""`flask --app wsgi import-logbook FILE --trainee EMAIL [--format portal|llp|generic] [--map "Column=field" ...]
[--mapping JSON] [--dry-run]`: the import from the command line, with progress bars, in each format the import page
reads (an LLP export or another spreadsheet through a mapping of its columns, guessed from the headers unless given)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import func, select

from competencies import import_formats as formats
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.imports import services
from trainee_portal.logbook import attachments, csv_io
from trainee_portal.models import User
from trainee_portal.platform.words import plural

MAX_ERRORS_PRINTED = 100


def init_app(app: Flask) -> None:
    app.cli.add_command(import_logbook)


@click.command("import-logbook")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--trainee", "email", required=True, help="Email address of the trainee whose logbook receives the rows.")
@click.option(
    "--format",
    "source_format",
    type=click.Choice(list(formats.FORMATS)),
    default=formats.PORTAL,
    show_default=True,
    help="portal: this logbook's own CSV; llp: an RCoA LLP logbook export; generic: another spreadsheet (CSV or .xlsx).",
)
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="For llp or generic: the field a column fills.")
@click.option("--mapping", "mapping_json", help='For llp or generic: the whole mapping as JSON, {"Column": "field"}.')
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be imported; save nothing.")
def import_logbook(
    path: Path, email: str, source_format: str, maps: tuple[str, ...], mapping_json: str | None, dry_run: bool
) -> None:
    """Import a logbook file for one trainee: every row is checked first, and nothing is saved unless all pass; rows
    already in the logbook are skipped. An LLP export or another spreadsheet is read through a mapping of its columns
    (guessed from its headers; --map or --mapping choose)."""
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
    mapping = _mapping(source_format, maps, mapping_json)
    if dry_run:
        _dry_run(user, data, path.name, source_format, mapping)
        return
    try:
        rows, mapping = services.prepare(data, path.name, source_format, mapping)
    except services.ImportRefused as refused:
        click.echo(f"{path.name}: nothing imported:", err=True)
        for message in refused.messages:
            click.echo(f"  {message}", err=True)
        raise SystemExit(1) from None
    if mapping:
        click.echo("Columns: " + "; ".join(f"{c} → {formats.LABELS[f]}" for c, f in mapping.items()))
    started = time.perf_counter()
    with click.progressbar(length=rows, label="Checking rows", show_pos=True) as bar:
        result = services.check_rows(data, path.name, source_format, mapping, curriculum, on_row=lambda: bar.update(1))
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


def _mapping(source_format: str, maps: tuple[str, ...], mapping_json: str | None) -> dict[str, str] | None:
    """The mapping the options give ({column: field}), or None to guess it from the headers."""
    if source_format == formats.PORTAL:
        if maps or mapping_json:
            raise click.BadParameter("this logbook's own CSV names its columns: --map and --mapping are for llp or generic")
        return None
    if not maps and not mapping_json:
        return None
    mapping: dict[str, str] = {}
    if mapping_json:
        try:
            mapping = json.loads(mapping_json)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"not JSON: {error}", param_hint="--mapping") from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise click.BadParameter('give an object of column names to fields, {"Column": "field"}', param_hint="--mapping")
    for item in maps:
        column, equals, field = item.rpartition("=")
        if not equals or not column.strip():
            raise click.BadParameter(f"{item!r}: write it as Column=field", param_hint="--map")
        mapping[column.strip()] = field.strip()
    return mapping


def _dry_run(user: User, data: bytes, filename: str, source_format: str, mapping: dict[str, str] | None) -> None:
    """Say what the import would do, saving nothing; exit 1 when the file as a whole would be refused."""
    report = services.check(user, data, filename, source_format, mapping)
    if report.refused:
        click.echo(f"{filename}: would not be imported:", err=True)
        for message in report.refused:
            click.echo(f"  {message}", err=True)
        raise SystemExit(1)
    if report.mapping:
        click.echo("Columns: " + "; ".join(f"{c} → {formats.LABELS[f]}" for c, f in report.mapping.items()))
    skipped = report.skipped_lines
    click.echo(
        f"Dry run, nothing saved: {report.would_import:,} would be imported, {len(skipped):,} already in the logbook"
        f"{' (rows ' + ', '.join(map(str, skipped[:10])) + (', …' if len(skipped) > 10 else '') + ')' if skipped else ''}, "
        f"{len(report.rejected_lines):,} rejected."
    )
    for error in report.errors[:MAX_ERRORS_PRINTED]:
        click.echo(f"  row {error.row}, column {error.column}: {error.message}")
    if len(report.errors) > MAX_ERRORS_PRINTED:
        click.echo(f"  … and {len(report.errors) - MAX_ERRORS_PRINTED} more")
