"""`flask --app wsgi backup DEST`, `flask --app wsgi restore SRC` and `flask --app wsgi remove-orphan-uploads`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from trainee_portal.evidence.attachments import upload_dir
from trainee_portal.maintenance.backup import BackupError, backup, restore
from trainee_portal.maintenance.uploads import GRACE_SECONDS, orphan_uploads


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(remove_orphan_uploads_command)


def _audit_chain_status() -> tuple[bool, str]:
    from trainee_portal.audit import verify_chain
    report = verify_chain()
    if not report.ok:
        return False, f"the audit chain does NOT verify at record {report.first_bad_id}: {report.reason}"
    return True, f"audit chain verified ({report.checked} records)"


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace DEST if it already exists.")
def backup_command(dest: Path, force: bool) -> None:
    """Write a consistent backup of the database to DEST (a file, or a folder for a dated file)."""
    try:
        summary = backup(dest, overwrite=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    ok, chain = _audit_chain_status()  # back up even a broken chain: the copy is evidence too
    click.echo(f"Backed up the {summary.engine} database ({summary.tables} tables, {summary.rows} rows) to {summary.path}; {chain}")
    if not ok:
        raise SystemExit(1)


@click.command("restore")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(src: Path, force: bool) -> None:
    """Replace the database with the backup in SRC (refuses to overwrite data without --force)."""
    try:
        summary = restore(src, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    ok, chain = _audit_chain_status()
    click.echo(f"Restored the {summary.engine} database from {summary.path} ({summary.tables} tables, {summary.rows} rows); {chain}")
    if not ok:
        raise SystemExit(1)


@click.command("remove-orphan-uploads")
@click.option("--dry-run", is_flag=True, help="List the files that would be removed, and remove nothing.")
@click.option("--grace-minutes", type=click.IntRange(min=0), default=GRACE_SECONDS // 60, show_default=True,
              help="Leave files younger than this alone: their evidence may still be being saved.")
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
