"""One small world for the fuzz and access-matrix tests: a trainee with evidence in every state, the people around
them (and around another trainee in another region), and one row of everything a route can name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, text

from tests.conftest import TEST_PASSWORD
from tests.factories import (
    AdminFactory,
    AssessorLinkFactory,
    DirectorFactory,
    EvidenceFactory,
    ExamAttemptFactory,
    ExamSittingFactory,
    RegionFactory,
    SignOffFactory,
    SignOffRequestFactory,
    SupervisorFactory,
    TraineeFactory,
    UserFactory,
    assign,
    direct,
)
from tests.support import clock
from tests.support.clients import Browser
from trainee_portal.extensions import db
from trainee_portal.models import (
    ArcpOutcome,
    CurriculumUpload,
    HaloEvidence,
    HaloRequest,
    ImportJob,
    MockExamScore,
    OutboxMessage,
    RoleScope,
    SignOff,
    TrainingPeriod,
)

ASSESSOR_TOKEN = "assessor-token-for-the-security-tests-0123456789"
MSF_TOKEN = "msf-rater-token-for-the-security-tests-0123456789"
OWNER_NAME, OWNER_GMC = "Dr Tamsin Owner", "7123456"
OTHER_NAME, OTHER_GMC = "Dr Oscar Otherfield", "7654321"


@dataclass
class World:
    people: dict = field(default_factory=dict)  # role -> User (no entry for "anonymous")
    ids: dict = field(default_factory=dict)  # URL argument name -> value, for the trainee's own records
    other_ids: dict = field(default_factory=dict)  # the same for the other trainee's records


def _panel_pack(who, director) -> dict:
    """An ARCP panel ten days ahead whose cut-off has passed, with the trainee on it and their pack frozen."""
    from trainee_portal.models import ArcpPanel, ArcpPanelTrainee
    from trainee_portal.packs import services as packs

    panel = ArcpPanel(
        region_id=who.trainee_profile.region_id,
        panel_date=clock.today() + timedelta(days=10),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=clock.today() - timedelta(days=3),
        created_by_id=director.id,
    )
    db.session.add(panel)
    db.session.flush()
    db.session.add(ArcpPanelTrainee(panel_id=panel.id, trainee_id=who.id, readiness="green"))
    db.session.commit()
    return {"pack_panel_id": panel.id, "pack_id": packs.freeze(panel, who.id).id}


def build_world() -> World:
    from trainee_portal import curricula

    region, other_region = RegionFactory(name="London"), RegionFactory(name="North West")
    owner = TraineeFactory(name=OWNER_NAME, profile__region=region, profile__gmc_number=OWNER_GMC)
    other = TraineeFactory(name=OTHER_NAME, profile__region=other_region, profile__gmc_number=OTHER_GMC)
    supervisor = SupervisorFactory(name="Dr Assigned Supervisor")
    assign(supervisor, owner)
    unassigned = SupervisorFactory(name="Dr Unassigned Supervisor")
    assign(unassigned, other)
    director, other_director = DirectorFactory(name="Dr London Director"), DirectorFactory(name="Dr North West Director")
    direct(director, region=region)
    direct(other_director, region=other_region)
    admin = AdminFactory(name="Dr Admin")
    regional = _regional_people(region, other_region)

    world = World(
        people={
            "trainee": owner,
            "other_trainee": other,
            "supervisor": supervisor,
            "unassigned_supervisor": unassigned,
            "director": director,
            "other_director": other_director,
            "admin": admin,
            **regional,
        }
    )
    for who, ids, sup in ((owner, world.ids, supervisor), (other, world.other_ids, unassigned)):
        draft = EvidenceFactory(trainee=who, title="Draft clinic", notes="Draft notes", **_attachment())
        pending = EvidenceFactory(trainee=who, status="submitted", title="Awaiting sign-off")
        request = SignOffRequestFactory(evidence=pending, supervisor=sup)
        signed = EvidenceFactory(trainee=who, title="Signed clinic")
        SignOffFactory(evidence=signed, signer=sup)
        # Signing in person and new assessor links: a signature given with the supervisor's PIN, and a request
        # waiting for an outside assessor.
        in_person = SignOffFactory(
            evidence=EvidenceFactory(trainee=who, title="Signed in person"), signer=sup, method="in_person_pin"
        )
        assessed = EvidenceFactory(trainee=who, status="submitted", title="Awaiting an outside assessor")
        assessor_request = SignOffRequestFactory(evidence=assessed, supervisor=None, assessor_email="assessor@example.org")
        unconfirmed = _unconfirmed_assessor_signature(who)
        message = OutboxMessage(
            user_id=who.id,
            to_email=who.email,
            subject="Sign-off requested",
            body="Body",
            link=f"/logbook/{pending.id}",
            category="signoff",
        )
        mock = MockExamScore(
            trainee_id=who.id, part="MCQ", taken_on=clock.today() - timedelta(days=10), title="Mock", score_percent=60
        )
        arcp = ArcpOutcome(
            trainee_id=who.id,
            training_year="ST6",
            outcome="1",
            panel_date=clock.today() - timedelta(days=30),
            recorded_by_id=director.id,
        )
        period = TrainingPeriod(
            trainee_id=who.id,
            kind="ltft",
            wte_percent=60,
            starts_on=clock.today() - timedelta(days=60),
            recorded_by_id=director.id,
        )
        job = ImportJob(  # a finished logbook import, with a rejected row
            trainee_id=who.id,
            created_by_id=who.id,
            filename="logbook.csv",
            file_sha256=f"{who.id:064d}",
            size_bytes=100,
            status="done",
            rows_total=2,
            rows_imported=1,
            rows_rejected=1,
            problems='[[3, "date", "The date cannot be in the future"]]',
        )
        db.session.add_all([message, mock, arcp, period, job])
        db.session.commit()
        ids.update(trainee_id=who.id, user_id=who.id, message_id=message.id, period_id=period.id, job_id=job.id)
        ids.update(evidence_id=draft.id, pending_evidence_id=pending.id, signed_evidence_id=signed.id)
        ids.update(form_key=f"evidence-edit-{draft.id}")  # the draft of editing this trainee's draft entry
        ids.update(request_id=request.id, signoff_id=unconfirmed.id)  # the request waiting, the signature to confirm
        ids.update(in_person_signoff_id=in_person.id, assessor_request_id=assessor_request.id)
        ids.update(halo_request_id=_halo_request(who, signed).id)
        ids.update(_panel_pack(who, director))
        ids.update(_msf_round(who, MSF_TOKEN if who is owner else MSF_TOKEN + "-other"))
    exam_sitting = ExamSittingFactory(days_from_today=-40)
    world.ids["attempt_id"] = ExamAttemptFactory(trainee=owner, sitting=exam_sitting, result="fail", score=50).id
    world.ids["region_id"] = region.id
    from trainee_portal.models import LocalRule

    rule = LocalRule(
        region_id=region.id,
        curriculum_version="2021",
        competency_code="S3_PM_02",
        evidence_type="wba.cbd",
        minimum=2,
        signoff_required=True,
        basis="suggestion",
        created_by_id=director.id,
    )
    db.session.add(rule)
    db.session.commit()
    world.ids["rule_id"] = rule.id
    from trainee_portal.models import ArcpPanel, ArcpPanelTrainee

    panel = ArcpPanel(
        region_id=region.id,
        panel_date=clock.today() + timedelta(days=40),
        training_year="ST6",
        cutoff_working_days=10,
        cutoff_date=clock.today() + timedelta(days=26),
        title="Summer panel",
        created_by_id=director.id,
    )
    db.session.add(panel)
    db.session.flush()
    db.session.add(ArcpPanelTrainee(panel_id=panel.id, trainee_id=owner.id))
    db.session.commit()
    world.ids["panel_id"] = panel.id
    world.other_ids["attempt_id"] = ExamAttemptFactory(trainee=other, sitting=exam_sitting, result="pass", score=70).id
    linked = EvidenceFactory(trainee=owner, status="submitted", title="Assessed clinic")
    AssessorLinkFactory(evidence=linked, assessor_email="outside@example.org", token=ASSESSOR_TOKEN)
    with open("competencies/curricula/pain-2021.toml", encoding="utf-8") as handle:
        content = handle.read().replace('version = "2021"', 'version = "2099"', 1)
        upload = CurriculumUpload(version="2099", filename="pain-2099.toml", content=content, uploaded_by_id=admin.id)
    db.session.add(upload)
    db.session.commit()
    from trainee_portal.models import DirectorScope, SupervisorAssignment

    shared = dict(
        sitting_id=exam_sitting.id,
        upload_id=upload.id,
        token=ASSESSOR_TOKEN,
        assignment_id=db.session.scalar(select(SupervisorAssignment.id).where(SupervisorAssignment.trainee_id == owner.id)),
        scope_id=db.session.scalar(select(DirectorScope.id).where(DirectorScope.director_id == director.id)),
        role_scope_id=db.session.scalar(select(RoleScope.id).where(RoleScope.user_id == world.people["faculty_tutor"].id)),
        stage_key=curricula.curriculum("2021").stage_for_level("higher").key,
        curriculum_version="2021",
        filename="css/app.css",
        asset_filename="nhsuk-frontend.min.css",
        evidence_static_filename="evidence-form.js",
        **{
            f"code_{level}": curricula.curriculum("2021").stage_for_level(level).competencies[0].code
            for level in ("basic", "intermediate", "higher", "advanced")
        },
    )
    world.ids.update(shared)
    world.other_ids.update({k: v for k, v in shared.items() if k not in world.other_ids})
    from trainee_portal.auth import tokens

    for who, ids in ((owner, world.ids), (other, world.other_ids)):  # a live API token of each trainee
        ids["api_token_id"] = tokens.create(who, "Rota app", ["read"], clock.today() + timedelta(days=30))[0].id
    for ids in (world.ids, world.other_ids):
        ids["swagger_ui_filename"] = "swagger-ui.css"  # a file of the API documentation page's Swagger UI
    db.session.commit()
    return world


def _regional_people(region, other_region) -> dict:
    """The regional roles: a Faculty Tutor (Pain) and an RAPM of the trainee's region, a Faculty Tutor of the other
    trainee's region, and a College Tutor of the trainee's region (who decides no HALO)."""
    people = {}
    for caller, role, where, name in (
        ("faculty_tutor", "faculty_tutor", region, "Dr London Faculty Tutor"),
        ("rapm", "rapm", region, "Dr London RAPM"),
        ("other_faculty_tutor", "faculty_tutor", other_region, "Dr North West Faculty Tutor"),
        ("college_tutor", "college_tutor", region, "Dr London College Tutor"),
    ):
        people[caller] = UserFactory(name=name, roles=(role,))
        db.session.add(RoleScope(user_id=people[caller].id, role=role, region_id=where.id))
    db.session.commit()
    return people


def _halo_request(who, entry):
    """A Stage 1 HALO request waiting for a decision, naming one signed entry."""
    request = HaloRequest(
        trainee_id=who.id,
        curriculum_version="2021",
        stage_key="stage-1",
        statement="My Stage 1 evidence.",
        evidence=[HaloEvidence(evidence_id=entry.id, content_hash=entry.content_hash, row_version=entry.row_version)],
    )
    db.session.add(request)
    db.session.commit()
    return request


def _unconfirmed_assessor_signature(who) -> SignOff:
    """An outside assessor's signature from an untrusted address, waiting for the educational supervisor."""
    entry = EvidenceFactory(trainee=who, status="submitted", title="Assessed by a visitor")
    request = SignOffRequestFactory(
        evidence=entry, supervisor=None, assessor_email="visitor@example.org", status="signed", decided_at=clock.now()
    )
    db.session.flush()
    signoff = SignOff(
        evidence_id=entry.id,
        request_id=request.id,
        assessor_name="Dr Visitor",
        assessor_gmc="1111111",
        assessor_email="visitor@example.org",
        assurance="unconfirmed",
        supervision_level="2b",
        content_hash=entry.content_hash,
    )
    db.session.add(signoff)
    db.session.commit()
    return signoff


