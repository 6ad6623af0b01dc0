"""HALOs of the 2021 curriculum: the trainee asks for a stage's HALO with chosen evidence; a Faculty Tutor (Pain) or
RAPM of the trainee's region signs or returns it; a signed HALO completes the stage (competencies.halo)."""

from trainee_portal.halo import routes  # noqa: F401 (registers the views)
from trainee_portal.halo.blueprint import bp

__all__ = ["bp"]
