"""Demo data: regions, cohorts, one account per role and trainees at different points, with real evidence.

Everything is built through the same models and services as the app uses, so statuses on screen are
computed, not typed in. Deterministic: the same run gives the same data.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from competencies import STAGE_LEVELS
from trainee_portal import audit, curricula
from trainee_portal.audit import text_sha256
from trainee_portal.demo import attention as attention_demo
from trainee_portal.demo import cohort as cohort_demo
from trainee_portal.demo import director as director_demo
from trainee_portal.demo import evidence as evidence_demo
from trainee_portal.demo import exams as exams_demo
from trainee_portal.demo import halo as halo_demo
from trainee_portal.demo import msf as msf_demo
from trainee_portal.demo import panels as panels_demo
from trainee_portal.demo import rules as rules_demo
from trainee_portal.demo import signoff as signoff_demo
from trainee_portal.demo import trainee_home as trainee_home_demo
from trainee_portal.demo import training_time as training_time_demo
from trainee_portal.demo import transitions as transition_demo
from trainee_portal.demo import wording
from trainee_portal.demo.accounts import DEMO_PASSWORD, email, make_user
from trainee_portal.extensions import db
from trainee_portal.models import (
    Cohort,
    DirectorScope,
    EvidenceCompetency,
    EvidenceEntry,
    Region,
    SignOff,
    SignOffRequest,
    SupervisorAssignment,
    TraineeProfile,
    User,
)
from trainee_portal.platform.clock import uk_today
from trainee_portal.platform.passwords import hash_password
from trainee_portal.summaries import progress

HOSPITALS = [
    "St Thomas' Hospital",
    "King's College Hospital",
    "Royal London Hospital",
    "Salford Royal",
    "Royal Infirmary of Edinburgh",
]
SETTINGS = {
    "logbook.clinic": "outpatient",
    "logbook.ward_round": "ward",
    "logbook.mdt": "mdt",
    "logbook.procedure": "theatre",
    "logbook.teaching": "teaching",
}

# name, email local part, curriculum, current level, region, cohort, months into the stage, share of the current stage done, idle days
TRAINEES = [
    ("Dr Aisha Khan", "trainee", "2021", "higher", "London", "London 2023 intake", 2, 0.55, 0),
    ("Dr Tom Reid", "trainee2010", "2010", "advanced", "London", "London 2022 intake", 7, 0.6, 3),
    ("Dr Grace Mensah", "grace.mensah", "2021", "intermediate", "London", "London 2024 intake", 10, 0.15, 75),
    ("Dr Owen Price", "owen.price", "2021", "advanced", "London", "London 2022 intake", 9, 0.9, 1),
    ("Dr Mei Lin", "mei.lin", "2021", "basic", "London", "London 2025 intake", 3, 0.35, 5),
    ("Dr Samuel Adeyemi", "samuel.adeyemi", "2021", "higher", "London", "London 2023 intake", 2, 0.1, 20),
    ("Dr Fiona Campbell", "fiona.campbell", "2010", "higher", "North West", "North West 2023 intake", 1, 0.5, 2),
    ("Dr Rory Doyle", "rory.doyle", "2021", "intermediate", "North West", "North West 2024 intake", 4, 0.4, 8),
    ("Dr Isla Fraser", "isla.fraser", "2021", "basic", "Scotland", "Scotland 2025 intake", 4, 0.5, 6),
    ("Dr Hannah Moss", "trainee.moved", "2010", "advanced", "London", "London 2022 intake", 8, 0.9, 2),  # moved to 2021
]


# The SIA a 2021 trainee at the advanced slot follows, where the demo shows one chosen (the others have not chosen).
SIA_CHOICES = {"owen.price": "sia-acute-inpatient"}


def load_demo(reset: bool = False, today: date | None = None, password: str = DEMO_PASSWORD) -> bool:
    """Create the demo data unless it is there already, every account with `password`; returns whether anything
    was created."""
    today = today or uk_today()
    if db.session.scalar(select(User.id).where(User.email == email("admin"))) is not None:
        return False
    rng = random.Random(2026)
    password_hash = hash_password(password)

    regions = {name: Region(name=name) for name in ("London", "North West", "Scotland")}
    regions["London"].trusted_assessor_domains = "nhs.net"  # outside assessors at nhs.net count without confirmation
    db.session.add_all(regions.values())
    db.session.flush()
    audit.record("region.trusted_domains_changed", regions["London"], {"old": [], "new": ["nhs.net"]}, actor_label="demo data")
    cohorts = {}
    for _, _, _, _, region, cohort, *_ in TRAINEES:
        if cohort not in cohorts:
            cohorts[cohort] = Cohort(name=cohort, region=regions[region], intake_year=int(cohort.split()[-2]))
    db.session.add_all(cohorts.values())

    make_user("Alex Morgan", "admin", ("admin",), password_hash)
    director = make_user("Dr Helen Okafor", "director", ("director",), password_hash)
    supervisor = make_user("Dr James Whitfield", "supervisor", ("supervisor",), password_hash)
    supervisor_nw = make_user("Dr Niamh Kelly", "supervisor.nw", ("supervisor",), password_hash)
    make_user("Dr Priya Shah", "director.nw", ("director", "supervisor"), password_hash)
    db.session.flush()
    db.session.add(DirectorScope(director_id=director.id, region_id=regions["London"].id))
    nw_director = db.session.scalar(select(User).where(User.email == email("director.nw")))
    db.session.add(DirectorScope(director_id=nw_director.id, region_id=regions["North West"].id))
    scot_director = make_user("Dr Ewan Ross", "director.scot", ("director",), password_hash)
    db.session.flush()
    db.session.add(DirectorScope(director_id=scot_director.id, region_id=regions["Scotland"].id))

    for index, (name, local, version, level, region, cohort, months_in, share, idle_days) in enumerate(TRAINEES):
        trainee = make_user(name, local, ("trainee",), password_hash)
        db.session.flush()
        stage_start = today - timedelta(days=int(months_in * 30.4))
        db.session.add(
            TraineeProfile(
                user_id=trainee.id,
                gmc_number=f"{7100000 + index * 1379:07d}",
                curriculum_version=version,
                current_stage=level,
                programme_start=stage_start - timedelta(days=365 * (STAGE_LEVELS.index(level) + 1)),
                stage_started_on=stage_start,
                region_id=regions[region].id,
                cohort_id=cohorts[cohort].id,
                sia_stage_key=SIA_CHOICES.get(local),
            )
        )
        sup = supervisor if region == "London" else supervisor_nw
        db.session.add(
            SupervisorAssignment(
                supervisor_id=sup.id, trainee_id=trainee.id, kind="educational", starts_on=stage_start - timedelta(days=400)
            )
        )
        db.session.flush()
        _evidence_for(
            trainee, sup, version, level, share, stage_start, today - timedelta(days=idle_days), rng, SIA_CHOICES.get(local)
        )
    db.session.flush()
    signoff_demo.load(today)  # queue, returns, outbox
    cohort_demo.load(today)  # ARCP outcomes, exam histories
    exams_demo.load(today)  # sittings, attempts, RAPM, mocks
    evidence_demo.load(today)  # a certificate with its file
    rules_demo.load()  # Scotland's local rule set and a programme suggestion
    halo_demo.load(password_hash)  # a Faculty Tutor (Pain), an RAPM and a Stage 1 HALO request waiting
    msf_demo.load()  # an MSF round with ten of twelve raters answered, ready for the supervisor to release
    training_time_demo.load(today)  # a trainee working less than full time
    transition_demo.load(today)  # a 2010 trainee already moved to 2021
    panels_demo.load(today)  # a London ARCP panel five weeks ahead; Scotland's bank holidays
    trainee_home_demo.load(today)  # the demo trainee's sign-offs waiting on their supervisor, one past 14 days
    director_demo.load(today)  # on that panel, one trainee ready and one nearly ready
    attention_demo.load(password_hash)  # an account awaiting first sign-in, its invitation email not sent, a curriculum draft
    progress.recompute_all()
    db.session.commit()
    return True


def _evidence_for(
    trainee: User,
    supervisor: User,
    version: str,
    current_level: str,
    share: float,
    stage_start: date,
    last_day: date,
    rng: random.Random,
    sia_choice: str | None = None,
) -> None:
    """Earlier stages complete and signed; the current stage partly done, with some items awaiting sign-off."""
    curriculum = curricula.curriculum(version)
    current_index = STAGE_LEVELS.index(current_level)
    for level in STAGE_LEVELS[: current_index + 1]:
        stage = curriculum.stage_for_level(level, sia_choice)
        competencies = list(stage.competencies)
        done = len(competencies) if level != current_level else int(round(len(competencies) * share))
        for position, competency in enumerate(competencies):
            if position < done:
                statuses = ["signed"]
            elif level == current_level and position < done + 3:
                statuses = ["submitted", "draft"]
            else:
                continue
            for rule in competency.evidence:
                count = rule.minimum if statuses == ["signed"] else 1
                for n in range(count):
                    status = statuses[n % len(statuses)]
                    if level == current_level:
                        span = max((last_day - stage_start).days, 1)
                        occurred = stage_start + timedelta(days=rng.randint(0, span))
                    else:
                        occurred = stage_start - timedelta(days=rng.randint(30, 700))
                    _entry(trainee, supervisor, stage.level, competency, rule, status, min(occurred, last_day), rng)


def _entry(trainee, supervisor, level, competency, rule, status, occurred, rng):
    kind, code = rule.evidence_type, competency.code
    levels = ["1", "2a", "2b", "3", "4"]
    minimum = levels.index(rule.min_supervision) if rule.min_supervision else 0
    entry = EvidenceEntry(
        trainee_id=trainee.id,
        evidence_type=kind,
        stage_level=level,
        occurred_on=occurred,
        title=wording.title(kind, code, competency.title, occurred),
        setting=SETTINGS.get(kind, "other"),
        hospital=rng.choice(HOSPITALS),
        supervision_level=levels[rng.randint(minimum, min(minimum + 1, 4))],
        technique="medial_branch_block" if kind in ("logbook.procedure", "wba.dops") else None,
        guidance="xray" if kind in ("logbook.procedure", "wba.dops") else None,
        notes=wording.notes(kind, code, occurred),
        reflection=wording.reflection(kind),
        status=status,
        created_at=datetime.combine(occurred, time(17, 30)),
        updated_at=datetime.combine(occurred, time(17, 30)),
    )
    entry.competencies = [EvidenceCompetency(competency_code=code)]
    db.session.add(entry)
    db.session.flush()
    entry.content_hash = entry.compute_content_hash()
    flag_modified(entry, "updated_at")  # keep the back-dated time: onupdate would stamp now, hiding idle trainees
    if status in ("submitted", "signed"):
        entry.submitted_at = entry.created_at
        request = SignOffRequest(
            evidence_id=entry.id,
            requested_by_id=trainee.id,
            supervisor_id=supervisor.id,
            status="pending" if status == "submitted" else "signed",
            created_at=entry.created_at,
        )
        db.session.add(request)
        db.session.flush()
        audit.record("signoff.requested", entry, {"request_id": request.id, "to": supervisor.email}, actor=trainee)
        if status == "signed":
            request.decided_at = entry.created_at + timedelta(days=rng.randint(1, 10))
            request.decided_by_id = supervisor.id
            entry.signed_at = request.decided_at
            flag_modified(entry, "updated_at")
            signoff = SignOff(
                evidence_id=entry.id,
                request_id=request.id,
                signer_id=supervisor.id,
                supervision_level=entry.supervision_level,
                feedback="Well done; see comments in person.",
                content_hash=entry.content_hash,
                signed_at=request.decided_at,
            )
            db.session.add(signoff)
            db.session.flush()
            audit.record(
                "signoff.signed",
                entry,
                {
                    "request_id": request.id,
                    "signoff_id": signoff.id,
                    "evidence_id": entry.id,
                    "level": signoff.supervision_level,
                    "content_hash": entry.content_hash,
                    "signer_id": supervisor.id,
                    "assessor_name": None,
                    "assessor_gmc": None,
                    "assessor_email": None,
                    "assurance": signoff.assurance,
                    "feedback_sha256": text_sha256(signoff.feedback),
                    "method": signoff.method,
                },
                actor=supervisor,
            )
