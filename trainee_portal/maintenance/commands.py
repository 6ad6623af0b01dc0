"""`flask --app wsgi backup DEST` and `flask --app wsgi restore SRC`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from trainee_portal.maintenance.backup import BackupError, backup, restore


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


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
