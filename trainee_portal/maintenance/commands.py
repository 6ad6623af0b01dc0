"""`flask --app wsgi backup DEST`, `flask --app wsgi restore SRC` and `flask --app wsgi remove-orphan-uploads`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from trainee_portal.extensions import APP_FACTORY
from trainee_portal.integrity import verify_all
from trainee_portal.logbook.attachments import upload_dir
from trainee_portal.maintenance.backup import BackupError, backup, known_revisions, restore
from trainee_portal.maintenance.uploads import GRACE_SECONDS, orphan_uploads


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(remove_orphan_uploads_command)


def _audit_chain_status() -> tuple[bool, str]:
    """verify-audit's full check, in one phrase for the backup and restore messages."""
    report = verify_all(limit=1)
    if not report.ok:
        first = report.problems[0]
        return False, (
            f"the record does NOT verify ({report.problem_count} problem{'s' if report.problem_count != 1 else ''}; "
            f"first: [{first.kind}] {first.where}: {first.detail}); run verify-audit for all of them"
        )
    return (
        True,
        f"the audit log, its signed heads and every decision row verified ({report.checked.get('audit records', 0)} records)",
    )


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace DEST if it already exists.")
def backup_command(dest: Path, force: bool) -> None:
    """Write one .tar.gz backup to DEST (a file, or a folder for a dated file): the database, the uploaded
    files it refers to, and a manifest with the schema revision, row counts and every file's SHA-256."""
    try:
        summary = backup(dest, overwrite=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    ok, chain = _audit_chain_status()  # back up even a broken chain: the copy is evidence too
    click.echo(
        f"Backed up the {summary.engine} database ({summary.tables} tables, {summary.rows} rows, schema revision "
        f"{summary.schema_revision}) and {summary.uploads} uploaded file{'' if summary.uploads == 1 else 's'} "
        f"to {summary.path}; {chain}"
    )
    if summary.missing_uploads:
        click.echo(
            f"WARNING: {len(summary.missing_uploads)} uploaded file(s) the evidence refers to are missing from "
            f"{upload_dir()} and are not in the backup: {', '.join(summary.missing_uploads[:10])}. A restore of "
            "this backup will be refused until they are found.",
            err=True,
        )
    if not ok or summary.missing_uploads:
        raise SystemExit(1)


@click.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(src: Path, force: bool) -> None:
    """Check the backup in SRC completely on a scratch copy, then replace the database and add its uploaded files
    (refuses a changed, damaged or unknown-revision backup, and data in the database without --force)."""
    try:
        # The scratch copy a restore checks is built by the factory that built this app, handed over here so that
        # the backup module need not import the package root (which imports the commands that import it).
        summary = restore(src, build_app=current_app.extensions[APP_FACTORY], force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    ok, chain = _audit_chain_status()
    click.echo(
        f"Restored the {summary.engine} database from {summary.path} ({summary.tables} tables, {summary.rows} rows, "
        f"schema revision {summary.schema_revision}) and {summary.uploads} uploaded "
        f"file{'' if summary.uploads == 1 else 's'}; {chain}"
    )
    _, head = known_revisions()
    if summary.schema_revision != head:
        click.echo(
            f"The backup is at schema revision {summary.schema_revision}; run `flask --app wsgi db upgrade` "
            f"to bring it to {head}."
        )
    if not ok:
        raise SystemExit(1)


@click.command("remove-orphan-uploads")
@click.option("--dry-run", is_flag=True, help="List the files that would be removed, and remove nothing.")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=GRACE_SECONDS // 60,
    show_default=True,
    help="Leave files younger than this alone: their evidence may still be being saved.",
)
def remove_orphan_uploads_command(dry_run: bool, grace_minutes: int) -> None:
    """Remove uploaded files that no evidence entry refers to (older than the grace period)."""
    orphans = orphan_uploads(grace_minutes * 60)
    total = 0
    for path in orphans:
        size = path.stat().st_size
        total += size
        if not dry_run:
            path.unlink(missing_ok=True)
        click.echo(f"{'would remove' if dry_run else 'removed'} {path.name} ({size:,} bytes)")
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {len(orphans)} orphaned upload{'' if len(orphans) == 1 else 's'} ({total:,} bytes) from {upload_dir()}.")
