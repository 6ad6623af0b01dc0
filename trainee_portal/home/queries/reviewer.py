"""The home of a Faculty Tutor (Pain) or RAPM who supervises nobody: the HALO requests waiting for their review."""

from __future__ import annotations

from trainee_portal.home.queries.supervisor import halos_waiting
from trainee_portal.platform.clock import utcnow


def reviewer_home(user) -> dict:
    return {"halos": halos_waiting(user, utcnow())}
