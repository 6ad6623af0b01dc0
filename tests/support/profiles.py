"""A trainee profile's values as the administrator's profile page saves them (admin.services.save_profile)."""

from __future__ import annotations


def saved_values(profile, **changes) -> dict:
    """The page's fields as it shows this profile, with `changes` made: what admin.services.profile_values gives."""
    from trainee_portal.admin.forms import ProfileFields

    return {name: getattr(profile, name) for name in (*ProfileFields.PROFILE_FIELDS, "cohort_id")} | changes
