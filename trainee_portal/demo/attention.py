"""Demo data for the administrator's home: an account invited two days ago that has not signed in yet (its
invitation email bounced, so the outbox shows one failure) and a curriculum upload waiting as a draft."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from trainee_portal.admin import services
from trainee_portal.demo.accounts import by_email, email
from trainee_portal.extensions import db
from trainee_portal.models import OutboxMessage
from trainee_portal.platform.clock import utcnow

INVITED = ("Dr Ben Carter", "ben.carter")
BOUNCE = "SMTPRecipientsRefused: {'ben.carter@example.org': (550, b'5.1.1 Recipient address rejected: User unknown')}"
DRAFT_VERSION = "2021.1"
SHIPPED_2021 = Path(__file__).resolve().parents[2] / "competencies" / "curricula" / "pain-2021.toml"


def load(password_hash: str, now: datetime | None = None) -> None:
    """The invited account gets the demo password (still to be changed at its first sign-in), so it can be tried."""
    now = now or utcnow()
    admin = by_email("admin")
    name, local = INVITED
    invited, _ = services.invite(admin, email(local), name, ["supervisor"], None)
    invited.created_at = now - timedelta(days=2)  # two calendar days ago, whatever the time of day (not 2 days and hours)
    invited.password_hash = password_hash
    db.session.flush()
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.user_id == invited.id, OutboxMessage.category == "account.invited")
    )
    message.created_at = invited.created_at
    message.attempts = 3
    message.last_error = BOUNCE
    message.next_attempt_at = now + timedelta(hours=2)

    text = SHIPPED_2021.read_text(encoding="utf-8").replace('version = "2021"', f'version = "{DRAFT_VERSION}"', 1)
    raw = text.encode("utf-8")
    filename = f"pain-{DRAFT_VERSION}.toml"
    draft = services.save_draft(admin, filename, raw, services.parse_upload(filename, raw))
    draft.uploaded_at = now - timedelta(days=1)
    db.session.flush()
