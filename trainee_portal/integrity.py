"""verify-audit's check: the chain against every signed head, and every row that carries a decision against the log.

A database administrator can change any row, including the audit log itself. The chain (audit.py) catches edits
of the log; signed heads catch a log rewritten and re-hashed; this module catches decision rows that no longer say
what the log recorded: sign-offs (level, signer, assessor, assurance, feedback, content), voids and deletions,
evidence status, stage sign-offs, exam results, ARCP outcomes, HALO requests, training periods, curriculum moves,
regions' local rules, ARCP panels (scope, cut-off, trainees, cancellation), the bytes of certificate files and the
documents issued with a verification code (their code, kind, trainee and the SHA-256 of the bytes issued).

Rows are read one batch of trainees at a time (each trainee's rows and audit records together, by the trainee
index), so memory stays bounded however large the portfolio is.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from sqlalchemy import func, select

from competencies import panel_pack, transition
from trainee_portal import audit
from trainee_portal.audit import text_sha256
from trainee_portal.extensions import db
from trainee_portal.logbook import attachments
from trainee_portal.models import (
    ApiToken,
    ArcpOutcome,
    ArcpPanel,
    ArcpPanelTrainee,
    AuditCheckpoint,
    AuditRecord,
    CurriculumTransition,
    DocumentExport,
    EvidenceCompetency,
    EvidenceEntry,
    EvidenceTally,
    EvidenceWeek,
    ExamAttempt,
    ExamPrerequisite,
    HaloRequest,
    LocalRule,
    MsfRater,
    MsfResponse,
    MsfRound,
    PanelPack,
    RapmConfirmation,
    Region,
    SignOff,
    SignOffRequest,
    StageSignOff,
    TraineeProfile,
    TrainingPeriod,
    User,
)
from trainee_portal.msf.queries import results_sha256 as msf_results_sha256
from trainee_portal.summaries import evidence_weeks, progress

COUNTING_ASSURANCE = ("supervisor", "trusted_domain", "confirmed")
SIGNOFF_KEYS = (
    "evidence_id",
    "level",
    "content_hash",
    "signer_id",
    "assessor_name",
    "assessor_gmc",
    "assessor_email",
    "assurance",
    "feedback_sha256",
    "method",  # how it was given: signed in, through an assessor's link, or in person with the supervisor's PIN
)
STAGE_KEYS = ("trainee_id", "stage_key", "curriculum_version", "stage_level", "signed_by_id", "signed_on", "comment_sha256")
EXAM_KEYS = ("trainee_id", "sitting_id", "result", "score", "extra_training_note_sha256", "recorded_by_id", "corrected_by_id")
ARCP_KEYS = ("trainee_id", "training_year", "outcome", "panel_date", "notes_sha256", "recorded_by_id", "evidence_summary_sha256")
ATTACHMENT_ACTIONS = ("evidence.created", "evidence.updated", "evidence.new_version", "evidence.fingerprinted")
RAPM_KEYS = (
    "trainee_id",
    "confirmed_by_id",
    "confirmed_on",
    "stage3_pain_complete",
    "advanced_training_started_on",
    "note_sha256",
)
PREREQUISITE_KEYS = (
    "trainee_id",
    "gmc_registered_on",
    "fpm_status",
    "fpm_applied_on",
    "fpm_member_since",
    "good_standing",
    "recorded_by_id",
    "confirmed_by_id",
    "confirmed_on",
)
ACTIONS = (
    "signoff.signed",
    "signoff.confirmed",
    "signoff.voided",
    "evidence.deleted",
    "stage.signed_off",
    "exam.attempt_recorded",
    "exam.attempt_corrected",
    "exam.rapm_confirmed",
    "arcp.recorded",
    "panel_pack.frozen",
    "exam.prerequisites_recorded",
    "exam.prerequisites_confirmed",
    "halo.requested",
    "halo.signed",
    "halo.returned",
    "halo.withdrawn",
    "training_period.added",
    "training_period.ended",
    "training_period.deleted",
    "curriculum.moved",
    "document.issued",
    "document.sealed",
    "evidence.imported",
) + ATTACHMENT_ACTIONS


@dataclass(frozen=True)
class Problem:
    kind: str  # chain | checkpoint | signoff | evidence | attachment | stage_signoff | halo_request | exam_result | arcp_outcome | panel_pack | document
    where: str  # e.g. "audit record 12", "sign-off 4 (evidence 9)", "evidence 9, file ab12….pdf"
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


@dataclass
class IntegrityReport:
    ok: bool
    checked: dict[str, int]
    problems: list[Problem]  # the first `limit` found
    problem_count: int  # all of them
    warnings: list[Problem] = field(default_factory=list)  # not failures: e.g. files not yet fingerprinted
    warning_count: int = 0
    seconds: float = 0.0


class _Findings:
    def __init__(self, limit: int):
        self.limit, self.problems, self.problem_count = limit, [], 0
        self.warnings, self.warning_count = [], 0
        self.partly_covered: Counter = Counter()  # (kind, missing keys) -> rows whose audit records predate the keys

    def add(self, kind: str, where: str, detail: str) -> None:
        self.problem_count += 1
        if len(self.problems) < self.limit:
            self.problems.append(Problem(kind, where, detail))

    def warn(self, kind: str, where: str, detail: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < self.limit:
            self.warnings.append(Problem(kind, where, detail))


def verify_all(limit: int = 50, batch_trainees: int = 50, backup_taken_at: datetime | None = None) -> IntegrityReport:
    """Check the chain, the signed heads and every decision row; list every problem (the first `limit` in full).

    backup_taken_at: checking a backup before it is restored. Heads in this machine's checkpoint file signed after
    the backup was taken may name records the backup does not have yet and need not be in its table; they still
    bind every record the backup does have.
    """
    started, found = time.perf_counter(), _Findings(limit)
    checked: Counter = Counter()
    _check_chain(found, checked, backup_taken_at)
    _check_trusted_domains(found, checked)
    _check_local_rules(found, checked)
    _check_panels(found, checked)
    _check_msf_rounds(found, checked)
    _check_api_tokens(found, checked)
    last_id = 0
    while True:
        ids = db.session.scalars(select(User.id).where(User.id > last_id).order_by(User.id).limit(batch_trainees)).all()
        if not ids:
            break
        _check_trainees(ids, found, checked)  # the session holds rows weakly: a finished batch is freed
        last_id = ids[-1]
    for (kind, missing), rows in sorted(found.partly_covered.items()):
        found.warn(
            kind,
            f"{rows} row{'s' if rows != 1 else ''}",
            f"their audit records were written before they carried {', '.join(missing)}, so those are not covered",
        )
    return IntegrityReport(
        found.problem_count == 0,
        dict(checked),
        found.problems,
        found.problem_count,
        found.warnings,
        found.warning_count,
        time.perf_counter() - started,
    )


# --- the chain and its signed heads ---------------------------------------------------------------


def _checkpoint_where(cp) -> str:
    return f"signed head of {cp.signed_at:%Y-%m-%d %H:%M:%S} UTC (sequence {cp.sequence})"


def _unverified(cp, keys: dict) -> str:
    if not keys:
        return "no key to verify it: set AUDIT_VERIFY_KEYS or provide the signing key"
    if cp.key_id not in keys:
        return (
            f"signed with key {cp.key_id}, which this machine does not hold: forged, or signed where another key "
            "was in use (then set AUDIT_VERIFY_KEYS to that key's public key, which `flask audit-checkpoint` prints there)"
        )
    return f"its signature does not verify with key {cp.key_id}: forged or altered"


def _trusted_checkpoints(found: _Findings, checked: Counter, backup_taken_at: datetime | None = None) -> dict[int, list]:
    """Checkpoints whose signatures verify, from the table and the file; forged and deleted ones are findings."""
    try:
        keys = audit.verify_keys()
    except audit.AuditKeyError as error:
        found.add("checkpoint", "signing key", str(error))
        keys = {}
    trusted: dict[int, list] = defaultdict(list)
    in_table = set()
    for row in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        checked["signed heads"] += 1
        in_table.add((row.sequence, row.last_hash, row.signature))
        if audit.checkpoint_verifies(row, keys):
            trusted[row.sequence].append(row)
        else:
            found.add("checkpoint", f"checkpoint {row.id} ({_checkpoint_where(row)})", _unverified(row, keys))
    path = audit.checkpoint_file()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    for number, line in enumerate(lines, 1):
        where = f"{path.name} line {number}"
        try:
            data = json.loads(line)
            cp = SimpleNamespace(
                sequence=int(data["sequence"]),
                last_hash=str(data["last_hash"]),
                key_id=str(data["key_id"]),
                reason=str(data["reason"]),
                signature=str(data["signature"]),
                signed_at=datetime.fromisoformat(data["signed_at"]),
            )
        except (ValueError, KeyError, TypeError):
            found.add("checkpoint", where, "the line is not a checkpoint: the file was edited")
            continue
        if not audit.checkpoint_verifies(cp, keys):
            found.add("checkpoint", where, _unverified(cp, keys))
            continue
        later = backup_taken_at is not None and cp.signed_at > backup_taken_at
        cp.after_backup = later
        if (cp.sequence, cp.last_hash, cp.signature) not in in_table and not later:
            found.add(
                "checkpoint",
                where,
                f"the {_checkpoint_where(cp)} is missing from the audit_checkpoint table: it was deleted from the database",
            )
        if (cp.sequence, cp.last_hash, cp.signature) not in in_table:
            trusted[cp.sequence].append(cp)
    return trusted


def _check_chain(found: _Findings, checked: Counter, backup_taken_at: datetime | None = None) -> None:
    trusted = _trusted_checkpoints(found, checked, backup_taken_at)
    last = {"id": 0}

    def against_heads(record) -> None:
        checked["audit records"] += 1
        last["id"] = record.id
        for cp in trusted.get(record.id, ()):
            if cp.last_hash != record.record_hash:
                found.add(
                    "chain",
                    f"audit record {record.id}",
                    f"chain rewritten after the head signed at {cp.signed_at:%Y-%m-%d %H:%M:%S} UTC "
                    f"(sequence {cp.sequence}): this record's hash is not the one that was signed",
                )

    for finding in audit.chain_findings(audit.chain_records(), against_heads):
        found.add("chain", f"audit record {finding.record_id}", finding.reason)
    for sequence in sorted(s for s in trusted if s > last["id"]):
        cp = trusted[sequence][0]
        if all(getattr(head, "after_backup", False) for head in trusted[sequence]):
            continue  # signed after the backup was taken: the backup ends earlier
        found.add(
            "chain",
            f"audit record {sequence}",
            f"missing: the chain ends at record {last['id']} but the head signed at "
            f"{cp.signed_at:%Y-%m-%d %H:%M:%S} UTC (sequence {sequence}) names it: the chain was cut back",
        )


# --- what makes an outside assessor's signature count -----------------------------------------------


def _check_trusted_domains(found: _Findings, checked: Counter) -> None:
    """Each region trusts exactly the domains its latest region.trusted_domains_changed record set (none before one):
    a domain added by SQL would make any assessor there count without the educational supervisor's confirmation."""
    audited: dict[int, tuple] = {}
    for record_id, subject_id, text in db.session.execute(
        select(AuditRecord.id, AuditRecord.subject_id, AuditRecord.payload)
        .where(AuditRecord.action == "region.trusted_domains_changed")
        .order_by(AuditRecord.id)
    ):
        try:
            audited[subject_id] = (record_id, tuple(json.loads(text)["new"]))
        except (ValueError, KeyError, TypeError):
            continue  # the chain check names a record whose payload was mangled
    for region_id, name, domains in db.session.execute(select(Region.id, Region.name, Region.trusted_assessor_domains)):
        checked["regions' trusted domains"] += 1
        actual = Region(trusted_assessor_domains=domains).trusted_domains
        record_id, expected = audited.get(region_id, (None, ()))
        if actual != expected:
            found.add(
                "trusted_domains",
                f"region {region_id} ({name})",
                f"it trusts {', '.join(actual) or 'no domain'} but the audit log last recorded "
                f"{', '.join(expected) or 'no domain'}"
                + (f" (record {record_id})" if record_id else "")
                + ": the list was changed in the database, not on the admin page",
            )


