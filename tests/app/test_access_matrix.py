"""Every route of the app against every kind of caller: the expected status for each, and no one else's data in
any body. A route missing from MATRIX fails the test: add it with the statuses each caller should get."""

from __future__ import annotations

import pytest
from flask import current_app

from tests.app.platform.helpers import sample_url
from tests.app.platform.world import (
    CALLERS,
    OTHER_GMC,
    OTHER_NAME,
    OWNER_GMC,
    OWNER_NAME,
    REGIONAL_CALLERS,
    build_world,
    signed_in_clients,
    snapshot,
)
from trainee_portal import create_app

# Callers, in the order of each MATRIX entry's statuses.
# Whose name and GMC number each caller must never see: the trainee's people never see the other trainee, and the
# other trainee's people (and outsiders) never see the trainee.
FORBIDDEN = {
    "anonymous": (OWNER_NAME, OWNER_GMC, OTHER_NAME, OTHER_GMC),
    "trainee": (OTHER_NAME, OTHER_GMC),
    "supervisor": (OTHER_NAME, OTHER_GMC),
    "director": (OTHER_NAME, OTHER_GMC),
    "other_trainee": (OWNER_NAME, OWNER_GMC),
    "unassigned_supervisor": (OWNER_NAME, OWNER_GMC),
    "other_director": (OWNER_NAME, OWNER_GMC),
    "admin": (),
    "faculty_tutor": (OTHER_NAME, OTHER_GMC),
    "rapm": (OTHER_NAME, OTHER_GMC),
    "other_faculty_tutor": (OWNER_NAME, OWNER_GMC),
    "college_tutor": (OWNER_NAME, OWNER_GMC, OTHER_NAME, OTHER_GMC),
}
# For POST a permitted caller may see its input refused (400) or the action done (302): "ok" accepts either.
OK = {200, 302, 303, 400}

