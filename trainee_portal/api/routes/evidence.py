"""A trainee's evidence: list it (the logbook page's filters, a page at a time), read one entry, record one, change
one while it may change, and ask a supervisor to sign it off.

Writes go through the evidence form itself (logbook/forms.EvidenceForm, fed a MultiDict as the CSV import feeds it)
and the logbook's services, so the API keeps the same rules as the pages: the kinds' details, the dates, the
competencies of the trainee's curriculum and the patient-identifier guard. An entry's ETag is made from its
row_version, the version the edit page carries: a change needs If-Match with it, and a change made since is refused.
Files are added on the logbook page, not over the API."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from competencies import EDUCATIONAL_SUPERVISOR_ONLY, FILE_REQUIRED
from trainee_portal import curricula, policy
from trainee_portal.api import keyset
from trainee_portal.api.auth import requires_scope
from trainee_portal.api.blueprint import Blueprint
from trainee_portal.api.schemas.evidence import (
    EvidenceFilterSchema,
    EvidencePageSchema,
    EvidenceSchema,
    EvidenceWriteSchema,
    SignOffRequestSchema,
    SignOffRequestWriteSchema,
)
from trainee_portal.extensions import db
from trainee_portal.logbook import queries
from trainee_portal.logbook import services as service
from trainee_portal.logbook.forms import EvidenceForm
from trainee_portal.models import EvidenceEntry, SignOff, TraineeProfile
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.inputs import clean_text
from trainee_portal.platform.views import load_or_404
from trainee_portal.signoff import queries as signoff_queries
from trainee_portal.signoff import services as signoff_services

blp = Blueprint(
    "api_evidence",
    __name__,
    description=(
        "A trainee's logbook: list, read, record and change entries, and ask for sign-off. The same rules as the "
        "evidence form apply; files (a certificate's among them) are added on the logbook page."
    ),
)

WRITTEN_FIELDS = tuple(EvidenceWriteSchema().fields)
LINK_HEADER = {"description": 'The next page, as <url>; rel="next", when there is one', "schema": {"type": "string"}}
LOCATION_HEADER = {"description": "The new entry in the API", "schema": {"type": "string"}}


class EvidenceChangeSchema(EvidenceWriteSchema):
    """Any of the fields a new entry takes; those not sent keep their value, and the whole is checked again."""


# --- reading -------------------------------------------------------------------------------------------------------


def _links(entry: EvidenceEntry) -> dict:
    return {
        "self": url_for("api_evidence.get_evidence", evidence_id=entry.id),
        "page": url_for("logbook.view", evidence_id=entry.id),
    }


def _summary(entry: EvidenceEntry) -> dict:
    return {
        **{name: getattr(entry, name) for name in ("id", "trainee_id", "evidence_type", "occurred_on", "title")},
        **{name: getattr(entry, name) for name in ("stage_level", "status", "version", "row_version", "content_hash")},
        "competency_codes": list(entry.competency_codes),
        "is_current": entry.is_current,
        "links": _links(entry),
    }


def _signoff_state(entry: EvidenceEntry) -> dict:
    pending = signoff_services.pending_request(entry)
    signatures = db.session.scalars(
        select(SignOff)
        .where(SignOff.evidence_id == entry.id, SignOff.voided_at.is_(None))
        .options(selectinload(SignOff.signer))
        .order_by(SignOff.signed_at.desc(), SignOff.id.desc())
    ).all()
    return {
        "pending_request": None
        if pending is None
        else {
            "id": pending.id,
            "supervisor": {"id": pending.supervisor.id, "name": pending.supervisor.name} if pending.supervisor else None,
            "asked_at": pending.created_at,
        },
        "signatures": [
            {
                "id": s.id,
                "signed_by": s.signer.name if s.signer is not None else (s.assessor_name or ""),
                "signed_at": s.signed_at,
                "assurance": s.assurance,
                "supervision_level": s.supervision_level,
            }
            for s in signatures
        ],
    }


def _entry(entry: EvidenceEntry) -> dict:
    details = ("setting", "hospital", "supervision_level", "technique", "guidance", "notes", "reflection")
    instants = ("created_at", "updated_at", "submitted_at", "signed_at")
    return {
        **_summary(entry),
        **{name: getattr(entry, name) for name in (*details, *instants, "supersedes_id")},
        "attachment": {"name": entry.attachment_name, "mime": entry.attachment_mime, "size": entry.attachment_size or 0}
        if entry.attachment_path
        else None,
        "signoff": _signoff_state(entry),
    }


def _etag(entry: EvidenceEntry) -> dict:
    """What an entry's ETag is made from: the row version every write moves on (the edit page's optimistic lock)."""
    return {"evidence": entry.id, "row_version": entry.row_version}


@blp.route("/trainees/<int:trainee_id>/evidence")
@requires_scope("read")
@blp.etag
@blp.arguments(EvidenceFilterSchema, location="query", as_kwargs=True)
@blp.response(200, EvidencePageSchema, headers={"Link": LINK_HEADER})
@blp.alt_response(404, response="NOT_FOUND")
def list_evidence(trainee_id: int, limit: int, cursor: str | None = None, kind: str | None = None, **filters):
    """A trainee's logbook, newest first.

    Current entries only (superseded versions are left out, as on the logbook page), by date and then as recorded,
    with the logbook page's filters. The next page is at `next_cursor` (also the `Link` header)."""
    policy.authorize(policy.can_view_trainee(current_user, trainee_id))
    load_or_404(TraineeProfile, trainee_id)
    query = queries.logbook(trainee_id, {**filters, "type": kind, "sort": "date_desc"})
    after = keyset.after(EvidenceEntry.occurred_on, EvidenceEntry.id, cursor, keyset.DAY, descending=True)
    if after is not None:
        query = query.where(after)
    rows = db.session.scalars(query.options(selectinload(EvidenceEntry.competencies)).limit(limit + 1)).all()
    entries, next_cursor, headers = keyset.page(rows, limit, lambda e: (e.occurred_on, e.id), keyset.DAY)
    return {"items": [_summary(e) for e in entries], "next_cursor": next_cursor}, 200, headers