PANEL_ACTIONS = ("panel.scheduled", "panel.cancelled")


def _check_panels(found: _Findings, checked: Counter) -> None:
    """Each ARCP panel says what its latest panel.* record says (scope, date, training year, cut-off, trainees, and
    whether it is cancelled): a cut-off moved by SQL would let a pack not yet frozen take in later evidence, or
    freeze it early; a trainee slipped onto a panel would get a pack and an outcome recorded against it."""
    latest: dict[int, tuple[int, dict]] = {}
    for record_id, subject_id, text in db.session.execute(
        select(AuditRecord.id, AuditRecord.subject_id, AuditRecord.payload)
        .where(AuditRecord.action.in_(PANEL_ACTIONS))
        .order_by(AuditRecord.id)
    ):
        try:
            payload = json.loads(text)
        except ValueError:
            continue  # the chain check names a record whose payload was mangled
        if isinstance(payload, dict):
            latest[subject_id] = (record_id, payload)
    members: dict[int, list[int]] = defaultdict(list)
    for panel_id, trainee_id in db.session.execute(
        select(ArcpPanelTrainee.panel_id, ArcpPanelTrainee.trainee_id).order_by(ArcpPanelTrainee.trainee_id)
    ):
        members[panel_id].append(trainee_id)
    present = set()
    for panel in db.session.scalars(select(ArcpPanel).order_by(ArcpPanel.id)):
        checked["ARCP panels"] += 1
        present.add(panel.id)
        where = f"ARCP panel {panel.id} ({panel.panel_date.isoformat()})"
        if panel.id not in latest:
            found.add("arcp_panel", where, "no audit record names this panel: it was added to the database directly")
            continue
        record_id, payload = latest[panel.id]
        values = {
            "region_id": panel.region_id,
            "cohort_id": panel.cohort_id,
            "panel_date": panel.panel_date,
            "training_year": panel.training_year,
            "cutoff_working_days": panel.cutoff_working_days,
            "cutoff_date": panel.cutoff_date,
            "title": panel.title,
            "trainee_ids": members[panel.id],
        }
        _compare(found, "arcp_panel", where, values, payload, record_id)
        if (panel.cancelled_at is not None) != bool(payload.get("cancelled")):
            state = "cancelled" if panel.cancelled_at is not None else "not cancelled"
            found.add("arcp_panel", where, f"it is {state} but audit record {record_id} recorded otherwise")
    for subject_id, (record_id, _payload) in latest.items():
        if subject_id not in present:
            found.add("arcp_panel", f"ARCP panel {subject_id}", f"audit record {record_id} recorded it, but its row is gone")


