"""Personal access tokens as people see them: the form that creates one (offering only the scopes the person's
roles can grant), how a token's row reads on a page (its scopes by label, expiry day, last use and status), and
revocation with a notice to the owner when an administrator revokes someone else's token.

The rules (scopes, lifetimes) are in competencies/api_tokens.py; creating, finding and revoking tokens is
trainee_portal/auth/tokens.py; who may do what is trainee_portal/policy.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wtforms import RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from competencies import api_tokens as rules
from competencies.calendar_days import uk_day, uk_time
from trainee_portal.auth import tokens
from trainee_portal.models import ApiToken, User
from trainee_portal.notifications.outbox import app_path, external_url, notify
from trainee_portal.platform.clock import uk_today, utcnow
from trainee_portal.platform.forms import PortalForm
from trainee_portal.platform.identifiers import NoPatientIdentifiers

REVOKED_CATEGORY = "account.api_token_revoked"


class ScopeCheckboxes(SelectMultipleField):
    """Rendered as NHS.UK checkboxes, each scope's explanation as its hint (auth/api_tokens.html)."""


class CreateTokenForm(PortalForm):
    name = StringField(
        "Name",
        description="What the token is for, so you can tell it apart later: for example, the rota app.",
        validators=[
            DataRequired("Give the token a name, such as the app that will use it."),
            Length(max=rules.NAME_MAX, message=f"A token's name can be at most {rules.NAME_MAX} characters."),
            NoPatientIdentifiers(),
        ],
    )
    # Every known scope is a valid choice here, so a forged scope the account cannot grant reaches the service and
    # is refused there with its reason; the page offers only the ones the account can grant.
    scopes = ScopeCheckboxes("What the token may do", choices=[(s.name, s.label) for s in rules.SCOPES], validate_choice=False)
    lifetime = RadioField(
        "When it expires",
        choices=[(str(days), str(days)) for days in rules.LIFETIME_CHOICES],
        validators=[DataRequired("Choose when the token expires.")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():  # the page starts on the usual lifetime; a post must choose one
            self.lifetime.data = str(rules.DEFAULT_LIFETIME_DAYS)

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError("Choose at least one scope.")

    @property
    def expires_on(self) -> date | None:
        """The expiry day the chosen lifetime gives, counted from today (UK)."""
        value = self.lifetime.data or ""
        if value.isascii() and value.isdigit() and int(value) in rules.LIFETIME_CHOICES:
            return uk_today() + timedelta(days=int(value))
        return None


def lifetime_options(today: date | None = None) -> list[tuple[str, str]]:
    """(value, text) for each lifetime, naming the day it ends: "90 days (until 1 March 2027)"."""
    today = today or uk_today()
    return [
        (str(days), f"{days} days (until {(today + timedelta(days=days)).strftime('%-d %B %Y')})")
        for days in rules.LIFETIME_CHOICES
    ]


def scope_options(grantable) -> list[dict]:
    """The scopes a person can grant, in the rules' order, each with its label and explanation."""
    return [{"name": s.name, "label": s.label, "explanation": s.explanation} for s in rules.SCOPES if s.name in grantable]


def expiry_day(token: ApiToken) -> date:
    """The last UK day the token works (it stops at the midnight that ends that day)."""
    end = uk_time(token.expires_at)
    return (end - timedelta(microseconds=1)).date()


def last_used_text(when: datetime | None, now: datetime | None = None) -> str:
    """ "Never", "Just now", "12 minutes ago", "Today at 14:05" or a date, UK time."""
    if when is None:
        return "Never"
    now = now or utcnow()
    age = now - when
    if age < timedelta(minutes=1):
        return "Just now"
    if age < timedelta(hours=1):
        minutes = int(age.total_seconds() // 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'} ago"
    local, today = uk_time(when), uk_day(now)
    if local.date() == today:
        return f"Today at {local.strftime('%H:%M')}"
    return local.strftime("%-d %b %Y")


@dataclass(frozen=True)
class TokenRow:
    """One token as a table row shows it."""

    token: ApiToken
    scopes: str
    created: str
    expires: str
    last_used: str
    status: str  # "live", "expired" or "revoked"
    status_text: str
    revoked_note: str | None  # who revoked it, when an administrator did

    @property
    def live(self) -> bool:
        return self.status == "live"


def row(token: ApiToken, now: datetime | None = None) -> TokenRow:
    now = now or utcnow()
    if token.revoked_at is not None:
        status, text = "revoked", "Revoked"
    elif rules.is_live(token.expires_at, token.revoked_at, now):
        status, text = "live", "Live"
    else:
        status, text = "expired", "Expired"
    note = None
    if token.revoked_at is not None and token.revoked_by_id not in (None, token.user_id) and token.revoked_by is not None:
        note = f"by {token.revoked_by.name}, an administrator, on {uk_time(token.revoked_at).strftime('%-d %b %Y')}"
    created = uk_time(token.created_at)
    return TokenRow(
        token=token,
        scopes=", ".join(rules.SCOPE_LABELS.get(s, s) for s in token.scope_names),
        created=created.strftime("%-d %b %Y"),
        expires=expiry_day(token).strftime("%-d %b %Y"),
        last_used=last_used_text(token.last_used_at, now),
        status=status,
        status_text=text,
        revoked_note=note,
    )


def rows(token_list) -> list[TokenRow]:
    now = utcnow()
    return [row(token, now) for token in token_list]


def revoke(token: ApiToken, by: User) -> bool:
    """Revoke the token (the caller commits; the caller has asked policy.can_revoke_api_token). When an administrator
    revokes someone else's token the owner is told by email and in the app, naming the token and who revoked it.
    False when it was already revoked."""
    if not tokens.revoke(token, by):
        return False
    if by.id != token.user_id:
        owner = token.user
        notify(
            user=owner,
            category=REVOKED_CATEGORY,
            link=app_path("auth.api_tokens"),
            subject=f"Your API token \u201c{token.name}\u201d was revoked",
            body=(
                f"Dear {owner.name},\n\n{by.name}, an administrator, revoked your personal access token "
                f"\u201c{token.name}\u201d ({token.shown_part}\u2026) on the Pain Medicine training portfolio. Apps "
                "using it can no longer reach your account.\n\nIf you still need access for an app, create a new "
                f"token on your account page: {external_url('auth.api_tokens')}\n"
            ),
        )
    return True
