"""The stage page (aim, duration, domains, every competency with status and what is missing), a competency's page,
and at the advanced slot the choice of SIA where the curriculum offers several."""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from competencies import CHOICE_LEVEL, EvidenceCount, halo, lifecycle, stage_progress
from trainee_portal import curricula, policy
from trainee_portal.extensions import db
from trainee_portal.halo import queries as halo_queries
from trainee_portal.logbook import queries as evidence_queries
from trainee_portal.models import TraineeProfile
from trainee_portal.platform.views import load_or_404, trainee_choices, trainee_or_picker, viewed_trainee
from trainee_portal.stages import services
from trainee_portal.stages.forms import SiaChoiceForm
from trainee_portal.summaries import progress, tallies
from trainee_portal.transitions import queries as transition_queries


class EvidenceIn(NamedTuple):
    total: int  # current entries counting towards the competency, whatever their status
    signed: int


def _stage_page(profile, level: str) -> dict:
    """What both stage pages show of the trainee's stage at this level: the trainee, their curriculum, the stage they
    follow and every stage the slot offers (several only at the advanced slot of a curriculum with several SIAs)."""
    curriculum = curricula.curriculum(profile.curriculum_version)
    return {
        "level": level,
        "profile": profile,
        "curriculum": curriculum,
        "stage": curriculum.stage_for_level(level, profile.sia_stage_key),
        "offered": curriculum.stages_at(level),
        "extra_rules": curricula.trainee_rules(profile),  # the region's local rules and programme suggestions
    }


def _own_or(profile):
    return profile.user_id if profile.user_id != current_user.id else None


def _render_index(profile, level: str, form: SiaChoiceForm | None = None, status: int = 200):
    page = _stage_page(profile, level)
    choosing = len(page["offered"]) > 1 and profile.sia_stage_key is None
    # While no SIA is chosen the page offers every SIA of the slot, each with its progress; then only the chosen one.
    shown = page["offered"] if choosing else (page["stage"],)
    counts = tallies.counts_of(profile.user_id, [c.code for s in shown for c in s.competencies])
    results = [stage_progress(page["curriculum"], s.key, counts, page["extra_rules"]) for s in shown]
    if form is None and len(page["offered"]) > 1 and policy.can_choose_sia(current_user, profile):
        form = SiaChoiceForm(page["offered"], stage_key=profile.sia_stage_key, own=profile.user_id == current_user.id)
    choices = trainee_choices(current_user) if policy.can_pick_trainee(current_user) else []
    title = "Choose your SIA" if choosing else page["stage"].name
    # The HALO is asked for the stage the trainee follows; while an SIA is still to be chosen there is none to ask for.
    halo_part = {"halo_requests": None} if choosing else _halo_part(page, counts)
    return render_template(
        "stages/stage.html",
        **page,
        results=results,
        choosing=choosing,
        sia_form=form,
        choices=choices,
        **halo_part,
        moved=transition_queries.side_by_side(profile, page["stage"].key),  # the old stage beside this one, after a move
        page_title=title,
    ), status


def evidence_in(counts: list[EvidenceCount]) -> dict[str, EvidenceIn]:
    """Each competency code with the current entries counting towards it, read from the trainee's tallies (the
    read model the page's progress comes from): an entry counts once per code, and after a move between curricula
    also towards the new codes its old ones map to, as the tallies are kept (summaries.progress)."""
    found: dict[str, list[int]] = {}
    for c in counts:
        total_signed = found.setdefault(c.competency_code, [0, 0])
        total_signed[0] += c.count
        if c.status == lifecycle.SIGNED:
            total_signed[1] += c.count
    return {code: EvidenceIn(total, signed) for code, (total, signed) in found.items() if total}


def _halo_part(page: dict, counts: list[EvidenceCount]) -> dict:
    """For a stage closed by its HALO (2021): the HALO's requests, newest first, whether the trainee may ask now, and
    the evidence in for each key capability (guidance for the request, not the decision)."""
    if not halo.closes_by_halo(page["curriculum"]):
        return {"halo_requests": None}
    profile, stage = page["profile"], page["stage"]
    requests = halo_queries.requests_for_stage(profile.user_id, page["curriculum"].version, stage.key)
    carried = progress.carried_signoffs(profile.user_id, page["curriculum"].version).get(stage.key)
    may_ask = not carried and halo.may_request([r.status for r in requests])
    return {
        "halo_requests": requests,
        "closed_before_move": carried,  # its old counterpart was signed off before a move: complete without a HALO
        "may_ask_halo": may_ask and policy.can_request_halo(current_user, profile.user_id),
        "evidence_in": evidence_in(counts),
    }


def register_routes(bp: Blueprint, level: str) -> None:
    @bp.route("/")
    def index():
        profile, picker = trainee_or_picker("stages/pick.html", level=level, page_title=f"{level.capitalize()} stage")
        if picker:
            return picker
        return _render_index(profile, level)

    @bp.route("/competency/<code>")
    def competency(code: str):
        profile = viewed_trainee()
        if profile is None:
            abort(404)
        page = _stage_page(profile, level)
        # Any competency of a stage at this slot: evidence may claim a competency of an SIA the trainee does not follow.
        owner = next((s for s in page["offered"] if len(code) <= 20 and code in {c.code for c in s.competencies}), None)
        if owner is None:
            abort(404)
        page["stage"] = owner
        result = stage_progress(page["curriculum"], owner.key, tallies.counts_of(profile.user_id, [code]), page["extra_rules"])
        item = next(c for c in result.competencies if c.competency.code == code)
        back = url_for(f"stage_{level}.index", trainee=_own_or(profile))
        return render_template(
            "stages/competency.html",
            **page,
            item=item,
            back=back,
            page_title=f"{code} {item.competency.title}",
            evidence_entries=evidence_queries.for_competency(profile.user_id, code),
            credited=transition_queries.credited_entries(profile, code),
        )

    if level != CHOICE_LEVEL:
        return

    @bp.route("/sia/<int:trainee_id>", methods=["POST"])
    def choose_sia(trainee_id: int):
        profile = load_or_404(TraineeProfile, trainee_id, policy.can_choose_sia)
        offered = curricula.curriculum(profile.curriculum_version).stages_at(level)
        if len(offered) < 2:
            abort(404)  # nothing to choose in this trainee's curriculum
        form = SiaChoiceForm(offered, own=profile.user_id == current_user.id)
        if not form.validate_on_submit():
            return _render_index(profile, level, form, 400)
        if services.choose_sia(current_user, profile, form.stage_key.data):
            db.session.commit()
            chosen = next(s for s in offered if s.key == form.stage_key.data)
            flash(
                f"{chosen.name} recorded as the SIA {'you follow' if profile.user_id == current_user.id else 'followed'}.",
                "success",
            )
        return redirect(url_for(f"stage_{level}.index", trainee=_own_or(profile)))