def _check_local_rules(found: _Findings, checked: Counter) -> None:
    """Each version of a region's rule says what its latest local_rule.* record says, is retired exactly when the log
    retired it and replaced exactly when a later version replaces it: a rule changed by SQL would change every
    trainee's progress in the region."""
    latest: dict[int, tuple[int, str, int | None, dict]] = {}
    for record_id, action, subject_id, actor_id, text in db.session.execute(
        select(AuditRecord.id, AuditRecord.action, AuditRecord.subject_id, AuditRecord.actor_id, AuditRecord.payload)
        .where(AuditRecord.action.in_(("local_rule.created", "local_rule.revised", "local_rule.retired")))
        .order_by(AuditRecord.id)
    ):
        try:
            payload = json.loads(text)
        except ValueError:
            continue  # the chain check names a record whose payload was mangled
        if isinstance(payload, dict):
            created_by = latest[subject_id][2] if subject_id in latest else actor_id
            latest[subject_id] = (record_id, action, created_by, payload)
    rows = db.session.scalars(select(LocalRule).order_by(LocalRule.id)).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None}
    present = set()
    for rule in rows:
        checked["local rules"] += 1
        present.add(rule.id)
        where = f"local rule {rule.id} (region {rule.region_id}, {rule.competency_code} version {rule.version})"
        if rule.id not in latest:
            found.add("local_rule", where, "no audit record names this rule: it was added to the database directly")
            continue
        record_id, action, created_by, payload = latest[rule.id]
        values = rule.audit_state()
        _compare(
            found,
            "local_rule",
            where,
            {**values, "created_by_id": rule.created_by_id},
            {**payload, "created_by_id": created_by},
            record_id,
        )
        if (rule.retired_at is not None) != (action == "local_rule.retired"):
            found.add(
                "local_rule",
                where,
                f"it is {'retired' if rule.retired_at else 'not retired'} but audit record {record_id} "
                f"{'retired it' if action == 'local_rule.retired' else 'did not retire it'}",
            )
        if (rule.replaced_at is not None) != (rule.id in replaced):
            found.add(
                "local_rule",
                where,
                "it is marked replaced but no later version replaces it"
                if rule.replaced_at is not None
                else "a later version replaces it but it is not marked replaced",
            )
    for rule_id, (record_id, *_rest) in latest.items():
        if rule_id not in present:
            found.add("local_rule", f"local rule {rule_id}", f"audit record {record_id} recorded it, but its row is gone")


