"""Command-line tasks (`flask --app wsgi <command>`): demo data, accounts, curriculum checks, progress rebuilds."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from sqlalchemy import func, select

from competencies import CurriculumError, load_curriculum_text
from trainee_portal import policy
from trainee_portal.demo import load_demo
from trainee_portal.demo.accounts import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_PASSWORD_MIN_LENGTH, OLD_DEMO_DOMAIN
from trainee_portal.drafts import commands as draft_commands
from trainee_portal.extensions import db
from trainee_portal.logbook import commands as logbook_commands
from trainee_portal.maintenance import commands as maintenance_commands
from trainee_portal.models import ROLES, TraineeProfile, User
from trainee_portal.notifications import commands as mail_commands
from trainee_portal.packs import commands as pack_commands
from trainee_portal.panels import commands as panel_commands
from trainee_portal.platform.passwords import hash_password
from trainee_portal.platform.words import plural
from trainee_portal.signoff import commands as signoff_commands
from trainee_portal.summaries import progress


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(validate_curriculum)
    app.cli.add_command(recompute_progress)
    signoff_commands.init_cli(app)  # verify-audit
    mail_commands.init_cli(app)  # send-outbox, send-reminders
    panel_commands.init_cli(app)  # send-arcp-reminders
    maintenance_commands.init_app(app)  # backup, restore, remove-orphan-uploads
    logbook_commands.init_app(app)  # import-logbook
    pack_commands.init_app(app)  # freeze-panel-packs
    draft_commands.init_app(app)  # purge-drafts


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Remove existing demo accounts' data first (only demo accounts).")
@click.option("--password", help="The demo accounts' password (12 characters or more; default pain-demo-2026).")
def seed_demo(reset: bool, password: str | None) -> None:
    """Load the demo regions, accounts and evidence (safe to run twice)."""
    if password is not None and len(password) < DEMO_PASSWORD_MIN_LENGTH:
        raise click.BadParameter(
            f"the demo password must be at least {DEMO_PASSWORD_MIN_LENGTH} characters long "
            f"(this one has {len(password)}); nothing was loaded",
            param_hint="--password",
        )
    if db.session.scalar(select(User.id).where(User.email == f"admin@{OLD_DEMO_DOMAIN}")) is not None:
        click.echo(
            f"This database holds the demo data from before its accounts moved to @{DEMO_DOMAIN}: nothing "
            f"changed, and its accounts stay at @{OLD_DEMO_DOMAIN} with the password they were given. For "
            "the new accounts on a local copy, stop the app, delete instance/portal.sqlite3 and run scripts/run."
        )
        return
    created = load_demo(reset=reset, password=password or DEMO_PASSWORD)
    if created:
        click.echo(f"Demo data loaded: accounts at @{DEMO_DOMAIN}. Every demo account's password is: {password or DEMO_PASSWORD}")
    else:
        click.echo(
            "Demo data is already loaded; nothing changed: the demo accounts keep the password they were "
            f"given when it was loaded ({DEMO_PASSWORD} unless `seed-demo --password` chose another)."
        )


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name as shown to others, e.g. 'Dr Priya Shah'.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Repeat for several roles.")
def create_user(email: str, name: str, roles: tuple[str, ...]) -> None:
    """Create an account with a temporary password that must be changed at first sign-in."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    name = name.strip()
    if not name or len(name) > 120:
        raise click.BadParameter("give a name of 1 to 120 characters", param_hint="--name")
    if policy.roles_need_profile(roles):
        raise click.BadParameter(
            "trainees need a profile (GMC number, curriculum, region): add them in Administration", param_hint="--role"
        )
    if db.session.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == email)):
        raise click.ClickException(f"an account for {email} already exists")
    temporary = secrets.token_urlsafe(12)
    user = User(email=email, name=name, password_hash=hash_password(temporary), must_change_password=True)
    user.set_roles(roles)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {email} ({', '.join(roles)}). Temporary password: {temporary}")


@click.command("validate-curriculum")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
def validate_curriculum(path: Path) -> None:
    """Check a curriculum file and list every problem with its place in the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not a UTF-8 text file") from None
    try:
        curriculum = load_curriculum_text(text, path.name)
    except CurriculumError as error:
        click.echo(f"{path.name}: {plural(len(error.issues), 'problem')} found:", err=True)
        for issue in error.issues:
            click.echo(f"  {issue}", err=True)
        raise SystemExit(1) from None
    click.echo(
        f"{path.name}: valid curriculum {curriculum.version} – {plural(len(curriculum.stages), 'stage')}, "
        f"{plural(len(curriculum.competencies), 'competency', 'competencies')}."
    )


@click.command("recompute-progress")
def recompute_progress() -> None:
    """Rebuild every trainee's progress summary from the evidence itself."""
    total = db.session.scalar(select(func.count()).select_from(TraineeProfile))
    with click.progressbar(length=total, label="Recomputing progress") as bar:
        progress.recompute_all(on_trainee=lambda _id: bar.update(1))
    db.session.commit()
    click.echo(f"Recomputed progress for {plural(total, 'trainee')}.")