# "METHOD endpoint": statuses for the CALLERS in order. URL arguments name the trainee's own records
# (see URL_ARGUMENTS for the few routes that need a particular one).
#        anonymous, trainee, other trainee, supervisor, unassigned supervisor, other-region director, director, admin
MATRIX: dict[str, tuple] = {
    "GET admin.assignments": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.curricula_index": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.curriculum_preview": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.index": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.invite": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.profile": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.regions": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.scopes": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.user": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.users": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET admin.outbox": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET auth.change_password": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET auth.forgot_password": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET auth.login": (200, 302, 302, 302, 302, 302, 302, 302),
    "GET auth.reset_password": (404, 404, 404, 404, 404, 404, 404, 404),  # an unknown token: nobody's page
    "GET cohort.dashboard": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET cohort.export_csv": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET cohort.export_xlsx": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET arcp.mine": (302, 200, 200, 403, 403, 403, 403, 403),
    "GET cohort.my_arcp": (302, 301, 301, 403, 403, 403, 403, 403),  # moved to /arcp
    "GET cohort.record_arcp": (302, 403, 403, 403, 403, 403, 200, 403),
    "GET cohort.review": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET dashboard.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET logbook.attachment": (302, 200, 403, 200, 403, 403, 200, 200),
    "GET logbook.delete": (302, 200, 403, 403, 403, 403, 403, 403),
    "GET logbook.edit": (302, 200, 403, 403, 403, 403, 403, 403),
    "GET logbook.export": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET logbook.import_csv": (302, 302, 302, 403, 403, 403, 403, 403),
    "GET logbook.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET logbook.new": (302, 200, 200, 403, 403, 403, 403, 403),
    "GET logbook.portfolio_pdf": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET logbook.static": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET logbook.view": (302, 200, 403, 200, 403, 403, 200, 200),
    "GET exams.add_mock_score": (302, 200, 200, 404, 404, 404, 404, 404),
    "GET exams.confirm_rapm": (302, 403, 403, 403, 403, 403, 200, 403),
    "GET exams.correct_attempt": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET exams.edit_sitting": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET exams.pipeline": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET exams.readiness": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET exams.record_prerequisites": (302, 200, 403, 403, 403, 403, 200, 403),
    "GET exams.record_attempt": (302, 200, 200, 404, 404, 404, 404, 404),
    "GET halo.ask": (302, 200, 200, 403, 403, 403, 403, 403),
    "GET halo.detail": (302, 200, 403, 200, 403, 403, 200, 200),
    "GET halo.queue": (302, 403, 403, 403, 403, 403, 403, 403),
    "GET msf.index": (302, 200, 200, 200, 200, 403, 403, 403),
    "GET msf.new": (302, 200, 200, 403, 403, 403, 403, 403),
    "GET msf.detail": (302, 200, 403, 200, 403, 403, 403, 403),
    "GET msf.rate": (200, 403, 200, 200, 200, 200, 200, 200),  # whoever holds the rater's link, never the trainee
    "GET msf.rate_done": (200,) * 8,
    "GET packs.show": (302, 200, 403, 403, 403, 403, 200, 200),
    "GET packs.pdf": (302, 200, 403, 403, 403, 403, 200, 200),
    "GET packs.for_panel": (302, 302, 403, 403, 403, 403, 302, 302),
    "GET packs.record_outcome": (302, 403, 403, 403, 403, 403, 302, 403),  # the panel has not met yet: back to the pack
    "GET exams.sittings": (302, 403, 403, 403, 403, 403, 403, 200),
    "GET home.about": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET home.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET nhsuk_asset": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET notifications.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET plotly_js": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET signoff.assessor": (200, 403, 200, 200, 200, 200, 200, 200),
    "GET signoff.assessor_done": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET signoff.audit_trail": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET signoff.detail": (302, 200, 403, 200, 403, 403, 200, 200),
    "GET signoff.mine": (302, 200, 200, 403, 403, 403, 403, 403),
    "GET signoff.queue": (302, 403, 403, 200, 200, 403, 403, 403),
    "GET signoff.request_form": (302, 200, 403, 403, 403, 403, 403, 403),
    "GET signoff.stage": (302, 403, 403, 200, 403, 403, 403, 403),
    "GET stage_advanced.competency": (302, 200, 200, 404, 404, 404, 404, 404),
    "GET stage_advanced.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET stage_basic.competency": (302, 200, 200, 404, 404, 404, 404, 404),
    "GET stage_basic.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET stage_higher.competency": (302, 200, 200, 404, 404, 404, 404, 404),
    "GET stage_higher.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET stage_intermediate.competency": (302, 200, 200, 404, 404, 404, 404, 404),
    "GET stage_intermediate.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET panels.index": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET panels.new": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET panels.detail": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET panels.export_csv": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET panels.export_xlsx": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET panels.settings": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET rules.index": (302, 403, 403, 403, 403, 200, 200, 200),
    "GET rules.region": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET rules.new_rule": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET rules.edit_rule": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET static": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET training_time.add": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET training_time.delete": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET training_time.end": (302, 403, 403, 403, 403, 403, 200, 200),
    "GET training_time.index": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET transitions.move": (302, 403, 403, 403, 403, 403, 200, 200),
    "POST admin.activate_curriculum": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.add_role_scope": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.remove_role_scope": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.assignments": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.curricula_index": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.delete_user": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.end_assignment": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.invite": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.profile": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.regions": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.region_domains": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.remove_scope": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.scopes": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.send_password_reset": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.set_active": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST admin.user": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST auth.change_password": (302, "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST auth.forgot_password": ("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST auth.login": ("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST auth.logout": (302, "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST auth.reset_password": (404, 404, 404, 404, 404, 404, 404, 404),
    "POST cohort.record_arcp": (302, 403, 403, 403, 403, 403, "ok", 403),
    "POST logbook.delete": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST logbook.edit": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST logbook.import_csv": (302, 307, 307, 403, 403, 403, 403, 403),
    "POST logbook.new": (302, "ok", "ok", 403, 403, 403, 403, 403),
    "POST logbook.new_version": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST exams.add_mock_score": (302, "ok", "ok", 404, 404, 404, 404, 404),
    "POST exams.confirm_rapm": (302, 403, 403, 403, 403, 403, "ok", 403),
    "POST exams.confirm_prerequisites": (302, 403, 403, 403, 403, 403, "ok", 403),
    "POST exams.record_prerequisites": (302, "ok", 403, 403, 403, 403, "ok", 403),
    "POST exams.correct_attempt": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST exams.edit_sitting": (302, 403, 403, 403, 403, 403, 403, "ok"),
    "POST exams.record_attempt": (302, "ok", "ok", 404, 404, 404, 404, 404),
    "POST halo.ask": (302, "ok", "ok", 403, 403, 403, 403, 403),
    "POST halo.decide": (302, 403, 403, 403, 403, 403, 403, 403),
    "POST halo.withdraw": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST msf.new": (302, "ok", "ok", 403, 403, 403, 403, 403),
    "POST msf.nominate": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST msf.resend": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST msf.decide": (302, 403, 403, "ok", 403, 403, 403, 403),
    "POST msf.rate": ("ok", 403, "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST packs.record_outcome": (302, 403, 403, 403, 403, 403, "ok", 403),
    "POST notifications.mark_all_read": (302, "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST notifications.mark_read": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST panels.new": (302, 403, 403, 403, 403, "ok", "ok", "ok"),
    "POST panels.cancel": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST panels.settings": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST rules.new_rule": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST rules.edit_rule": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST rules.retire_rule": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST signoff.assessor": ("ok", 403, "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST signoff.cancel": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST signoff.confirm_signature": (302, 403, 403, "ok", 403, 403, 403, 403),
    "POST signoff.decide": (302, 403, 403, "ok", 403, 403, 403, 403),
    "POST signoff.request_form": (302, "ok", 403, 403, 403, 403, 403, 403),
    "POST signoff.stage": (302, 403, 403, "ok", 403, 403, 403, 403),
    "POST stage_advanced.choose_sia": (302, "ok", 403, 403, 403, 403, "ok", "ok"),
    "POST training_time.add": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST training_time.delete": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST training_time.end": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    "POST transitions.move": (302, 403, 403, 403, 403, 403, "ok", "ok"),
    # Signing in person and new assessor links.
    "GET auth.signing_pin": (302, 403, 403, 200, 200, 403, 403, 403),
    "POST auth.signing_pin": (302, 403, 403, "ok", "ok", 403, 403, 403),
    "POST auth.remove_signing_pin": (302, 403, 403, "ok", "ok", 403, 403, 403),
    "GET signoff.in_person": (302, 200, 403, 403, 403, 403, 403, 403),  # the trainee's device, handed over
    "POST signoff.in_person": (302, "ok", 403, 403, 403, 403, 403, 403),
    "GET signoff.disown": (302, 403, 403, 200, 403, 403, 403, 403),  # only the supervisor it was given in the name of
    "POST signoff.disown": (302, 403, 403, "ok", 403, 403, 403, 403),
    "POST signoff.reissue": (302, "ok", 403, 403, 403, 403, 403, 403),
    "GET signoff.allowance": (302, 403, 403, 403, 403, 403, 200, 403),  # the trainee's own director
    "POST signoff.allowance": (302, 403, 403, 403, 403, 403, "ok", 403),
    # The public verify pages: anyone may look a code up; an unknown code is nobody's document.
    # Form drafts: only the author of the form's record keeps a draft of it; anyone else hears 404 (a draft key names
    # records). The trainee's empty post is refused (400), their discard of no draft goes back (302).
    "POST drafts.save": (302, "ok", 404, 404, 404, 404, 404, 404),
    "POST drafts.discard": (302, "ok", 404, 404, 404, 404, 404, 404),
    "POST auth.keep_alive": (302, 200, 200, 200, 200, 200, 200, 200),
    "GET verify.index": (200,) * 8,
    "POST verify.index": ("ok",) * 8,
    "GET verify.check": (404,) * 8,
    "POST verify.check": (404,) * 8,
    # logbook imports (trainee_portal.imports): the trainee's own only
    "GET imports.new": (302, 200, 200, 403, 403, 403, 403, 403),
    "POST imports.new": (302, "ok", "ok", 403, 403, 403, 403, 403),
    "GET imports.show": (302, 200, 403, 403, 403, 403, 403, 403),
    "GET imports.status": (302, 200, 403, 403, 403, 403, 403, 403),
    "GET imports.problems": (302, 200, 403, 403, 403, 403, 403, 403),
    # sign-off requests waiting on supervisors: directors (their own trainees only) and administrators
    "GET signoff.waiting": (302, 403, 403, 403, 403, 200, 200, 200),
    # personal access tokens: everyone signed in keeps their own (the world's token is the trainee's; anyone else's is
    # not found on the account page); administrators see and revoke everyone's
    "GET auth.api_tokens": (302, 200, 200, 200, 200, 200, 200, 200),
    "POST auth.api_tokens": (302, "ok", "ok", "ok", "ok", "ok", "ok", "ok"),
    "POST auth.revoke_api_token": (302, "ok", 404, 404, 404, 404, 404, 404),
    "GET admin.tokens": (302, 403, 403, 403, 403, 403, 403, 200),
    "POST admin.revoke_api_token": (302, 403, 403, 403, 403, 403, 403, "ok"),
    # An upload waiting for its column mapping: the URL's token is the uploader's alone (a made-up one finds nothing).
    "GET imports.mapping": (302, 404, 404, 403, 403, 403, 403, 403),
    "POST imports.mapping": (302, 404, 404, 403, 403, 403, 403, 403),
    "GET imports.sample": (302, 404, 404, 403, 403, 403, 403, 403),  # a made-up sample name finds nothing
    "GET swagger_ui_asset": (200, 200, 200, 200, 200, 200, 200, 200),
}

# The regional roles (REGIONAL_CALLERS: London Faculty Tutor (Pain), London RAPM, North West Faculty Tutor, London
# College Tutor), who hold none of the roles above: a route every caller above answers alike answers them alike too,
# any other route refuses them (403), except as listed here.
#            faculty tutor, RAPM, other-region faculty tutor, college tutor
REGIONAL: dict[str, tuple] = {
    "GET halo.detail": (200, 200, 403, 403),
    "GET halo.queue": (200, 200, 200, 403),
    "POST halo.decide": ("ok", "ok", 403, 403),
    "POST drafts.save": (404,) * 4,
    "POST drafts.discard": (404,) * 4,
    "GET signoff.assessor": (200, 200, 200, 200),  # whoever holds the one-time link
    "POST signoff.assessor": ("ok", "ok", "ok", "ok"),
    "GET msf.rate": (200, 200, 200, 200),  # whoever holds the rater's link
    "POST msf.rate": ("ok", "ok", "ok", "ok"),
    # Pages showing the caller's own record or one they pick: the regional roles have neither.
    **{
        f"GET {e}": (403,) * 4
        for e in ("dashboard.index", "exams.readiness", "logbook.export", "logbook.index", "training_time.index")
    },
    "GET logbook.portfolio_pdf": (403,) * 4,
    **{f"{m} exams.{e}": (404,) * 4 for m in ("GET", "POST") for e in ("add_mock_score", "record_attempt")},
    **{f"GET stage_{level}.index": (403, 403, 403, 403) for level in ("basic", "intermediate", "higher", "advanced")},
    **{f"GET stage_{level}.competency": (404, 404, 404, 404) for level in ("basic", "intermediate", "higher", "advanced")},
    "POST auth.revoke_api_token": (404,) * 4,  # the trainee's token: not theirs to find
}


def _regional(route: str) -> tuple:
    if route in REGIONAL:
        return REGIONAL[route]
    signed_in = set(MATRIX[route][1:])
    return (signed_in.pop() if len(signed_in) == 1 else 403,) * len(REGIONAL_CALLERS)


def _expected(route: str):
    """(caller, expected status) for every caller, the regional roles included."""
    return list(zip(CALLERS, MATRIX[route])) + list(zip(REGIONAL_CALLERS, _regional(route)))


URL_ARGUMENTS = {
    "packs.for_panel": {"panel_id": "pack_panel_id"},  # the panel whose cut-off is over, with the trainee's pack
    "halo.detail": {"request_id": "halo_request_id"},
    "halo.decide": {"request_id": "halo_request_id"},
    "halo.withdraw": {"request_id": "halo_request_id"},
    "msf.rate": {"token": "msf_token"},
    "msf.resend": {"rater_id": "msf_rater_id"},
    "admin.remove_role_scope": {"scope_id": "role_scope_id"},
    "logbook.new_version": {"evidence_id": "signed_evidence_id"},
    "admin.region_domains": {"region_id": "region_id"},
    "nhsuk_asset": {"filename": "asset_filename"},
    "signoff.disown": {"signoff_id": "in_person_signoff_id"},
    "signoff.reissue": {"request_id": "assessor_request_id"},
    "signoff.allowance": {"request_id": "assessor_request_id"},
    "logbook.static": {"filename": "evidence_static_filename"},
    **{f"stage_{level}.competency": {"code": f"code_{level}"} for level in ("basic", "intermediate", "higher", "advanced")},
    "auth.revoke_api_token": {"token_id": "api_token_id"},
    "admin.revoke_api_token": {"token_id": "api_token_id"},
    "swagger_ui_asset": {"filename": "swagger_ui_filename"},
}
# Routes whose legitimate audience includes callers FORBIDDEN would otherwise exclude, with the reason.
MAY_SEE_TRAINEE = {
    "signoff.assessor": "whoever holds the one-time assessor link sees the evidence and its trainee's name",
    "msf.rate": "whoever holds a rater's one-time link sees whom the feedback is for",
}


def _routes():
    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in probe.url_map.iter_rules():
        if getattr(probe.view_functions[rule.endpoint], "is_api", False):
            continue  # the JSON API's operations: tests/app/api/test_api_access_matrix.py, with tokens
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(f"{method} {rule.endpoint}")
    return sorted(set(routes))


ROUTES = _routes()


def test_every_route_is_in_the_matrix():
    missing = [route for route in ROUTES if route not in MATRIX]
    assert not missing, (
        "These routes are not in tests/app/test_access_matrix.py MATRIX. Add each with the status every "
        "caller should get (" + ", ".join(CALLERS) + "):\n  " + "\n  ".join(missing)
    )
    stale = [route for route in MATRIX if route not in ROUTES]
    assert not stale, f"MATRIX names routes the app no longer has: {stale}"
    assert not [route for route in REGIONAL if route not in ROUTES], "REGIONAL names routes the app no longer has"


def _url(app, world, endpoint: str) -> str:
    rule = (
        next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and not r.defaults)
        if any(r.endpoint == endpoint and not r.defaults for r in app.url_map.iter_rules())
        else next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    )
    overrides = URL_ARGUMENTS.get(endpoint, {})
    values = {name: world.ids[overrides.get(name, name)] for name in rule.arguments if overrides.get(name, name) in world.ids}
    with app.test_request_context():
        return sample_url(rule, values)


def _static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def _check(route, caller, expected, response, problems):
    status = response.status_code
    endpoint = route.split(" ", 1)[1]
    # not signed in (a redirect to sign in, or the API's 401 for a caller with no token) asks nothing of the policy
    answered = (
        caller != "anonymous" and status not in (401, 404) and not response.headers.get("Location", "").startswith("/login")
    )
    public = getattr(current_app.view_functions[endpoint], "is_public", False) or _static(endpoint)
    if answered and not public and not response.policy_asked:
        problems.append(f"{route} as {caller}: answered {status} without asking the policy (policy.authorize or requires)")
    if expected == "ok":
        if status not in OK:
            problems.append(f"{route} as {caller}: {status}, expected 200/302/400")
    elif status != expected:
        problems.append(f"{route} as {caller}: {status}, expected {expected}")
    if status == 302 and expected == 302 and caller == "anonymous" and not response.headers["Location"].startswith("/login"):
        problems.append(f"{route} as anonymous: redirected to {response.headers['Location']}, not to sign in")
    body = (
        response.get_data(as_text=True)
        if response.mimetype.startswith(("text/", "application/json", "application/problem+json"))
        else ""
    )
    if route.split(" ", 1)[1] in MAY_SEE_TRAINEE:
        body = body.replace(OWNER_NAME, "").replace(OWNER_GMC, "")
    for secret in FORBIDDEN[caller]:
        if secret in body:
            problems.append(f"{route} as {caller}: the body shows {secret!r}, which this caller may not see")


def test_get_routes_answer_each_caller_as_the_matrix_says(app):
    world = build_world()
    clients = signed_in_clients(app, world)
    problems = []
    for route in [r for r in ROUTES if r.startswith("GET ") and r in MATRIX]:
        url = _url(app, world, route.split(" ", 1)[1])
        for caller, expected in _expected(route):
            _check(route, caller, expected, clients[caller].get(url), problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.startswith("POST ")])
def test_post_routes_answer_each_caller_as_the_matrix_says_and_refusals_change_nothing(app, route):
    if route not in MATRIX:
        pytest.fail(f"{route} is not in MATRIX: add it (see test_every_route_is_in_the_matrix)")
    world = build_world()
    clients = signed_in_clients(app, world)
    url = _url(app, world, route.split(" ", 1)[1])
    problems = []
    # Refused callers first (they must change nothing), then the permitted ones, whose posts may act.
    order = sorted(_expected(route), key=lambda pair: pair[1] == "ok")
    for caller, expected in order:
        before = snapshot() if expected != "ok" else None
        response = clients[caller].post(url, data={})
        _check(route, caller, expected, response, problems)
        if before is not None and snapshot() != before:
            problems.append(f"{route} as {caller}: refused with {response.status_code} but stored data changed")
    assert not problems, "\n".join(problems)