# --- decision rows, one batch of trainees at a time -----------------------------------------------


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _compare(found: _Findings, kind: str, where: str, row_values: dict, payload: dict, record_id: int) -> None:
    """Name each column whose value differs from the audit record; columns the record predates are only counted."""
    missing = tuple(key for key in row_values if key not in payload)
    if missing:
        found.partly_covered[(kind, missing)] += 1
    for key, value in row_values.items():
        if key in payload and _plain(value) != payload[key]:
            shown = "its text" if key.endswith("_sha256") else f"{_plain(value)!r}"
            found.add(
                kind,
                where,
                f"{key.removesuffix('_sha256')} is {shown} but audit record {record_id} recorded "
                f"{'other text' if key.endswith('_sha256') else repr(payload[key])}",
            )


class _Log:
    """The batch's audit records that matter for its rows, indexed by what they name (later records win)."""

    def __init__(self, trainee_ids):
        self.signed, self.confirmed, self.voided, self.deleted = {}, {}, {}, set()
        self.attachment, self.created, self.latest = {}, {}, {}
        self.documents: dict[int, dict[str, tuple[int, dict]]] = defaultdict(dict)  # export id -> action -> record
        query = (
            select(AuditRecord.id, AuditRecord.action, AuditRecord.subject_id, AuditRecord.actor_id, AuditRecord.payload)
            .where(AuditRecord.trainee_id.in_(trainee_ids), AuditRecord.action.in_(ACTIONS))
            .order_by(AuditRecord.id)
        )
        for record_id, action, subject_id, actor_id, text in db.session.execute(query):
            try:
                payload = json.loads(text)
            except ValueError:
                continue  # the chain check names a record whose payload was mangled
            if not isinstance(payload, dict):
                continue
            self._index(record_id, action, subject_id, actor_id, payload)

    def _index(self, record_id, action, subject_id, actor_id, payload) -> None:
        signoff_id = payload.get("signoff_id")
        if action == "signoff.signed" and isinstance(signoff_id, int):
            self.signed.setdefault(signoff_id, (record_id, {"signer_id": actor_id, **payload}))
        elif action == "signoff.confirmed" and isinstance(signoff_id, int):
            self.confirmed[signoff_id] = (record_id, payload)
        elif action == "signoff.voided" and isinstance(signoff_id, int):
            self.voided[signoff_id] = record_id
        elif action == "evidence.deleted":
            self.deleted.add(subject_id)
        elif action == "evidence.imported":  # one record per import names every entry it created, as id runs
            for evidence_id in _imported_ids(payload):
                self.created[evidence_id] = record_id
        elif action in ATTACHMENT_ACTIONS:
            if action in ("evidence.created", "evidence.new_version"):
                self.created[subject_id] = record_id
            if "attachment_sha256" in payload:
                self.attachment[subject_id] = (record_id, payload["attachment_sha256"])
        elif action == "exam.rapm_confirmed":  # its own ids: not to be confused with an exam attempt's
            self.latest[("rapm", subject_id)] = (record_id, payload)
        elif action in ("exam.prerequisites_recorded", "exam.prerequisites_confirmed"):  # its own ids too
            self.latest[("prerequisites", subject_id)] = (record_id, payload)
        elif action.startswith("training_period."):
            self.latest[("training_period", subject_id)] = (record_id, {"_deleted": action.endswith(".deleted"), **payload})
        elif action in ("document.issued", "document.sealed"):
            self.documents[subject_id].setdefault(action, (record_id, payload))
        elif action == "curriculum.moved":
            self.latest[("curriculum", subject_id)] = (record_id, {"recorded_by_id": actor_id, **payload})
        else:
            self.latest[(action.split(".")[0], subject_id)] = (record_id, payload)


def _imported_ids(payload: dict) -> list[int]:
    runs = payload.get("evidence_ids")
    if not isinstance(runs, list):
        return []  # imports recorded before the records named their entries
    return [
        evidence_id
        for run in runs
        if isinstance(run, list) and len(run) == 2 and all(isinstance(n, int) for n in run) and 0 <= run[1] - run[0] < 10**6
        for evidence_id in range(run[0], run[1] + 1)
    ]


