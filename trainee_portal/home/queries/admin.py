"""The administrator's home: what needs attention. Accounts awaiting their first sign-in, curriculum drafts waiting
to be activated, emails the outbox failed to send, and how old the latest backup is; each a count or a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from competencies import attention
from trainee_portal.admin.queries import awaiting_first_sign_in, outbox_failed
from trainee_portal.extensions import db
from trainee_portal.maintenance.backup import latest_backup
from trainee_portal.models import CurriculumUpload, OutboxMessage, User
from trainee_portal.platform.clock import utcnow


@dataclass(frozen=True)
class Count:
    count: int
    oldest: datetime | None = None

    def days(self, now: datetime) -> int | None:
        return attention.days_waiting(self.oldest, now) if self.oldest else None


@dataclass(frozen=True)
class Backup:
    taken_at: datetime | None
    path: str | None
    too_old: bool
    from_future: bool = False

    def age_hours(self, now: datetime) -> int | None:
        return int((now - self.taken_at).total_seconds() // 3600) if self.taken_at else None


def _count(query) -> Count:
    count, oldest = db.session.execute(query).one()
    return Count(int(count or 0), oldest)


def admin_home(user) -> dict:
    now = utcnow()
    latest = latest_backup()
    taken_at, path = latest if latest else (None, None)
    return {
        "now": now,
        "accounts": _count(select(func.count(), func.min(User.created_at)).where(awaiting_first_sign_in())),
        "drafts": _count(select(func.count(), func.min(CurriculumUpload.uploaded_at)).where(CurriculumUpload.status == "draft")),
        "outbox": _count(select(func.count(), func.min(OutboxMessage.created_at)).where(outbox_failed())),
        "backup": Backup(taken_at, path, attention.backup_too_old(taken_at, now), attention.backup_from_future(taken_at, now)),
        "backup_rule": attention.BACKUP_MAX_AGE_HOURS,
    }
