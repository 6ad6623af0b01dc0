"""One stage blueprint, registered once per training stage at /basic, /intermediate, /higher and /advanced."""

from flask import Blueprint

from trainee_portal.stages.routes import register_routes

STAGE_TITLES = {"basic": "Basic", "intermediate": "Intermediate", "higher": "Higher", "advanced": "Advanced"}


def make_stage_blueprint(level: str) -> Blueprint:
    """The blueprint for one stage level; the trainee's curriculum decides which stage fills it."""
    if level not in STAGE_TITLES:
        raise ValueError(f"unknown stage level {level!r}")
    bp = Blueprint(f"stage_{level}", __name__, url_prefix=f"/{level}", template_folder="templates")
    register_routes(bp, level)
    return bp