def _check_trainees(trainee_ids: list[int], found: _Findings, checked: Counter) -> None:
    log = _Log(trainee_ids)
    mine = EvidenceEntry.trainee_id.in_(trainee_ids)
    # Plain rows, not ORM objects: a national portfolio has a million entries.
    entries = db.session.execute(select(*EvidenceEntry.__table__.columns).where(mine)).all()
    codes = defaultdict(list)
    for evidence_id, code in db.session.execute(
        select(EvidenceCompetency.evidence_id, EvidenceCompetency.competency_code)
        .join(EvidenceEntry, EvidenceCompetency.evidence_id == EvidenceEntry.id)
        .where(mine)
    ):
        codes[evidence_id].append(code)
    signoffs = db.session.execute(
        select(*SignOff.__table__.columns).join(EvidenceEntry, SignOff.evidence_id == EvidenceEntry.id).where(mine)
    ).all()
    pending = set(
        db.session.scalars(
            select(SignOffRequest.evidence_id)
            .join(EvidenceEntry, SignOffRequest.evidence_id == EvidenceEntry.id)
            .where(mine, SignOffRequest.status == "pending")
        )
    )
    _check_signoffs(signoffs, log, found, checked)
    _check_evidence(entries, codes, signoffs, pending, log, found, checked)
    _check_tallies(entries, codes, trainee_ids, found, checked)
    _check_weeks(entries, codes, trainee_ids, found, checked)
    _check_rows(
        found,
        checked,
        log,
        "stage_signoff",
        "stage",
        StageSignOff,
        trainee_ids,
        "stage sign-off",
        lambda r: {
            "trainee_id": r.trainee_id,
            "stage_key": r.stage_key,
            "curriculum_version": r.curriculum_version,
            "stage_level": r.stage_level,
            "signed_by_id": r.signed_by_id,
            "signed_on": r.signed_on,
            "comment_sha256": text_sha256(r.comment),
        },
    )
    _check_rows(
        found,
        checked,
        log,
        "exam_result",
        "exam",
        ExamAttempt,
        trainee_ids,
        "exam result",
        lambda r: {
            "trainee_id": r.trainee_id,
            "sitting_id": r.sitting_id,
            "result": r.result,
            "score": r.score,
            "extra_training_note_sha256": text_sha256(r.extra_training_note),
            "recorded_by_id": r.recorded_by_id,
            "corrected_by_id": r.corrected_by_id,
        },
    )
    _check_rows(
        found,
        checked,
        log,
        "arcp_outcome",
        "arcp",
        ArcpOutcome,
        trainee_ids,
        "ARCP outcome",
        lambda r: {
            "trainee_id": r.trainee_id,
            "training_year": r.training_year,
            "outcome": r.outcome,
            "panel_date": r.panel_date,
            "notes_sha256": text_sha256(r.notes),
            "recorded_by_id": r.recorded_by_id,
            "evidence_summary_sha256": text_sha256(r.evidence_summary),
            "panel_pack_id": r.panel_pack_id,
        },
    )
    _check_rows(
        found,
        checked,
        log,
        "panel_pack",
        "panel_pack",
        PanelPack,
        trainee_ids,
        "panel pack",
        lambda r: {
            "panel_id": r.panel_id,
            "trainee_id": r.trainee_id,
            "cutoff_date": r.cutoff_date,
            "readiness": r.readiness,
            # recomputed from the stored JSON: a pack rewritten together with its stored hash still shows
            "items_sha256": panel_pack.sha256(r.items),
        },
    )
    _check_rows(found, checked, log, "halo_request", "halo", HaloRequest, trainee_ids, "HALO request", HaloRequest.audit_state)
    _check_rows(
        found,
        checked,
        log,
        "rapm_confirmation",
        "rapm",
        RapmConfirmation,
        trainee_ids,
        "RAPM confirmation",
        lambda r: {
            "trainee_id": r.trainee_id,
            "confirmed_by_id": r.confirmed_by_id,
            "confirmed_on": r.confirmed_on,
            "stage3_pain_complete": r.stage3_pain_complete,
            "advanced_training_started_on": r.advanced_training_started_on,
            "note_sha256": text_sha256(r.note),
        },
    )
    _check_rows(
        found,
        checked,
        log,
        "exam_prerequisite",
        "prerequisites",
        ExamPrerequisite,
        trainee_ids,
        "exam prerequisite record",
        lambda r: {key: getattr(r, key) for key in PREREQUISITE_KEYS},
    )
    _check_training_periods(trainee_ids, log, found, checked)
    _check_documents(trainee_ids, log, found, checked)
    _check_rows(
        found,
        checked,
        log,
        "curriculum_transition",
        "curriculum",
        CurriculumTransition,
        trainee_ids,
        "curriculum move",
        lambda r: {
            "from_version": r.from_version,
            "to_version": r.to_version,
            "from_stage": r.from_stage,
            "to_stage": r.to_stage,
            "effective_on": r.effective_on,
            "note": r.note,
            "recorded_by_id": r.recorded_by_id,
        },
    )


def _check_training_periods(trainee_ids, log: _Log, found: _Findings, checked: Counter) -> None:
    """Each LTFT, leave or OOP period says what its latest training_period.* record says; a removed one stays gone."""
    present = set()
    for row in db.session.scalars(select(TrainingPeriod).where(TrainingPeriod.trainee_id.in_(trainee_ids))):
        checked["training periods"] += 1
        present.add(row.id)
        where = f"training period {row.id} (trainee {row.trainee_id})"
        latest = log.latest.get(("training_period", row.id))
        if latest is None:
            found.add("training_period", where, "no audit record names this row: it was added to the database directly")
            continue
        record_id, payload = latest
        if payload.get("_deleted"):
            found.add("training_period", where, f"audit record {record_id} removed it, but the row is back")
            continue
        values = {
            "trainee_id": row.trainee_id,
            "kind": row.kind,
            "wte_percent": row.wte_percent,
            "starts_on": row.starts_on,
            "ends_on": row.ends_on,
            "note_sha256": text_sha256(row.note),
        }
        _compare(found, "training_period", where, values, payload, record_id)
    for (prefix, subject_id), (record_id, payload) in log.latest.items():
        if prefix == "training_period" and subject_id not in present and not payload.get("_deleted"):
            found.add(
                "training_period",
                f"training period {subject_id}",
                f"audit record {record_id} recorded it, but its row is gone and no training_period.deleted record says why",
            )


