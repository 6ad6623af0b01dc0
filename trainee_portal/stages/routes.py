"""The stage page (aim, duration, domains, every competency with status and what is missing) and a competency's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from competencies import stage_progress
from trainee_portal import curricula, policy
from trainee_portal.logbook import queries as evidence_queries
from trainee_portal.platform.views import trainee_choices, trainee_or_picker, viewed_trainee
from trainee_portal.summaries import progress
from trainee_portal.transitions import queries as transition_queries


def _stage_page(profile, level: str) -> dict:
    """What both stage pages show of the trainee's stage at this level: the trainee, their curriculum and the stage."""
    curriculum = curricula.curriculum(profile.curriculum_version)
    return {"level": level, "profile": profile, "curriculum": curriculum, "stage": curriculum.stage_for_level(level)}


def register_routes(bp: Blueprint, level: str) -> None:
    @bp.route("/")
    def index():
        profile, picker = trainee_or_picker("stages/pick.html", level=level, page_title=f"{level.capitalize()} stage")
        if picker:
            return picker
        page = _stage_page(profile, level)
        stage = page["stage"]
        counts = progress.trainee_counts(profile.user_id, [c.code for c in stage.competencies])
        result = stage_progress(page["curriculum"], stage.key, counts)
        choices = trainee_choices(current_user) if policy.can_pick_trainee(current_user) else []
        moved = transition_queries.side_by_side(profile, stage.key)  # the old stage beside this one, after a move
        return render_template("stages/stage.html", **page, result=result, choices=choices, moved=moved, page_title=stage.name)

    @bp.route("/competency/<code>")
    def competency(code: str):
        profile = viewed_trainee()
        if profile is None:
            abort(404)
        page = _stage_page(profile, level)
        stage = page["stage"]
        if len(code) > 20 or code not in {c.code for c in stage.competencies}:
            abort(404)
        result = stage_progress(page["curriculum"], stage.key, progress.trainee_counts(profile.user_id, [code]))
        item = next(c for c in result.competencies if c.competency.code == code)
        back = url_for(f"stage_{level}.index", trainee=profile.user_id if profile.user_id != current_user.id else None)
        return render_template(
            "stages/competency.html",
            **page,
            item=item,
            back=back,
            page_title=f"{code} {item.competency.title}",
            evidence_entries=evidence_queries.for_competency(profile.user_id, code),
            credited=transition_queries.credited_entries(profile, code),
        )
