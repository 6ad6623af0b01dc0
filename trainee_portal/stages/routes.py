"""The stage page (aim, duration, domains, every competency with status and what is missing) and a competency's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from competencies import stage_progress
from trainee_portal import curricula, policy
from trainee_portal.logbook import queries as evidence_queries
from trainee_portal.platform.views import trainee_choices, viewed_trainee
from trainee_portal.summaries import progress


def _stage_context(level: str):
    profile = viewed_trainee()
    if profile is None:
        return None, None, None
    curriculum = curricula.curriculum(profile.curriculum_version)
    stage = curriculum.stage_for_level(level)
    return profile, curriculum, stage


def register_routes(bp: Blueprint, level: str) -> None:
    @bp.route("/")
    def index():
        profile, curriculum, stage = _stage_context(level)
        choices = trainee_choices(current_user) if policy.can_pick_trainee(current_user) else []
        if profile is None:
            policy.authorize(policy.can_pick_trainee(current_user))
            return render_template(
                "stages/pick.html", level=level, choices=choices, page_title=f"{level.capitalize()} stage"
            ), 200
        codes = [c.code for c in stage.competencies]
        result = stage_progress(curriculum, stage.key, progress.trainee_counts(profile.user_id, codes))
        return render_template(
            "stages/stage.html",
            level=level,
            profile=profile,
            curriculum=curriculum,
            stage=stage,
            result=result,
            choices=choices,
            page_title=stage.name,
        )

    @bp.route("/competency/<code>")
    def competency(code: str):
        profile, curriculum, stage = _stage_context(level)
        if profile is None:
            abort(404)
        if len(code) > 20 or code not in {c.code for c in stage.competencies}:
            abort(404)
        result = stage_progress(curriculum, stage.key, progress.trainee_counts(profile.user_id, [code]))
        item = next(c for c in result.competencies if c.competency.code == code)
        back = url_for(f"stage_{level}.index", trainee=profile.user_id if profile.user_id != current_user.id else None)
        return render_template(
            "stages/competency.html",
            level=level,
            profile=profile,
            curriculum=curriculum,
            stage=stage,
            item=item,
            back=back,
            page_title=f"{code} {item.competency.title}",
            evidence_entries=evidence_queries.for_competency(profile.user_id, code),
        )