def _check_documents(trainee_ids, log: _Log, found: _Findings, checked: Counter) -> None:
    """Each issued document says what its document.issued and document.sealed records say (code, kind, trainee, pack,
    producer, what it covers, the SHA-256 and size of the bytes issued): a swapped hash would make the verify page
    vouch for another file."""
    present = set()
    for row in db.session.scalars(select(DocumentExport).where(DocumentExport.trainee_id.in_(trainee_ids))):
        checked["issued documents"] += 1
        present.add(row.id)
        where = f"issued document {row.id} (code {row.code}, trainee {row.trainee_id})"
        records = log.documents.get(row.id, {})
        issued, sealed = records.get("document.issued"), records.get("document.sealed")
        if issued is None:
            found.add("document", where, "no audit record names this document: it was added to the database directly")
            continue
        record_id, payload = issued
        values = {key: getattr(row, key) for key in ("code", "kind", "trainee_id", "panel_pack_id", "produced_by_id")}
        _compare(found, "document", where, {**values, "covered": _json_or_text(row.covered)}, payload, record_id)
        if row.audit_sequence != record_id:
            found.add("document", where, f"it names audit record {row.audit_sequence} but record {record_id} issued it")
        if sealed is None:
            found.add("document", where, "no document.sealed audit record holds the SHA-256 of the bytes issued")
            continue
        sealed_values = {key: getattr(row, key) for key in ("code", "trainee_id", "sha256", "size", "checkpoint_id")}
        _compare(found, "document", where, sealed_values, sealed[1], sealed[0])
    for export_id, records in log.documents.items():
        if export_id not in present:
            record_id = min(record for record, _payload in records.values())
            found.add(
                "document",
                f"issued document {export_id}",
                f"audit record {record_id} issued it, but its row is gone (deleted, or moved to another trainee)",
            )


def _json_or_text(text: str | None):
    try:
        return json.loads(text or "{}")
    except ValueError:
        return text


def _check_tallies(entries, codes, trainee_ids, found: _Findings, checked: Counter) -> None:
    """The progress counts dashboards and panels read must be what the evidence rows add up to (progress.contribution)."""
    expected: Counter = Counter()
    credit = progress.credit_maps(trainee_ids)  # a moved trainee's entries also count towards the mapped codes
    for entry in entries:
        if entry.superseded_at is None and entry.status in progress.STATUS_CATEGORY:
            for code in transition.entry_codes(codes.get(entry.id, []), credit.get(entry.trainee_id, {})):
                expected[
                    (
                        entry.trainee_id,
                        code,
                        entry.evidence_type,
                        entry.supervision_level or "",
                        progress.STATUS_CATEGORY[entry.status],
                    )
                ] += 1
    stored: Counter = Counter()
    for t in db.session.scalars(select(EvidenceTally).where(EvidenceTally.trainee_id.in_(trainee_ids))):
        checked["progress counts"] += 1
        stored[(t.trainee_id, t.competency_code, t.evidence_type, t.supervision_level, t.status)] += t.count
    for key in sorted(set(expected) | set(stored), key=str):
        if expected[key] != stored[key]:
            trainee_id, code, kind, level, status = key
            found.add(
                "progress",
                f"trainee {trainee_id}, {code} {kind} level {level or '-'} {status}",
                f"the progress summary counts {stored[key]} but the evidence rows hold {expected[key]}: "
                "the summary was changed directly (or rebuild it with `flask recompute-progress`)",
            )


def _check_weeks(entries, codes, trainee_ids, found: _Findings, checked: Counter) -> None:
    """The trajectory's weeks the dashboard reads must be what the current evidence rows add up to, by the weekday of
    each trainee's stage start (evidence_weeks.contribution)."""
    starts = dict(
        db.session.execute(
            select(TraineeProfile.user_id, TraineeProfile.stage_started_on).where(TraineeProfile.user_id.in_(trainee_ids))
        ).all()
    )
    expected: Counter = Counter()
    for entry in entries:
        start = starts.get(entry.trainee_id)
        if entry.superseded_at is not None or start is None:
            continue
        days = evidence_weeks.contribution(SimpleNamespace(**entry._mapping, competency_codes=tuple(codes.get(entry.id, ()))))
        for key, n in evidence_weeks.by_week(days, start).items():
            expected[(entry.trainee_id, *key)] += n
    stored: Counter = Counter()
    weeks = EvidenceWeek.__table__
    for row in db.session.execute(select(*weeks.columns).where(weeks.c.trainee_id.in_(trainee_ids))):
        checked["trajectory weeks"] += 1
        stored[tuple(row[:7])] += row.count
    for key in sorted(set(expected) | set(stored), key=str):
        if expected[key] != stored[key]:
            trainee_id, stage_level, week, kind, level, status, code = key
            found.add(
                "progress",
                f"trainee {trainee_id}, {stage_level} week to {week:%d/%m/%Y}, {code or 'entries'} {kind} level {level or '-'} {status}",
                f"the dashboard's trajectory counts {stored[key]} but the evidence rows hold {expected[key]}: the summary was "
                "changed directly, or the stage start was (rebuild it with `flask recompute-progress`)",
            )


def _signoff_where(signoff_id: int, evidence_id) -> str:
    return f"sign-off {signoff_id} (evidence {evidence_id})"


