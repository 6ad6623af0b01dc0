"""`flask --app wsgi verify-audit`, `audit-checkpoint` and `fingerprint-attachments`: checking and sealing the record."""

from __future__ import annotations

import json

import click
from flask import Flask
from sqlalchemy import select

from trainee_portal import audit
from trainee_portal.extensions import db
from trainee_portal.integrity import ATTACHMENT_ACTIONS, verify_all
from trainee_portal.logbook import attachments
from trainee_portal.models import AuditRecord, EvidenceEntry
from trainee_portal.platform.words import plural


def init_cli(app: Flask) -> None:
    app.cli.add_command(verify_audit)
    app.cli.add_command(audit_checkpoint)
    app.cli.add_command(fingerprint_attachments)


@click.command("verify-audit")
def verify_audit() -> None:
    """Check the audit chain, its signed heads and every decision row against it; exit 1 naming every failure."""
    report = verify_all()
    counts = "; ".join(f"{name}: {count}" for name, count in report.checked.items()) or "nothing recorded yet"
    for warning in report.warnings:
        click.echo(f"WARNING {warning}")
    if report.warning_count > len(report.warnings):
        click.echo(f"WARNING … and {plural(report.warning_count - len(report.warnings), 'more warning', 'more warnings')}")
    if not report.ok:
        for problem in report.problems:
            click.echo(f"FAILED {problem}", err=True)
        more = report.problem_count - len(report.problems)
        click.echo(
            f"FAILED: {report.problem_count} problem{'s' if report.problem_count != 1 else ''} found"
            f"{f' ({more} not listed)' if more else ''}. Checked {counts} in {report.seconds:.1f} s.",
            err=True,
        )
        raise SystemExit(1)
    click.echo(
        f"Audit OK: checked {counts} in {report.seconds:.1f} s. Every row that carries a decision matches "
        "the audit log, the chain is unbroken and matches every signed head."
    )


@click.command("audit-checkpoint")
def audit_checkpoint() -> None:
    """Sign the audit chain's head now (also done every AUDIT_CHECKPOINT_EVERY records and on every export)."""
    try:
        row = audit.take_checkpoint("command")
    except audit.AuditKeyError as error:
        raise click.ClickException(str(error)) from None
    if row is None:
        click.echo("The audit log is empty: nothing to sign yet.")
        return
    public = audit.signing_key().public_key()
    click.echo(
        f"Signed the head: sequence {row.sequence}, hash {row.last_hash}, key {row.key_id} "
        f"(public key {audit.public_key_text(public)}). Copied to {audit.checkpoint_file()}."
    )


@click.command("fingerprint-attachments")
@click.option("--batch", default=500, show_default=True, help="Entries per transaction.")
def fingerprint_attachments(batch: int) -> None:
    """Record the SHA-256 of certificate files stored before fingerprints existed (once each, audited)."""
    done, missing, refused, last_id = 0, [], [], 0
    while True:
        entries = db.session.scalars(
            select(EvidenceEntry)
            .where(
                EvidenceEntry.attachment_path.is_not(None), EvidenceEntry.attachment_sha256.is_(None), EvidenceEntry.id > last_id
            )
            .order_by(EvidenceEntry.id)
            .limit(batch)
        ).all()
        if not entries:
            break
        for entry in entries:
            path = attachments.file_path(entry.attachment_path)
            if _fingerprinted_before(entry):
                refused.append(f"evidence {entry.id}, file {entry.attachment_path}")
                continue
            if path is None:
                missing.append(f"evidence {entry.id}, file {entry.attachment_path}")
                continue
            entry.attachment_sha256 = attachments.file_sha256(path)
            audit.record(
                "evidence.fingerprinted",
                entry,
                {"evidence_id": entry.id, "attachment_sha256": entry.attachment_sha256},
                actor_label="fingerprint-attachments command",
            )
            done += 1
        last_id = entries[-1].id
        db.session.commit()
    click.echo(f"Fingerprinted {done} file{'s' if done != 1 else ''}.")
    for where in missing:
        click.echo(f"MISSING {where}: the file is not in the upload folder, so it was not fingerprinted", err=True)
    for where in refused:
        click.echo(
            f"REFUSED {where}: the audit log already holds this file's fingerprint and the row lost it; verify-audit names it",
            err=True,
        )
    if missing or refused:
        raise SystemExit(1)


def _fingerprinted_before(entry: EvidenceEntry) -> bool:
    """The log recorded a fingerprint for this entry already: a row without one was altered, not merely old."""
    payloads = db.session.scalars(
        select(AuditRecord.payload).where(
            AuditRecord.trainee_id == entry.trainee_id,
            AuditRecord.subject_id == entry.id,
            AuditRecord.action.in_(ATTACHMENT_ACTIONS),
        )
    )
    for text in payloads:
        try:
            if json.loads(text).get("attachment_sha256"):
                return True
        except (ValueError, AttributeError):
            continue  # a mangled record: verify-audit names it
    return False
