"""The administrator's home: accounts awaiting first sign-in, curriculum drafts, emails not sent and the latest
backup's age, each counted and linked to its list; nothing alarming when all is well; nobody else sees it."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from competencies import attention
from tests import factories as make
from tests.support import clock
from tests.support.statements import home_statements
from trainee_portal.extensions import db
from trainee_portal.maintenance import backup
from trainee_portal.models import CurriculumUpload, OutboxMessage
from trainee_portal.platform.clock import utcnow


def _text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", response.data.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",")


def _invited(name="Dr Invited", days=3, **kw):
    user = make.SupervisorFactory(name=name, must_change_password=True, **kw)
    user.created_at = clock.ago(days=days)
    db.session.commit()
    return user


def _failed_email(days=2, attempts=3, **kw):
    message = OutboxMessage(
        to_email="someone@example.org",
        subject="Your account",
        body="Hello",
        category="account.invited",
        created_at=clock.ago(days=days),
        attempts=attempts,
        last_error="SMTPConnectError: (421, b'Service not available')",
    )
    db.session.add(message)
    db.session.flush()
    for key, value in kw.items():  # after the insert: an explicit None would otherwise take the column's default
        setattr(message, key, value)
    db.session.commit()
    return message


def _latest_backup_file(app) -> Path:
    return Path(app.instance_path) / backup.LATEST_FILE


def test_all_well_shows_nothing_alarming_but_the_missing_backup(client, login, app):
    _latest_backup_file(app).unlink(missing_ok=True)
    admin = make.AdminFactory()
    make.SupervisorFactory(last_login_at=clock.ago(days=1))
    login(admin)
    response = client.get("/")
    text = _text(response)
    assert "What needs attention" in text
    assert "Every invited account has signed in" in text
    assert "No curriculum drafts waiting" in text
    assert "Every email tried has been sent" in text
    assert "No backup yet on this server" in text
    assert response.data.decode().count("nhsuk-tag--red") == 1  # only the missing backup


def test_counts_link_to_the_lists_behind_them(client, login):
    admin = make.AdminFactory()
    _invited("Dr Waiting One", days=4)
    _invited("Dr Waiting Two", days=1)
    signed_in = _invited("Dr Signed In")
    signed_in.last_login_at = clock.ago(hours=2)
    _invited("Dr Deactivated", active=False)
    make.SupervisorFactory(name="Dr Demo Account")  # no temporary password: not an invitation
    db.session.add(CurriculumUpload(version="2021.1", filename="a.toml", content="x", uploaded_by_id=admin.id))
    db.session.add(CurriculumUpload(version="2021.2", filename="b.toml", content="x", status="retired", uploaded_by_id=admin.id))
    _failed_email(days=5)
    _failed_email(days=1, attempts=10, next_attempt_at=None)
    db.session.add(OutboxMessage(to_email="a@example.org", subject="s", body="b", category="c"))  # queued, not tried
    db.session.add(
        OutboxMessage(
            to_email="b@example.org",
            subject="s",
            body="b",
            category="c",
            attempts=0,
            next_attempt_at=None,
            last_error="Not sent: the request or link was no longer pending.",
        )
    )
    db.session.commit()
    login(admin)
    response = client.get("/")
    text, html = _text(response), response.data.decode()
    assert "2 accounts awaiting first sign-in, the oldest invited 4 days ago" in text
    assert "1 curriculum draft waiting to be checked and activated, uploaded today" in text
    assert "2 emails not sent, the oldest queued 5 days ago" in text
    assert 'href="/admin/users?status=awaiting-sign-in"' in html
    assert 'href="/admin/curricula"' in html and 'href="/admin/outbox"' in html

    listed = _text(client.get("/admin/users?status=awaiting-sign-in"))
    assert "Dr Waiting One" in listed and "Dr Waiting Two" in listed and "2 accounts." in listed
    assert "Dr Signed In" not in listed and "Dr Deactivated" not in listed and "Dr Demo Account" not in listed

    outbox = _text(client.get("/admin/outbox"))
    assert "2 emails not sent." in outbox and "SMTPConnectError" in outbox and "Given up" in outbox
    assert "a@example.org" not in outbox and "b@example.org" not in outbox


def test_signing_in_takes_an_account_off_the_count(client, login):
    admin = make.AdminFactory()
    invited = _invited("Dr Newcomer")
    login(invited)
    client.post("/logout")
    login(admin)
    assert "Every invited account has signed in" in _text(client.get("/"))


def test_backup_age_comes_from_the_last_backup_written(client, login, app, tmp_path):
    admin = make.AdminFactory()
    backup.backup(tmp_path)
    recorded = json.loads(_latest_backup_file(app).read_text())
    assert recorded["path"].startswith(str(tmp_path))
    login(admin)
    response = client.get("/")
    text = _text(response)
    assert "Latest backup less than an hour ago" in text and str(tmp_path) in text
    assert "nhsuk-tag--red" not in response.data.decode()

    old = utcnow() - timedelta(hours=attention.BACKUP_MAX_AGE_HOURS.value + 5)
    _latest_backup_file(app).write_text(json.dumps({"path": "/srv/backups/x.tar.gz", "taken_at": old.isoformat()}))
    text = _text(client.get("/"))
    assert "Latest backup 31 hours ago" in text and f"Older than {attention.BACKUP_MAX_AGE_HOURS.value} hours" in text
    _latest_backup_file(app).write_text("not json")
    assert "No backup yet on this server" in _text(client.get("/"))
    _latest_backup_file(app).unlink()


def test_non_admins_never_see_the_section_nor_the_outbox_list(client, login):
    director = make.DirectorFactory()
    login(director)
    assert "What needs attention" not in _text(client.get("/"))
    assert client.get("/admin/outbox").status_code == 403


def test_rules_are_the_programmes_own():
    assert attention.BACKUP_MAX_AGE_HOURS.provenance.startswith("The programme's own suggestion")
    assert attention.ARCP_COMING_DAYS.provenance.startswith("The programme's own suggestion")
    now = utcnow()
    assert attention.backup_too_old(None, now)
    assert not attention.backup_too_old(now - timedelta(hours=attention.BACKUP_MAX_AGE_HOURS.value), now)
    assert attention.backup_too_old(now - timedelta(hours=attention.BACKUP_MAX_AGE_HOURS.value, minutes=1), now)


def test_statement_count_does_not_grow_with_the_data(client, login):
    admin = make.AdminFactory()
    _invited()
    _failed_email()
    login(admin)
    client.get("/")
    small = home_statements(client)
    for n in range(20):
        _invited(f"Dr Invited {n}")
        _failed_email()
        make.TraineeFactory()
    client.get("/")
    assert home_statements(client) == small