def _check_signoffs(signoffs, log: _Log, found: _Findings, checked: Counter) -> None:
    present = {s.id for s in signoffs}
    for s in signoffs:
        checked["sign-offs"] += 1
        where = _signoff_where(s.id, s.evidence_id)
        if s.voided_at is not None and s.id not in log.voided:
            found.add("signoff", where, "it was voided, but no signoff.voided audit record says so")
        elif s.voided_at is None and s.id in log.voided:
            found.add("signoff", where, f"audit record {log.voided[s.id]} voided it, but the row is live again")
        if s.id not in log.signed:
            found.add("signoff", where, "no signoff.signed audit record names this signature")
            continue
        record_id, payload = log.signed[s.id]
        values = {
            "evidence_id": s.evidence_id,
            "level": s.supervision_level,
            "content_hash": s.content_hash,
            "signer_id": s.signer_id,
            "assessor_name": s.assessor_name,
            "assessor_gmc": s.assessor_gmc,
            "assessor_email": s.assessor_email,
            "assurance": s.assurance,
            "feedback_sha256": text_sha256(s.feedback),
            "method": s.method,
        }
        if s.id in log.confirmed:
            confirmed_id, confirmation = log.confirmed[s.id]
            payload = {**payload, "assurance": confirmation.get("assurance", "confirmed")}
            _compare(found, "signoff", where, {"confirmed_by_id": s.confirmed_by_id}, confirmation, confirmed_id)
        elif s.confirmed_by_id is not None:
            found.add("signoff", where, "it names a confirming supervisor, but no signoff.confirmed audit record says so")
        _compare(found, "signoff", where, values, payload, record_id)
    for signoff_id, (record_id, payload) in log.signed.items():
        if signoff_id not in present:
            voided = signoff_id in log.voided
            found.add(
                "signoff",
                _signoff_where(signoff_id, payload.get("evidence_id")),
                f"audit record {record_id} recorded this signature but its row is gone"
                + (" (it had been voided)" if voided else ", and the log never voided it"),
            )


def _content_hash(entry, codes: list[str]) -> str:
    """The entry's content hash computed from a plain row, exactly as EvidenceEntry.compute_content_hash does."""
    return EvidenceEntry.compute_content_hash(
        SimpleNamespace(CONTENT_FIELDS=EvidenceEntry.CONTENT_FIELDS, competency_codes=tuple(codes), **entry._asdict())
    )


def _check_evidence(entries, codes, signoffs, pending: set, log: _Log, found: _Findings, checked: Counter) -> None:
    live = defaultdict(list)
    for s in signoffs:
        if s.voided_at is None:
            live[s.evidence_id].append(s)
    hashes: dict[str, str | None] = {}
    present = set()
    for entry in entries:
        checked["evidence entries"] += 1
        present.add(entry.id)
        current, where = entry.superseded_at is None, f"evidence {entry.id}"
        signatures = live.get(entry.id, [])
        counting = [s for s in signatures if s.assurance in COUNTING_ASSURANCE]
        if current and entry.status == "signed" and len(counting) != 1:
            found.add(
                "evidence",
                where,
                "its status is 'signed' but it has "
                + (f"{len(counting)} live signatures that count" if counting else "no live signature that counts"),
            )
        if current and entry.status == "submitted" and entry.id not in pending and len(signatures) == len(counting):
            found.add(
                "evidence", where, "its status is 'submitted' but no request is pending and no signature awaits confirmation"
            )
        content_hash = _content_hash(entry, codes.get(entry.id, [])) if signatures else None
        for s in signatures:
            expected = "signed" if s.assurance in COUNTING_ASSURANCE else "submitted"
            if not current or entry.status != expected:
                found.add(
                    "signoff",
                    _signoff_where(s.id, entry.id),
                    f"the evidence is '{entry.status}'{'' if current else ' and superseded'} but its signature was never voided",
                )
            if content_hash != s.content_hash:
                found.add(
                    "signoff",
                    _signoff_where(s.id, entry.id),
                    "the evidence's content no longer matches what was signed: it was changed after signing",
                )
        if entry.attachment_path:
            _check_attachment(entry, log, hashes, found, checked)
    for evidence_id, record_id in log.created.items():
        if evidence_id not in present and evidence_id not in log.deleted:
            found.add(
                "evidence",
                f"evidence {evidence_id}",
                f"audit record {record_id} created it, but its row is gone and no evidence.deleted record says why",
            )


def _check_attachment(entry, log: _Log, hashes: dict, found: _Findings, checked: Counter) -> None:
    where = f"evidence {entry.id}, file {entry.attachment_path}"
    audited = log.attachment.get(entry.id)
    if entry.attachment_sha256 is None:
        if audited is not None and audited[1]:
            found.add(
                "attachment", where, f"audit record {audited[0]} fingerprinted this file, but the row's fingerprint was removed"
            )
        else:
            found.warn("attachment", where, "not yet fingerprinted: run `flask --app wsgi fingerprint-attachments`")
        return
    checked["attachments"] += 1
    if audited is None or audited[1] != entry.attachment_sha256:
        found.add(
            "attachment",
            where,
            "the row's SHA-256 differs from the one the audit log recorded"
            + (f" (record {audited[0]})" if audited else " (none recorded)"),
        )
    if entry.attachment_path not in hashes:
        path = attachments.file_path(entry.attachment_path)
        hashes[entry.attachment_path] = attachments.file_sha256(path) if path is not None else None
    actual = hashes[entry.attachment_path]
    if actual is None:
        found.add("attachment", where, "the file is missing from the upload folder")
    elif actual != entry.attachment_sha256:
        found.add(
            "attachment",
            where,
            "the file's bytes do not match the SHA-256 recorded when it was stored: it was replaced or altered",
        )


