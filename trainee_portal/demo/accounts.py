"""Demo accounts: the reserved example.org domain, the default password and how a demo account is made or found."""

from __future__ import annotations

from sqlalchemy import select

from trainee_portal.extensions import db
from trainee_portal.models import User

DEMO_PASSWORD = "pain-demo-2026"  # the default; `flask seed-demo --password` chooses another
DEMO_PASSWORD_MIN_LENGTH = 12
OLD_DEMO_DOMAIN = "demo.painportfolio.nhs.uk"  # before example.org: a copy seeded then keeps those accounts
DEMO_DOMAIN = "example.org"  # reserved for examples (RFC 2606): no real organisation's mail


def email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def by_email(local: str) -> User | None:
    """The demo account with this local part, if the demo data holds it."""
    return db.session.scalar(select(User).where(User.email == email(local)))


def make_user(name: str, local: str, roles: tuple[str, ...], password_hash: str) -> User:
    user = User(email=email(local), name=name, password_hash=password_hash)
    user.set_roles(roles)
    db.session.add(user)
    return user
