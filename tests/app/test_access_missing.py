"""Every route that names a record by id, asked for one that does not exist, by every kind of caller: whether the
caller hears 404 (not found) or 403 (forbidden) must not change by accident.

Rules that need the record (evidence, requests, signatures, notifications, attempts) can only be asked once it is
found, so a missing record is 404 for everyone signed in. Rules that take a trainee id are asked first, so a trainee
who does not exist is 403 to whoever may not see that trainee, like one who exists. The administration pages refuse
non-administrators before looking anything up."""

from __future__ import annotations

import re

from tests.app.platform.world import CALLERS, build_world, signed_in_clients
from trainee_portal import create_app

MISSING = 2_000_000_000  # fits a PostgreSQL integer; no test makes that many rows

FOUND_FIRST = (302, 404, 404, 404, 404, 404, 404, 404)  # the rule needs the record
ADMIN_ONLY = (302, 403, 403, 403, 403, 403, 403, 404)  # refused first unless an administrator (who then finds nothing)
NOBODY = (302, 403, 403, 403, 403, 403, 403, 403)  # the rule asks about the trainee id, and nobody relates to this one
MANAGERS_FIRST = (302, 403, 403, 403, 403, 404, 404, 404)  # directors and admins pass the page's gate, then find nothing

#         anonymous, trainee, other trainee, supervisor, unassigned supervisor, other-region director, director, admin
EXPECTED = {
    "GET admin.curriculum_preview": ADMIN_ONLY,
    "GET admin.profile": ADMIN_ONLY,
    "GET admin.user": ADMIN_ONLY,
    "GET cohort.record_arcp": ADMIN_ONLY,
    "GET cohort.review": ADMIN_ONLY,
    "GET logbook.attachment": FOUND_FIRST,
    "GET imports.show": FOUND_FIRST,
    "GET imports.status": FOUND_FIRST,
    "GET imports.problems": FOUND_FIRST,
    "GET logbook.delete": FOUND_FIRST,
    "GET logbook.edit": FOUND_FIRST,
    "GET logbook.view": FOUND_FIRST,
    "GET exams.confirm_rapm": NOBODY,
    "GET exams.record_prerequisites": NOBODY,
    "GET exams.correct_attempt": FOUND_FIRST,
    "GET exams.edit_sitting": ADMIN_ONLY,
    "GET panels.detail": MANAGERS_FIRST,
    "GET panels.export_csv": MANAGERS_FIRST,
    "GET panels.export_xlsx": MANAGERS_FIRST,
    "GET panels.settings": MANAGERS_FIRST,
    "GET rules.edit_rule": MANAGERS_FIRST,
    "GET rules.new_rule": MANAGERS_FIRST,
    "GET rules.region": MANAGERS_FIRST,
    "GET halo.detail": FOUND_FIRST,
    "GET signoff.audit_trail": ADMIN_ONLY,
    "GET signoff.detail": FOUND_FIRST,
    "GET signoff.request_form": FOUND_FIRST,
    "GET signoff.stage": NOBODY,
    "GET training_time.add": ADMIN_ONLY,
    "GET training_time.delete": FOUND_FIRST,
    "GET training_time.end": FOUND_FIRST,
    "GET transitions.move": ADMIN_ONLY,
    "POST admin.activate_curriculum": ADMIN_ONLY,
    "POST admin.add_role_scope": ADMIN_ONLY,
    "POST admin.remove_role_scope": ADMIN_ONLY,
    "POST admin.delete_user": ADMIN_ONLY,
    "POST admin.end_assignment": ADMIN_ONLY,
    "POST admin.profile": ADMIN_ONLY,
    "POST admin.region_domains": ADMIN_ONLY,
    "POST admin.remove_scope": ADMIN_ONLY,
    "POST admin.send_password_reset": ADMIN_ONLY,
    "POST admin.set_active": ADMIN_ONLY,
    "POST admin.user": ADMIN_ONLY,
    "POST cohort.record_arcp": ADMIN_ONLY,
    "POST logbook.delete": FOUND_FIRST,
    "POST logbook.edit": FOUND_FIRST,
    "POST logbook.new_version": FOUND_FIRST,
    "POST exams.confirm_rapm": NOBODY,
    "POST exams.confirm_prerequisites": NOBODY,
    "POST exams.record_prerequisites": NOBODY,
    "POST exams.correct_attempt": FOUND_FIRST,
    "POST exams.edit_sitting": ADMIN_ONLY,
    "POST halo.decide": FOUND_FIRST,
    "GET packs.show": FOUND_FIRST,
    "GET packs.pdf": FOUND_FIRST,
    "GET packs.record_outcome": FOUND_FIRST,
    "POST packs.record_outcome": FOUND_FIRST,
    "GET packs.for_panel": ADMIN_ONLY,  # the rule asks about the trainee id first
    "POST halo.withdraw": FOUND_FIRST,
    "GET msf.detail": FOUND_FIRST,
    "POST msf.nominate": FOUND_FIRST,
    "POST msf.resend": FOUND_FIRST,
    "POST msf.decide": FOUND_FIRST,
    "POST notifications.mark_read": FOUND_FIRST,
    "POST panels.cancel": MANAGERS_FIRST,
    "POST panels.settings": MANAGERS_FIRST,
    "POST rules.edit_rule": MANAGERS_FIRST,
    "POST rules.new_rule": MANAGERS_FIRST,
    "POST rules.retire_rule": MANAGERS_FIRST,
    "GET signoff.in_person": FOUND_FIRST,
    "POST signoff.in_person": FOUND_FIRST,
    "GET signoff.disown": FOUND_FIRST,
    "POST signoff.disown": FOUND_FIRST,
    "POST signoff.reissue": FOUND_FIRST,
    "GET signoff.allowance": FOUND_FIRST,
    "POST signoff.allowance": FOUND_FIRST,
    "POST signoff.cancel": FOUND_FIRST,
    "POST signoff.confirm_signature": FOUND_FIRST,
    "POST signoff.decide": FOUND_FIRST,
    "POST signoff.request_form": FOUND_FIRST,
    "POST stage_advanced.choose_sia": FOUND_FIRST,  # the rule needs the profile (whether an SIA is chosen)
    "POST signoff.stage": NOBODY,
    "POST training_time.add": ADMIN_ONLY,
    "POST training_time.delete": FOUND_FIRST,
    "POST training_time.end": FOUND_FIRST,
    "POST transitions.move": ADMIN_ONLY,
    "POST auth.revoke_api_token": FOUND_FIRST,
    "POST admin.revoke_api_token": ADMIN_ONLY,
    # The JSON API: a browser's cookie opens nothing there (401 to all); a missing record with a token is 404 to a
    # caller whose token may ask (tests/app/api/test_api_signoff.py).
    "GET api_signoff.detail": (401,) * 8,
    "POST api_signoff.sign": (401,) * 8,
    "POST api_signoff.return_to_trainee": (401,) * 8,
}
# Pages that show the trainee named by ?trainee=ID: a missing trainee is one nobody but an administrator may see.
MISSING_TRAINEE_ARG = {
    "dashboard.index": ADMIN_ONLY,
    "logbook.index": ADMIN_ONLY,
    "exams.readiness": ADMIN_ONLY,
    "training_time.index": ADMIN_ONLY,
}


