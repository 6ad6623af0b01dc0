"""Delivering outbox rows over SMTP (config MAIL_*), with retries and exponential backoff.

A row is claimed before sending so two senders never send it twice; a failure only reschedules the row,
so the change that caused the email is never affected.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select, update

from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage
from trainee_portal.notifications.renderers import render_body
from trainee_portal.platform.clock import utcnow

LEASE = timedelta(minutes=10)  # a crashed sender's claim lapses after this


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failure, at most six hours."""
    base = int(current_app.config.get("MAIL_RETRY_BASE_SECONDS", 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def due_messages(now: datetime, limit: int) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at.is_not(None), OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def _claim(message: OutboxMessage, now: datetime) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.next_attempt_at == message.next_attempt_at,
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


class _Connection:
    """One SMTP session for a batch, opened on first use and reopened after an error."""

    def __init__(self, config):
        self.config, self.smtp = config, None

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            smtp = smtplib.SMTP(self.config["MAIL_SERVER"], int(self.config["MAIL_PORT"]), timeout=15)
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
            self.smtp = smtp
        self.smtp.send_message(email)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None


def _email(message: OutboxMessage, body: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email.set_content(body)
    return email


def send_due(limit: int = 200, now: datetime | None = None) -> SendReport:
    """Send every message whose time has come; returns what happened."""
    now = now or utcnow()
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS", 10))
    report, connection = SendReport(), _Connection(current_app.config)
    try:
        for message in due_messages(now, limit):
            if not _claim(message, now):
                continue
            body = render_body(message, now)  # one-time links are minted here, by the renderer their feature registered
            if body is None:  # the request was cancelled or decided before its link went out
                message.next_attempt_at, message.last_error = None, "Not sent: the request or link was no longer pending."
                db.session.commit()
                report.skipped += 1
                continue
            try:
                connection.send(_email(message, body))
            except (smtplib.SMTPException, OSError) as error:
                connection.close()
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:300]
                if message.attempts >= max_attempts:
                    message.next_attempt_at = None
                    report.gave_up += 1
                else:
                    message.next_attempt_at = now + backoff(message.attempts)
                    report.failed += 1
                report.errors.append(f"message {message.id} to {message.to_email}: {message.last_error}")
                db.session.commit()
                continue
            message.attempts += 1
            message.sent_at, message.next_attempt_at, message.last_error = utcnow(), None, None
            db.session.commit()
            report.sent += 1
    finally:
        connection.close()
    return report
