"""Curriculum uploads: validate a file, describe how it differs from an existing version, activate it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select, update

from competencies import Curriculum, CurriculumError, ValidationIssue, load_curriculum_text, load_registry
from trainee_portal import audit, curricula, progress
from trainee_portal.extensions import db
from trainee_portal.models import CurriculumUpload, TraineeProfile, User
from trainee_portal.models._base import utcnow

MAX_BYTES = 1024 * 1024


@lru_cache(maxsize=1)
def shipped_versions() -> tuple[str, ...]:
    return load_registry().versions()


def parse_upload(filename: str, raw: bytes) -> Curriculum:
    """The curriculum in an uploaded file; CurriculumError lists every problem with its place in the file."""
    if len(raw) > MAX_BYTES:
        raise CurriculumError([ValidationIssue(filename, "(file)", "the file is larger than 1 MB")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CurriculumError([ValidationIssue(filename, "(file)", "not a UTF-8 text file; save it as UTF-8 TOML")]) from None
    curriculum = load_curriculum_text(text, filename)
    if curriculum.version in shipped_versions():
        raise CurriculumError(
            [
                ValidationIssue(
                    filename,
                    "curriculum.version",
                    f"version {curriculum.version} ships with the application and cannot be replaced; give the upload a new version, e.g. {curriculum.version}.1",
                )
            ]
        )
    return curriculum


def save_draft(actor: User, filename: str, raw: bytes, curriculum: Curriculum) -> CurriculumUpload:
    upload = CurriculumUpload(
        version=curriculum.version, filename=filename[:200], content=raw.decode("utf-8"), status="draft", uploaded_by_id=actor.id
    )
    db.session.add(upload)
    return upload


@dataclass
class Change:
    key: str
    name: str
    fields: list[str] = field(default_factory=list)


@dataclass
class Diff:
    against: str | None
    stages_added: list[Change] = field(default_factory=list)
    stages_removed: list[Change] = field(default_factory=list)
    stages_changed: list[Change] = field(default_factory=list)
    competencies_added: list[Change] = field(default_factory=list)
    competencies_removed: list[Change] = field(default_factory=list)
    competencies_changed: list[Change] = field(default_factory=list)
    exam_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.stages_added,
                self.stages_removed,
                self.stages_changed,
                self.competencies_added,
                self.competencies_removed,
                self.competencies_changed,
                self.exam_changed,
            )
        )


STAGE_FIELDS = ("name", "level", "order", "when", "duration", "min_weeks", "max_weeks", "status", "aim", "sources")
COMPETENCY_FIELDS = ("title", "description", "themes", "exam_relevant", "sources", "evidence", "domain_key", "stage_key")
FIELD_LABELS = {
    "evidence": "evidence rules",
    "domain_key": "domain",
    "stage_key": "stage",
    "exam_relevant": "exam relevance",
    "min_weeks": "minimum weeks",
    "max_weeks": "maximum weeks",
}


def _changed(old, new, names) -> list[str]:
    return [FIELD_LABELS.get(n, n.replace("_", " ")) for n in names if getattr(old, n) != getattr(new, n)]


def diff(new: Curriculum, old: Curriculum | None) -> Diff:
    result = Diff(old.version if old else None)
    if old is None:
        result.stages_added = [Change(s.key, s.name) for s in new.stages]
        result.competencies_added = [Change(c.code, c.title) for c in new.competencies]
        return result
    old_stages, new_stages = {s.key: s for s in old.stages}, {s.key: s for s in new.stages}
    result.stages_added = [Change(k, s.name) for k, s in new_stages.items() if k not in old_stages]
    result.stages_removed = [Change(k, s.name) for k, s in old_stages.items() if k not in new_stages]
    result.stages_changed = [
        Change(k, s.name, _changed(old_stages[k], s, STAGE_FIELDS))
        for k, s in new_stages.items()
        if k in old_stages and _changed(old_stages[k], s, STAGE_FIELDS)
    ]
    old_codes, new_codes = {c.code: c for c in old.competencies}, {c.code: c for c in new.competencies}
    result.competencies_added = [Change(k, c.title) for k, c in new_codes.items() if k not in old_codes]
    result.competencies_removed = [Change(k, c.title) for k, c in old_codes.items() if k not in new_codes]
    result.competencies_changed = [
        Change(k, c.title, _changed(old_codes[k], c, COMPETENCY_FIELDS))
        for k, c in new_codes.items()
        if k in old_codes and _changed(old_codes[k], c, COMPETENCY_FIELDS)
    ]
    result.exam_changed = [
        n.replace("_", " ")
        for n in (
            "mcq_before_soe",
            "mcq_validity_years",
            "max_attempts_per_part",
            "extra_training_from_attempt",
            "soe_requires_rapm_confirmation",
            "soe_min_advanced_months",
        )
        if getattr(old.exam, n) != getattr(new.exam, n)
    ]
    return result


def default_comparison(version: str) -> str | None:
    """Compare with the same version when one is live, else with the newest version in use."""
    registry = curricula.registry()
    if version in registry:
        return version
    versions = registry.versions()
    return versions[-1] if versions else None


def activate(actor: User, upload: CurriculumUpload) -> int:
    """Make the upload the live version (retiring an earlier upload of it), reload, refresh its trainees' progress."""
    db.session.execute(
        update(CurriculumUpload)
        .where(
            CurriculumUpload.version == upload.version,
            CurriculumUpload.status == "active",
            CurriculumUpload.id != upload.id,
        )
        .values(status="retired")
    )
    upload.status = "active"
    upload.activated_at = utcnow()
    audit.append(
        "curriculum.activated",
        actor=actor,
        subject_type="curriculum_upload",
        subject_id=upload.id,
        payload={"version": upload.version, "filename": upload.filename},
    )
    db.session.flush()
    curricula.registry(force=True)
    trainee_ids = db.session.scalars(
        select(TraineeProfile.user_id).where(TraineeProfile.curriculum_version == upload.version)
    ).all()
    for trainee_id in trainee_ids:
        progress.refresh_trainee(trainee_id)  # stage results follow the new rules at once
    return len(trainee_ids)