def _id_routes() -> dict[str, str]:
    """ "METHOD endpoint" -> its URL pattern, for every route with a whole-number argument."""
    probe = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return {
        f"{method} {rule.endpoint}": rule.rule
        for rule in probe.url_map.iter_rules()
        if "<int:" in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


ID_ROUTES = _id_routes()


def _missing_url(pattern: str, world) -> str:
    """Every whole-number argument names nothing; any other (a stage key) is the trainee's own."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(MISSING if m.group(1) == "int" else world.ids[m.group(2)]), pattern)


def test_every_route_with_an_id_is_listed():
    assert sorted(ID_ROUTES) == sorted(EXPECTED), "Add each route that takes an id to EXPECTED (and drop gone ones)"


def test_missing_records_answer_each_caller_404_or_403_as_listed(app):
    world = build_world()
    clients = signed_in_clients(app, world)
    problems = []
    requests = [(route, _missing_url(ID_ROUTES[route], world), statuses) for route, statuses in EXPECTED.items()]
    requests += [
        (f"GET {e}", f"{app.url_map.bind('localhost').build(e)}?trainee={MISSING}", s) for e, s in MISSING_TRAINEE_ARG.items()
    ]
    for route, url, statuses in requests:
        method = route.split(" ", 1)[0]
        for caller, expected in zip(CALLERS, statuses):
            client = clients[caller]
            response = client.get(url) if method == "GET" else client.post(url, data={})
            if response.status_code != expected:
                problems.append(f"{route} ({url}) as {caller}: {response.status_code}, expected {expected}")
    assert not problems, "\n".join(problems)