@blp.route("/evidence/<int:evidence_id>")
@requires_scope("read")
@blp.etag
@blp.response(200, EvidenceSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_evidence(evidence_id: int):
    """One entry.

    With its competencies, status, version, content hash and sign-off state. Its ETag changes with every change of
    the entry; send it as If-None-Match to get 304 while nothing changed, and as If-Match to change the entry."""
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence)
    blp.set_etag(_etag(entry))
    return _entry(entry)


# --- writing -------------------------------------------------------------------------------------------------------


def _formdata(values: dict) -> MultiDict:
    """The API's values as the evidence form receives them from the page, control characters removed as the
    request removes them from a page's form (platform/inputs.py)."""
    data = MultiDict()
    for name, value in values.items():
        if name == "competencies":
            for code in value or ():
                data.add(name, clean_text(code))
        elif isinstance(value, date):
            data.add(name, value.isoformat())
        else:
            data.add(name, "" if value is None else clean_text(value))
    return data


def _checked(values: dict, curriculum, *, file_required: bool, kept: frozenset[str] = frozenset()) -> dict:
    """The values after the evidence form's own checks; 422 naming each field it refused."""
    form = EvidenceForm(formdata=None, meta={"csrf": False})
    form.competencies.choices = service.competency_choices(curriculum)
    form.file_required = file_required
    form.kept_details = kept
    form.process(formdata=_formdata(values))
    if not form.validate():
        abort(
            422,
            message="The entry was not saved: see errors for each field refused.",
            errors={"json": {name: list(messages) for name, messages in form.errors.items()}},
        )
    return form.data


@blp.route("/evidence", methods=["POST"])
@requires_scope("evidence:write", policy.can_record_evidence)
@blp.etag
@blp.arguments(EvidenceWriteSchema)
@blp.response(201, EvidenceSchema, headers={"Location": LOCATION_HEADER})
def create_evidence(values: dict):
    """Record an entry in the caller's own logbook.

    It is saved as a draft. The evidence form's checks apply, the patient-identifier guard among them; a
    certificate needs its file, so it is recorded on the logbook page."""
    profile = current_user.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    kind = values["evidence_type"]
    data = _checked(values, curriculum, file_required=kind in FILE_REQUIRED)
    entry = service.create(current_user, profile, curriculum, data, None)
    db.session.commit()
    blp.set_etag(_etag(entry))
    return _entry(entry), 201, {"Location": url_for("api_evidence.get_evidence", evidence_id=entry.id)}


