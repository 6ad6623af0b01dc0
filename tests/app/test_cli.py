"""Command-line tasks: clear messages for bad arguments, never a traceback."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from trainee_portal.extensions import db
from trainee_portal.models import TraineeProgress, User

VALID = "competencies/curricula/pain-2021.toml"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_validate_curriculum_accepts_a_shipped_file(app):
    result = run(app, "validate-curriculum", VALID)
    assert result.exit_code == 0 and "valid curriculum 2021" in result.output


def test_validate_curriculum_lists_every_problem_with_its_place(app, tmp_path):
    text = Path(VALID).read_text(encoding="utf-8")
    broken = text.replace('type = "wba.dops"', 'type = "wba.dopz"', 1).replace('level = "2b"', 'level = "5"', 1)
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    result = run(app, "validate-curriculum", str(path))
    assert result.exit_code == 1
    assert "broken.toml: stages[" in result.output and "wba.dopz" in result.output
    assert "Traceback" not in result.output


def test_validate_curriculum_handles_missing_syntax_error_and_binary_files(app, tmp_path):
    assert run(app, "validate-curriculum", str(tmp_path / "nope.toml")).exit_code == 2
    bad = tmp_path / "syntax.toml"
    bad.write_text("[curriculum\nversion = ", encoding="utf-8")
    result = run(app, "validate-curriculum", str(bad))
    assert result.exit_code == 1 and "syntax.toml" in result.output
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    result = run(app, "validate-curriculum", str(binary))
    assert result.exit_code == 1 and "not a UTF-8 text file" in result.output


def test_create_user_validates_its_arguments(app):
    assert (
        "not valid" in run(app, "create-user", "not-an-email", "--name", "X", "--role", "supervisor").output.lower()
        or run(app, "create-user", "not-an-email", "--name", "X", "--role", "supervisor").exit_code == 2
    )
    assert run(app, "create-user", "a@example.nhs.uk", "--name", "X", "--role", "wizard").exit_code == 2
    ok = run(app, "create-user", "new.consultant@example.nhs.uk", "--name", "Dr New", "--role", "supervisor")
    assert ok.exit_code == 0 and "Temporary password" in ok.output
    user = db.session.scalar(select(User).where(User.email == "new.consultant@example.nhs.uk"))
    assert user.must_change_password and user.has_role("supervisor")
    again = run(app, "create-user", "NEW.consultant@example.nhs.uk", "--name", "Dr New", "--role", "supervisor")
    assert again.exit_code == 1 and "already exists" in again.output


def test_seed_demo_sets_the_password_asked_for_and_says_which(app):
    from trainee_portal.platform.passwords import verify_password

    short = run(app, "seed-demo", "--password", "eleven-char")
    assert short.exit_code == 2 and "at least 12 characters" in short.output and "Traceback" not in short.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    result = run(app, "seed-demo", "--password", "quiet-harbour-lamp")
    assert result.exit_code == 0 and "password is: quiet-harbour-lamp" in result.output and "@example.org" in result.output
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert verify_password(admin.password_hash, "quiet-harbour-lamp")
    assert not verify_password(admin.password_hash, "pain-demo-2026")
    assert "keep the password" in run(app, "seed-demo").output


def test_seed_demo_leaves_demo_data_seeded_at_the_old_domain_alone_and_says_what_to_do(app):
    from tests.factories import AdminFactory

    AdminFactory(email="admin@demo.painportfolio.nhs.uk")
    users = db.session.scalar(select(func.count()).select_from(User))
    result = run(app, "seed-demo")
    assert result.exit_code == 0 and "nothing changed" in result.output and "delete instance/portal.sqlite3" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_seed_demo_is_idempotent_and_recompute_rebuilds(app):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    assert "password is: pain-demo-2026" in first.output
    users = db.session.scalar(select(func.count()).select_from(User))
    second = run(app, "seed-demo")
    assert "already loaded" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    rows = db.session.scalar(select(func.count()).select_from(TraineeProgress))
    result = run(app, "recompute-progress")
    assert result.exit_code == 0 and "Recomputed progress" in result.output
    assert db.session.scalar(select(func.count()).select_from(TraineeProgress)) == rows
