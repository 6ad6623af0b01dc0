"""The one wording of who vouches for a signature, shown wherever a signature is (pages, PDF portfolio, CSV)."""

from __future__ import annotations

from competencies.calendar_days import uk_day
from trainee_portal import policy

ASSURANCE_COUNTS = ("supervisor", "trusted_domain", "confirmed")


def signature_label(signoff, trusted_domain: str | None = None) -> str:
    """One sentence naming the signer and what makes the signature count (or that it does not count yet)."""
    if signoff.signer_id is not None:
        who = signoff.signer.name if signoff.signer else "a supervisor"
        text = f"Signed by {who}, assigned supervisor"
        if getattr(signoff, "method", None) == "in_person_pin":
            text += ", in person with their sign-off PIN"
        elif getattr(signoff, "method", None) == "api_token":
            text += ", through the API with a personal access token"
    else:
        who = f"outside assessor {signoff.assessor_name or 'unnamed'}"
        address = f" ({signoff.assessor_email})" if signoff.assessor_email else ""
        if signoff.assurance == "trusted_domain":
            domain = (
                trusted_domain
                or policy.trusted_assessor_domain(signoff.evidence, signoff.assessor_email)
                or (signoff.assessor_email or "").rpartition("@")[2]
            )
            text = f"Signed by {who}{address}, trusted domain {domain}"
        elif signoff.assurance == "confirmed":
            confirmer = signoff.confirmed_by.name if signoff.confirmed_by else "the educational supervisor"
            when = f" on {uk_day(signoff.confirmed_at):%d %B %Y}" if signoff.confirmed_at else ""
            text = f"Signed by {who}{address}, confirmed by {confirmer} (educational supervisor){when}"
        else:
            address = f", {signoff.assessor_email}" if signoff.assessor_email else ""
            text = f"Signed by {who}{address}: awaiting confirmation by the educational supervisor, so it does not count yet"
    if signoff.voided_at is not None:
        text += f". Void since {uk_day(signoff.voided_at):%d %B %Y}: {signoff.void_reason or 'no longer counts'}"
    return text


def counts(signoff) -> bool:
    return signoff.voided_at is None and signoff.assurance in ASSURANCE_COUNTS