def _msf_round(who, token: str) -> dict:
    """An MSF round collecting feedback, with one rater whose one-time link is live."""
    from trainee_portal.models import MsfRater, MsfRound

    msf_round = MsfRound(trainee_id=who.id, title="Placement", curriculum_version=who.trainee_profile.curriculum_version)
    db.session.add(msf_round)
    db.session.flush()
    rater = MsfRater(
        round_id=msf_round.id,
        name="Rater",
        email=f"rater.{who.id}@nhs.example",
        staff_group="consultant",
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=clock.now() + timedelta(days=7),
    )
    db.session.add(rater)
    db.session.commit()
    return {"round_id": msf_round.id, "msf_token": token, "msf_rater_id": rater.id}


def _attachment() -> dict:
    """A small PDF stored the way uploads are, so the file route has something to serve."""
    import secrets

    from trainee_portal.logbook.attachments import upload_dir

    name = f"{secrets.token_hex(16)}.pdf"
    (upload_dir() / name).write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    return dict(attachment_name="certificate.pdf", attachment_path=name, attachment_mime="application/pdf", attachment_size=48)


def snapshot() -> str:
    """A digest of every stored row of every table: equal digests mean nothing stored changed."""
    digest = hashlib.sha256()
    db.session.expire_all()
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            for row in conn.execute(text(f'SELECT * FROM "{table.name}" ORDER BY {order}')):
                digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


# The kinds of caller the access tests ask as, in the order of their expected statuses.
CALLERS = ("anonymous", "trainee", "other_trainee", "supervisor", "unassigned_supervisor", "other_director", "director", "admin")
# The regional roles, asked as too (test_access_matrix.REGIONAL: their statuses where a rule does not give them).
REGIONAL_CALLERS = ("faculty_tutor", "rapm", "other_faculty_tutor", "college_tutor")


def signed_in_clients(app, world: World) -> dict[str, Browser]:
    """A separate browser per caller, each signed in as that person of the world (anonymous: not signed in)."""
    clients = {"anonymous": Browser(app)}
    for caller in CALLERS[1:] + REGIONAL_CALLERS:
        client = Browser(app)
        response = client.post("/login", data={"email": world.people[caller].email, "password": TEST_PASSWORD})
        assert response.status_code == 302, f"{caller} could not sign in"
        clients[caller] = client
    return clients