def _check_rows(
    found: _Findings, checked: Counter, log: _Log, kind: str, prefix: str, model, trainee_ids, label: str, values
) -> None:
    """Rows audited under `prefix.*` with subject_id = row id: each matches its latest record; none vanished."""
    present = set()
    for row in db.session.scalars(select(model).where(model.trainee_id.in_(trainee_ids)).order_by(model.id)):
        checked[f"{label}s"] += 1
        present.add(row.id)
        where = f"{label} {row.id} (trainee {row.trainee_id})"
        latest = log.latest.get((prefix, row.id))
        if latest is None:
            found.add(kind, where, "no audit record names this row: it was added to the database directly")
            continue
        _compare(found, kind, where, values(row), latest[1], latest[0])
    for (record_prefix, subject_id), (record_id, _payload) in log.latest.items():
        if record_prefix == prefix and subject_id not in present:
            found.add(kind, f"{label} {subject_id}", f"audit record {record_id} recorded it, but its row is gone")


# --- multi-source feedback rounds -------------------------------------------------------------------


def _check_msf_rounds(found: _Findings, checked: Counter) -> None:
    """Each released MSF round still holds the responses its release recorded (their SHA-256) and points at the
    entry it made; every round holds exactly one response per rater who answered (a row slipped in or taken out by
    SQL is named)."""
    released: dict[int, tuple[int, dict]] = {}
    for record_id, subject_id, text in db.session.execute(
        select(AuditRecord.id, AuditRecord.subject_id, AuditRecord.payload)
        .where(AuditRecord.action == "msf.released")
        .order_by(AuditRecord.id)
    ):
        try:
            released[subject_id] = (record_id, json.loads(text))
        except ValueError:
            continue  # the chain check names a record whose payload was mangled
    answered = dict(
        db.session.execute(
            select(MsfRater.round_id, func.count()).where(MsfRater.responded_at.is_not(None)).group_by(MsfRater.round_id)
        ).all()
    )
    stored = dict(db.session.execute(select(MsfResponse.round_id, func.count()).group_by(MsfResponse.round_id)).all())
    for msf_round in db.session.scalars(select(MsfRound).order_by(MsfRound.id)):
        checked["MSF rounds"] += 1
        where = f"MSF round {msf_round.id}"
        if answered.get(msf_round.id, 0) != stored.get(msf_round.id, 0):
            found.add(
                "msf_round",
                where,
                f"{stored.get(msf_round.id, 0)} responses stored for {answered.get(msf_round.id, 0)} raters who answered",
            )
        if msf_round.status != "released":
            continue
        if msf_round.id not in released:
            found.add("msf_round", where, "released, but no audit record says so")
            continue
        record_id, payload = released[msf_round.id]
        if (
            payload.get("results_sha256") != msf_results_sha256(msf_round.id)
            or payload.get("evidence_id") != msf_round.evidence_id
        ):
            found.add("msf_round", where, f"its responses or entry differ from what audit record {record_id} recorded at release")


# --- the JSON API's personal access tokens --------------------------------------------------------

API_TOKEN_ACTIONS = ("api_token.created", "api_token.revoked")


def _check_api_tokens(found: _Findings, checked: Counter) -> None:
    """Each token is as its creation record made it (owner, scopes, expiry, shown part and, for records that carry
    it, the hash of its secret) and stays revoked once a revocation was recorded: a row moved to another owner, given
    a later expiry or a secret someone knows, revived, or inserted by SQL would be a working key to an account."""
    created: dict[int, tuple] = {}
    revoked: dict[int, int] = {}
    for record_id, action, subject_id, actor_id, text in db.session.execute(
        select(AuditRecord.id, AuditRecord.action, AuditRecord.subject_id, AuditRecord.actor_id, AuditRecord.payload)
        .where(AuditRecord.action.in_(API_TOKEN_ACTIONS))
        .order_by(AuditRecord.id)
    ):
        if action == "api_token.revoked":
            revoked[subject_id] = record_id
            continue
        try:
            payload = json.loads(text)
        except (ValueError, TypeError):
            continue  # the chain check names a record whose payload was mangled
        if isinstance(payload, dict):
            created[subject_id] = (record_id, actor_id, payload)
    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        checked["API tokens"] += 1
        where = f"API token {token.id} ({token.shown_part}\u2026)"
        if token.id not in created:
            found.add(
                "api_token",
                where,
                "it has no audit record of its creation: it was put in the database, not made on an account page",
            )
            continue
        record_id, actor_id, payload = created[token.id]
        changed = []
        if actor_id != token.user_id:
            changed.append(f"owner (user {token.user_id}, but user {actor_id} created it)")
        if payload.get("scopes") != list(token.scope_names):
            changed.append("scopes")
        if payload.get("expires_at") != token.expires_at.isoformat():
            changed.append("expiry")
        if payload.get("shown") != token.shown_part:
            changed.append("shown part")
        if "hash" not in payload:
            found.partly_covered[("api_token", ("the hash of the secret",))] += 1
        elif payload["hash"] != token.token_hash:
            changed.append("secret")
        if changed:
            found.add(
                "api_token",
                where,
                f"its {', '.join(changed)} differ from the audit record of its creation (record {record_id}): "
                "changed in the database, not on an account page",
            )
        if token.id in revoked and token.revoked_at is None:
            found.add(
                "api_token",
                where,
                f"it was revoked (record {revoked[token.id]}) but is live again: its revocation was removed in the database",
            )