@blp.route("/evidence/<int:evidence_id>", methods=["PATCH"])
@requires_scope("evidence:write", policy.can_record_evidence)
@blp.etag
@blp.arguments(EvidenceChangeSchema(partial=True))
@blp.response(200, EvidenceSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def update_evidence(changes: dict, evidence_id: int):
    """Change an entry while it may change.

    Send If-Match with the entry's ETag: a change made since is refused (412). Fields not sent keep their value and
    the whole is checked again. Changing an entry that waits for sign-off withdraws its request, as on the edit
    page; a signed entry changes only through a new version, on the logbook page (409)."""
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence, policy.owns_evidence)
    blp.check_etag(_etag(entry))
    if not policy.can_edit_evidence(current_user, entry):
        abort(409, message=service.why_not_editable(entry))
    profile = entry.trainee.trainee_profile
    curriculum = curricula.curriculum(profile.curriculum_version)
    values = {name: getattr(entry, name) for name in WRITTEN_FIELDS if name != "competencies"}
    values = {**values, "competencies": list(entry.competency_codes), **changes}
    kind = values["evidence_type"]
    data = _checked(
        values,
        curriculum,
        file_required=kind in FILE_REQUIRED and not entry.attachment_path,
        kept=service.kept_details(entry, kind),
    )
    try:
        service.update(current_user, entry, profile, curriculum, data, None, entry.row_version)
        db.session.commit()
    except service.StaleEvidence as error:
        db.session.rollback()
        abort(412, message=str(error))
    except signoff_services.SignOffConflict:
        db.session.rollback()
        abort(409, message="The request for sign-off was decided while the entry was being changed, so nothing was saved.")
    except OperationalError as error:
        abort(409, message=signoff_services.conflict_message(error))
    blp.set_etag(_etag(entry))
    return _entry(entry)


def _why_no_request(entry: EvidenceEntry) -> str:
    if signoff_services.pending_request(entry) is not None:
        return "This evidence is already waiting for sign-off."
    if not entry.is_current:
        return "A newer version replaced this evidence: ask for sign-off of the current version."
    return "This evidence was signed off, so it cannot be sent again. Create a new version to change it."


@blp.route("/evidence/<int:evidence_id>/signoff-requests", methods=["POST"])
@requires_scope("evidence:write", policy.can_record_evidence)
@blp.arguments(SignOffRequestWriteSchema)
@blp.response(201, SignOffRequestSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def request_signoff(body: dict, evidence_id: int):
    """Ask a supervisor to sign an entry off.

    One of the trainee's current supervisors (GET /api/v1/me lists them); the entry waits for them until they
    decide. Outside assessors are asked on the sign-off page."""
    entry = load_or_404(EvidenceEntry, evidence_id, policy.can_view_evidence)
    if not policy.can_request_signoff(current_user, entry):
        policy.authorize(policy.owns_evidence(current_user, entry))
        abort(409, message=_why_no_request(entry))
    supervisors = {user.id: user for user, _ in signoff_queries.current_supervisors(entry.trainee_id, uk_today())}
    supervisor = supervisors.get(body["supervisor_id"])
    if supervisor is None or not policy.can_ask_supervisor(current_user, entry, supervisor):
        message = (
            "Only an educational supervisor signs this kind of evidence off: choose yours."
            if supervisor is not None and entry.evidence_type in EDUCATIONAL_SUPERVISOR_ONLY
            else "This is not one of your current supervisors: GET /api/v1/me lists them."
        )
        abort(422, message="The request was not made: see errors.", errors={"json": {"supervisor_id": [message]}})
    try:
        signoff_request = signoff_services.request_signoff(current_user, entry, supervisor=supervisor)
        db.session.commit()
    except signoff_services.RACE_ERRORS as error:
        abort(409, message=signoff_services.conflict_message(error))
    return {
        "id": signoff_request.id,
        "evidence_id": entry.id,
        "status": signoff_request.status,
        "supervisor": {"id": supervisor.id, "name": supervisor.name},
        "asked_at": signoff_request.created_at,
        "links": {
            "evidence": url_for("api_evidence.get_evidence", evidence_id=entry.id),
            "page": url_for("signoff.detail", request_id=signoff_request.id),
        },
    }
