"""Builds the rows of a national-scale dataset from a seed: people, evidence, sign-offs, exams, ARCPs, audit.

Everything is deterministic for a given (seed, size, today). Rows are handed to a writer in batches
of whole trainees, in foreign-key order; the audit log is chained at the end in time order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from competencies import STAGE_LEVELS, CurriculumRegistry, readiness
from trainee_portal import demo
from trainee_portal.audit import GENESIS_HASH, canonical_json, record_hash, text_sha256
from trainee_portal.models import EvidenceEntry, name_key
from trainee_portal.platform.bank_holidays import bank_holidays

DOMAIN = "bench.example.org"  # reserved for examples (RFC 2606)
REGIONS = [
    "London",
    "Kent, Surrey and Sussex",
    "Wessex",
    "Severn",
    "Peninsula",
    "Thames Valley",
    "East of England",
    "West Midlands",
    "East Midlands",
    "Yorkshire and the Humber",
    "North West",
    "North East",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Mersey",
]
INTAKES = range(2019, 2026)
HOSPITALS = [  # the demo's hospitals, and more across the nations
    *demo.HOSPITALS,
    "Leeds General Infirmary",
    "Queen Elizabeth Hospital Birmingham",
    "Southmead Hospital",
    "University Hospital of Wales",
    "Royal Victoria Hospital Belfast",
    "Freeman Hospital",
    "Addenbrooke's Hospital",
    "John Radcliffe Hospital",
    "Walton Centre",
]
SETTINGS = demo.SETTINGS  # where each kind of logbook entry happens
TOPICS = [
    "chronic low back pain",
    "complex regional pain syndrome",
    "post-surgical pain",
    "cancer pain",
    "neuropathic pain",
    "acute-on-chronic pain",
    "opioid tapering",
    "pelvic pain",
    "headache",
    "fibromyalgia",
    "post-herpetic neuralgia",
    "sickle cell crisis",
    "rib fractures",
    "spinal cord stimulator review",
]
TECHNIQUES = ["epidural", "caudal_epidural", "facet_joint_injection", "medial_branch_block", "radiofrequency_denervation"]
GUIDANCE = ["landmark", "ultrasound", "xray", "ct"]
LEVELS = ["1", "2a", "2b", "3", "4"]
FEEDBACK = "Well done; see comments in person."
STAGE_WEIGHTS = {"basic": 0.2, "intermediate": 0.3, "higher": 0.3, "advanced": 0.2}
ARCP_WEIGHTS = [("1", 80), ("2", 7), ("3", 4), ("5", 6), ("10.1", 3)]
# an audit event as the builder collects it: the audit_record columns but the chain's (id, prev_hash, record_hash)
AUDIT_EVENT_COLUMNS = ("created_at", "actor_id", "actor_label", "action", "trainee_id", "subject_type", "subject_id", "payload")
NATIONS_BY_REGION = {"Scotland": "scotland", "Wales": "wales", "Northern Ireland": "northern_ireland"}
# Requests waiting for a decision at any moment, per trainee, at every dataset size: a request waits days, so how
# many wait depends on how many trainees are logging now, not on how much they logged in the years before. (As a
# share of all evidence, the 100k dataset left the benchmark supervisor 1 waiting and the 1M one 31, so the queue's
# growth measured a page showing thirty times the rows, not the data behind it.)
PENDING_PER_TRAINEE = 6
PANEL_DAYS_AHEAD = 35  # each region's next ARCP panel, about five weeks after `today`
PANEL_CUTOFF_WORKING_DAYS = 10
FIRST_TRAINEE_ID = 10_000  # staff accounts come first; trainee ids start here


@dataclass(frozen=True)
class Sizes:
    """How many of each row to build, from which seed, as of which day (the defaults are the national-scale run);
    fixed once given, so one Sizes always describes one dataset."""

    trainees: int = 2000
    evidence: int = 1_000_000
    signoffs: int = 200_000
    seed: int = 1
    today: date = date(2026, 11, 20)


@dataclass
class Ids:
    values: dict = field(default_factory=dict)

    def next(self, table: str) -> int:
        self.values[table] = self.values.get(table, 0) + 1
        return self.values[table]


def _split(total: int, weights: list[float]) -> list[int]:
    """Whole numbers in proportion to weights that add up to exactly total."""
    scale = sum(weights) or 1
    raw = [total * w / scale for w in weights]
    whole = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - whole[i], reverse=True)
    for i in order[: total - sum(whole)]:
        whole[i] += 1
    return whole


def _at(day: date, rng: random.Random, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour)) + timedelta(
        minutes=rng.randint(0, 600), seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999_999)
    )


class DatasetBuilder:
    """Produces every table's rows; call people() once, then evidence_batches(), then the tail tables."""

    def __init__(self, sizes: Sizes, registry: CurriculumRegistry, password_hash: str):
        self.sizes, self.registry, self.password_hash = sizes, registry, password_hash
        self.rng = random.Random(sizes.seed)
        self.ids = Ids()
        self.audit_events: list[tuple] = []
        self.users: dict[int, tuple[str, str]] = {}  # id -> (name, email) for audit labels
        self.trainees: list[dict] = []
        self.created = datetime.combine(sizes.today - timedelta(days=2400), time(8))

    # --- people -----------------------------------------------------------------------------

    def _user(self, rows, user_id: int, local: str, name: str, roles: tuple[str, ...]) -> None:
        email = f"{local}@{DOMAIN}"
        self.users[user_id] = (name, email)
        rows["user"].append(
            {
                "id": user_id,
                "email": email,
                "name": name,
                "password_hash": self.password_hash,
                "active": True,
                "must_change_password": False,
                "created_at": self.created,
                "last_login_at": None,
            }
        )
        rows["user_role"].extend({"user_id": user_id, "role": r} for r in roles)

    def people(self) -> dict[str, list[dict]]:
        rng, today, n = self.rng, self.sizes.today, self.sizes.trainees
        rows: dict[str, list[dict]] = {
            t: [] for t in ("region", "cohort", "user", "user_role", "trainee_profile", "supervisor_assignment", "director_scope")
        }
        for rid, name in enumerate(REGIONS, 1):
            nation = NATIONS_BY_REGION.get(name, "england")
            rows["region"].append({"id": rid, "name": name, "name_key": name_key(name), "nation": nation})
        cohorts = []
        for rid, name in enumerate(REGIONS, 1):
            for year in INTAKES:
                cid = len(cohorts) + 1
                cohorts.append((cid, rid, year))
                rows["cohort"].append(
                    {
                        "id": cid,
                        "region_id": rid,
                        "name": f"{name} {year} intake",
                        "name_key": name_key(f"{name} {year} intake"),
                        "intake_year": year,
                    }
                )
        self._user(rows, 1, "admin", "Alex Morgan", ("admin",))
        self._user(rows, 2, "director", "Dr Helen Okafor (national)", ("director",))
        for rid in range(1, len(REGIONS) + 1):
            rows["director_scope"].append(
                {"id": self.ids.next("director_scope"), "director_id": 2, "region_id": rid, "cohort_id": None}
            )
        self.regional_directors = {}
        for rid, name in enumerate(REGIONS, 1):
            uid = 2 + rid
            self._user(rows, uid, f"director.{rid}", f"Dr Director {name}", ("director", "supervisor"))
            rows["director_scope"].append(
                {"id": self.ids.next("director_scope"), "director_id": uid, "region_id": rid, "cohort_id": None}
            )
            self.regional_directors[rid] = uid
        supervisors_per_region: dict[int, list[int]] = {rid: [] for rid in range(1, len(REGIONS) + 1)}
        for i in range(max(len(REGIONS), n // 5)):
            uid = 100 + i
            rid = i % len(REGIONS) + 1
            self._user(rows, uid, "supervisor" if i == 0 else f"supervisor.{i}", f"Dr Supervisor {i}", ("supervisor",))
            supervisors_per_region[rid].append(uid)
        for i in range(n):
            tid = FIRST_TRAINEE_ID + i
            cid, rid, intake = cohorts[0] if i == 0 else rng.choice(cohorts)
            level = "higher" if i == 0 else rng.choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()))[0]
            version = "2021" if i == 0 or intake >= 2022 or rng.random() < 0.7 else "2010"
            stage_index = STAGE_LEVELS.index(level)
            stage_start = today - timedelta(days=rng.randint(30, 330))
            programme_start = stage_start - timedelta(days=365 * (stage_index + 1) + rng.randint(0, 200))
            self._user(rows, tid, "trainee" if i == 0 else f"trainee.{i}", f"Dr Trainee {i}", ("trainee",))
            rows["trainee_profile"].append(
                {
                    "user_id": tid,
                    "gmc_number": f"{7_000_000 + i:07d}",
                    "curriculum_version": version,
                    "current_stage": level,
                    "programme_start": programme_start,
                    "stage_started_on": stage_start,
                    "region_id": rid,
                    "cohort_id": cid,
                    "last_activity_at": None,
                }
            )
            pool = supervisors_per_region[rid]
            educational = pool[0] if i == 0 else rng.choice(pool)
            rows["supervisor_assignment"].append(
                {
                    "id": self.ids.next("supervisor_assignment"),
                    "supervisor_id": educational,
                    "trainee_id": tid,
                    "kind": "educational",
                    "starts_on": programme_start,
                    "ends_on": None,
                }
            )
            if rng.random() < 0.5:
                rows["supervisor_assignment"].append(
                    {
                        "id": self.ids.next("supervisor_assignment"),
                        "supervisor_id": self.regional_directors[rid],
                        "trainee_id": tid,
                        "kind": "clinical",
                        "starts_on": stage_start,
                        "ends_on": None,
                    }
                )
            self.trainees.append(
                {
                    "id": tid,
                    "version": version,
                    "level": level,
                    "stage_start": stage_start,
                    "programme_start": programme_start,
                    "region": rid,
                    "supervisor": educational,
                }
            )
        return rows

    # --- evidence, sign-off requests and sign-offs ------------------------------------------

    def evidence_batches(self, batch_trainees: int = 100):
        """Yields dicts of rows for evidence_entry, evidence_competency, sign_off_request, sign_off."""
        weights = [(STAGE_LEVELS.index(t["level"]) + 1) * self.rng.uniform(0.6, 1.4) for t in self.trainees]
        per_trainee = _split(self.sizes.evidence, weights)
        signed = _split(self.sizes.signoffs, per_trainee)
        for start in range(0, len(self.trainees), batch_trainees):
            rows = {t: [] for t in ("evidence_entry", "evidence_competency", "sign_off_request", "sign_off")}
            for t, count, k_signed in zip(
                self.trainees[start : start + batch_trainees],
                per_trainee[start : start + batch_trainees],
                signed[start : start + batch_trainees],
            ):
                self._trainee_evidence(rows, t, count, k_signed)
            yield rows

    def _trainee_evidence(self, rows, t: dict, count: int, k_signed: int) -> None:
        rng, today = self.rng, self.sizes.today
        curriculum = self.registry.get(t["version"])
        current = STAGE_LEVELS.index(t["level"])
        stages = [curriculum.stage_for_level(level) for level in STAGE_LEVELS[: current + 1]]
        span_days = max((today - t["programme_start"]).days, 30)
        statuses = ["signed"] * k_signed
        rest = count - k_signed
        # A few requests wait at any moment (PENDING_PER_TRAINEE, about 30 per supervisor); decided ones far
        # outnumber them.
        pending = min(rest, PENDING_PER_TRAINEE)
        returned = min(rest - pending, rest // 100)
        statuses += ["submitted"] * pending + ["returned"] * returned + ["draft"] * (rest - pending - returned)
        rng.shuffle(statuses)
        trainee_name, trainee_email = self.users[t["id"]]
        supervisor = t["supervisor"]
        for status in statuses:
            stage = rng.choice(stages)
            competency = rng.choice(stage.competencies)
            rule = rng.choice(competency.evidence)
            kind = rule.evidence_type
            occurred = t["programme_start"] + timedelta(days=rng.randint(0, span_days - 1))
            minimum = LEVELS.index(rule.min_supervision) if rule.min_supervision else 0
            level = LEVELS[rng.randint(minimum, min(minimum + 2, 4))] if kind != "certificate" else None
            procedure = kind in ("logbook.procedure", "wba.dops")
            codes = [competency.code]
            if rng.random() < 0.2:
                other = rng.choice(stage.competencies).code
                if other != competency.code:
                    codes.append(other)
            created = _at(occurred, rng, 12)
            entry = {
                "id": self.ids.next("evidence_entry"),
                "trainee_id": t["id"],
                "evidence_type": kind,
                "stage_level": stage.level,
                "occurred_on": occurred,
                "title": f"{kind.split('.')[-1].replace('_', ' ').capitalize()}: {rng.choice(TOPICS)}",
                "setting": SETTINGS.get(kind, "other"),
                "hospital": rng.choice(HOSPITALS),
                "supervision_level": level,
                "technique": rng.choice(TECHNIQUES) if procedure else None,
                "guidance": rng.choice(GUIDANCE) if procedure else None,
                "notes": "Anonymised summary of the case and my role in it.",
                "reflection": "What went well, what I would change, and what I will read next." if kind == "reflection" else "",
                "attachment_name": None,
                "attachment_path": None,
                "attachment_mime": None,
                "attachment_size": None,
                "status": status,
                "version": 1,
                "supersedes_id": None,
                "superseded_at": None,
                "created_at": created,
                "updated_at": created,
                "submitted_at": None,
                "signed_at": None,
            }
            entry["content_hash"] = EvidenceEntry.compute_content_hash(
                SimpleNamespace(CONTENT_FIELDS=EvidenceEntry.CONTENT_FIELDS, competency_codes=tuple(codes), **entry)
            )
            rows["evidence_competency"].extend({"evidence_id": entry["id"], "competency_code": c} for c in sorted(set(codes)))
            if status != "draft":
                self._request(rows, entry, t, supervisor, trainee_name, trainee_email, status)
            rows["evidence_entry"].append(entry)

    def _request(self, rows, entry, t, supervisor, trainee_name, trainee_email, status) -> None:
        rng, today = self.rng, self.sizes.today
        asked = min(entry["created_at"] + timedelta(hours=rng.randint(0, 72)), datetime.combine(today, time(8)))
        entry["submitted_at"] = asked
        request_id = self.ids.next("sign_off_request")
        request = {
            "id": request_id,
            "evidence_id": entry["id"],
            "requested_by_id": t["id"],
            "supervisor_id": supervisor,
            "assessor_email": None,
            "token_hash": None,
            "expires_at": None,
            "token_used_at": None,
            "status": {"submitted": "pending", "signed": "signed", "returned": "returned"}[status],
            "created_at": asked,
            "decided_at": None,
            "decided_by_id": None,
            "return_reason": None,
            "reminded_at": None,
        }
        sup_name, sup_email = self.users[supervisor]
        self.audit_events.append(
            (
                asked,
                t["id"],
                f"{trainee_name} <{trainee_email}>",
                "signoff.requested",
                t["id"],
                "evidence",
                entry["id"],
                {"request_id": request_id, "to": sup_email},
            )
        )
        if status != "submitted":
            decided = min(
                asked + timedelta(days=rng.randint(1, 14), minutes=rng.randint(0, 600)), datetime.combine(today, time(9))
            )
            request.update(decided_at=decided, decided_by_id=supervisor)
            label = f"{sup_name} <{sup_email}>"
            if status == "signed":
                signoff_id = self.ids.next("sign_off")
                entry["signed_at"] = decided
                rows["sign_off"].append(
                    {
                        "id": signoff_id,
                        "evidence_id": entry["id"],
                        "request_id": request_id,
                        "signer_id": supervisor,
                        "assessor_name": None,
                        "assessor_gmc": None,
                        "supervision_level": entry["supervision_level"] or "4",
                        "feedback": FEEDBACK,
                        "content_hash": entry["content_hash"],
                        "signed_at": decided,
                        "voided_at": None,
                        "void_reason": None,
                        "assurance": "supervisor",
                    }
                )
                payload = {
                    "request_id": request_id,
                    "signoff_id": signoff_id,
                    "evidence_id": entry["id"],
                    "level": entry["supervision_level"] or "4",
                    "content_hash": entry["content_hash"],
                    "signer_id": supervisor,
                    "assessor_name": None,
                    "assessor_gmc": None,
                    "assessor_email": None,
                    "assurance": "supervisor",
                    "feedback_sha256": text_sha256(FEEDBACK),
                    "method": "signed_in",
                }
                self.audit_events.append(
                    (decided, supervisor, label, "signoff.signed", t["id"], "evidence", entry["id"], payload)
                )
            else:
                reason = "Please add what you did yourself and the supervision level."
                request["return_reason"] = reason
                self.audit_events.append(
                    (
                        decided,
                        supervisor,
                        label,
                        "signoff.returned",
                        t["id"],
                        "evidence",
                        entry["id"],
                        {"request_id": request_id, "reason": reason},
                    )
                )
        rows["sign_off_request"].append(request)

    # --- exams, ARCP and the audit chain ------------------------------------------------------

    def exams_and_reviews(self) -> dict[str, list[dict]]:
        rng, today = self.rng, self.sizes.today
        rows = {
            t: []
            for t in (
                "exam_sitting",
                "exam_attempt",
                "rapm_confirmation",
                "mock_exam_score",
                "arcp_outcome",
                "arcp_panel",
                "arcp_panel_trainee",
            )
        }
        self._panels(rows)
        sittings = {"MCQ": [], "SOE": []}
        for year in range(2019, today.year + 2):
            for part, month, day in (("MCQ", 3, 10), ("SOE", 5, 15), ("MCQ", 9, 15), ("SOE", 11, 10)):
                sits = date(year, month, day)
                sid = self.ids.next("exam_sitting")
                rows["exam_sitting"].append(
                    {
                        "id": sid,
                        "part": part,
                        "sits_on": sits,
                        "opens_on": sits - timedelta(days=90),
                        "closes_on": sits - timedelta(days=42),
                        "created_at": self.created,
                    }
                )
                sittings[part].append((sits, sid))
        for t in self.trainees:
            director = self.regional_directors[t["region"]]
            years = max(1, (today - t["programme_start"]).days // 365)
            for y in range(years):
                panel = date(t["programme_start"].year + y + 1, 6, rng.randint(1, 28))
                if panel > today:
                    break
                outcome = rng.choices([o for o, _ in ARCP_WEIGHTS], [w for _, w in ARCP_WEIGHTS])[0]
                row = {
                    "id": self.ids.next("arcp_outcome"),
                    "trainee_id": t["id"],
                    "training_year": f"ST{3 + y}" if y < 6 else f"Y{y + 1}",
                    "outcome": outcome,
                    "panel_date": panel,
                    "notes": "",
                    "evidence_summary": "{}",
                    "recorded_by_id": director,
                    "created_at": _at(panel, rng),
                }
                rows["arcp_outcome"].append(row)
                self._audit(
                    row["created_at"],
                    director,
                    "arcp.recorded",
                    t["id"],
                    "arcp_outcome",
                    row["id"],
                    {
                        "trainee_id": t["id"],
                        "training_year": row["training_year"],
                        "outcome": outcome,
                        "panel_date": panel.isoformat(),
                        "notes_sha256": text_sha256(""),
                        "recorded_by_id": director,
                        "evidence_total": 0,
                        "evidence_summary_sha256": text_sha256("{}"),
                        "panel_pack_id": None,
                    },
                )
            if t["level"] not in ("higher", "advanced") or rng.random() < 0.35:
                continue
            past = [s for s in sittings["MCQ"] if t["stage_start"] - timedelta(days=400) <= s[0] <= today]
            passed_on = None
            for attempt, (sits, sid) in enumerate(past[: rng.randint(1, 3)]):
                result = "pass" if rng.random() < 0.65 or attempt == 2 else "fail"
                self._attempt(rows, t, sid, sits, result)
                if result == "pass":
                    passed_on = sits
                    break
            if passed_on and t["level"] == "advanced":
                confirmed = passed_on + timedelta(days=20)
                if confirmed <= today:
                    rapm = {
                        "id": self.ids.next("rapm_confirmation"),
                        "trainee_id": t["id"],
                        "confirmed_by_id": director,
                        "confirmed_on": confirmed,
                        "stage3_pain_complete": True,
                        "advanced_training_started_on": t["stage_start"],
                        "note": "",
                        "created_at": _at(confirmed, rng),
                    }
                    rows["rapm_confirmation"].append(rapm)
                    self._audit(
                        rapm["created_at"],
                        director,
                        "exam.rapm_confirmed",
                        t["id"],
                        "rapm_confirmation",
                        rapm["id"],
                        {
                            "confirmed_on": confirmed.isoformat(),
                            "advanced_training_started_on": t["stage_start"].isoformat(),
                            "stage3_pain_complete": True,
                            "trainee_id": t["id"],
                            "confirmed_by_id": director,
                            "note_sha256": text_sha256(""),
                        },
                    )
                    for sits, sid in [s for s in sittings["SOE"] if confirmed < s[0] <= today][:2]:
                        result = "pass" if rng.random() < 0.7 else "fail"
                        self._attempt(rows, t, sid, sits, result)
                        if result == "pass":
                            break
            for k in range(rng.randint(0, 3)):
                taken = today - timedelta(days=rng.randint(10, 300))
                rows["mock_exam_score"].append(
                    {
                        "id": self.ids.next("mock_exam_score"),
                        "trainee_id": t["id"],
                        "part": "MCQ",
                        "taken_on": taken,
                        "title": f"Practice paper {k + 1}",
                        "score_percent": round(rng.uniform(45, 85), 1),
                    }
                )
        return rows

    def _panels(self, rows) -> None:
        """Each region's next ARCP panel (ST6), about five weeks ahead, with every trainee of the region on it; the
        readiness columns are the defaults until progress.recompute_all() works them out, as on every write."""
        today = self.sizes.today
        by_region: dict[int, list[int]] = {}
        for t in self.trainees:
            by_region.setdefault(t["region"], []).append(t["id"])
        for rid, director in sorted(self.regional_directors.items()):
            trainee_ids = by_region.get(rid, [])
            if not trainee_ids:
                continue
            nation = NATIONS_BY_REGION.get(REGIONS[rid - 1], "england")
            holidays = bank_holidays(nation, today + timedelta(days=PANEL_DAYS_AHEAD))
            panel_date = today + timedelta(days=PANEL_DAYS_AHEAD)
            while not readiness.is_working_day(panel_date, holidays):  # panels meet on a working day
                panel_date += timedelta(days=1)
            cutoff = readiness.cutoff_date(panel_date, PANEL_CUTOFF_WORKING_DAYS, holidays)
            panel = {
                "id": self.ids.next("arcp_panel"),
                "region_id": rid,
                "cohort_id": None,
                "panel_date": panel_date,
                "training_year": "ST6",
                "cutoff_working_days": PANEL_CUTOFF_WORKING_DAYS,
                "cutoff_date": cutoff,
                "title": f"{REGIONS[rid - 1]} ARCP panel",
                "created_by_id": director,
                "created_at": datetime.combine(today, time(8)),
                "cancelled_at": None,
            }
            rows["arcp_panel"].append(panel)
            for trainee_id in trainee_ids:
                rows["arcp_panel_trainee"].append(
                    {
                        "id": self.ids.next("arcp_panel_trainee"),
                        "panel_id": panel["id"],
                        "trainee_id": trainee_id,
                        "readiness": "red",
                        "readiness_detail": "{}",
                        "readiness_at": None,
                        "added_at": panel["created_at"],
                    }
                )
            self._audit(
                panel["created_at"],
                director,
                "panel.scheduled",
                None,
                "arcp_panel",
                panel["id"],
                {
                    "region_id": rid,
                    "cohort_id": None,
                    "panel_date": panel_date.isoformat(),
                    "training_year": "ST6",
                    "cutoff_working_days": PANEL_CUTOFF_WORKING_DAYS,
                    "cutoff_date": cutoff.isoformat(),
                    "title": panel["title"],
                    "trainee_ids": trainee_ids,
                },
            )

    def _attempt(self, rows, t, sitting_id, sits, result) -> None:
        at = _at(sits + timedelta(days=30), self.rng)
        row = {
            "id": self.ids.next("exam_attempt"),
            "trainee_id": t["id"],
            "sitting_id": sitting_id,
            "result": result,
            "score": round(self.rng.uniform(55, 80) if result == "pass" else self.rng.uniform(35, 60), 1),
            "extra_training_note": None,
            "recorded_by_id": t["id"],
            "corrected_by_id": None,
            "created_at": at,
            "updated_at": at,
        }
        rows["exam_attempt"].append(row)
        self._audit(
            at,
            t["id"],
            "exam.attempt_recorded",
            t["id"],
            "exam_attempt",
            row["id"],
            {
                "sits_on": sits.isoformat(),
                "extra_training_note_sha256": text_sha256(None),
                **{k: row[k] for k in ("trainee_id", "sitting_id", "result", "score", "recorded_by_id", "corrected_by_id")},
            },
        )

    def _audit(self, at, actor_id, action, trainee_id, subject_type, subject_id, payload) -> None:
        name, email = self.users[actor_id]
        self.audit_events.append((at, actor_id, f"{name} <{email}>", action, trainee_id, subject_type, subject_id, payload))

    def audit_batches(self, batch: int = 50_000):
        """The audit records in time order, chained by hash exactly as trainee_portal.audit.append chains them."""
        self.audit_events.sort(key=lambda e: e[0])
        prev = GENESIS_HASH
        out = []
        for sequence, event in enumerate(self.audit_events, 1):
            row = {"id": sequence, **dict(zip(AUDIT_EVENT_COLUMNS, event)), "prev_hash": prev}
            row["payload"] = canonical_json(row["payload"])
            row["record_hash"] = prev = record_hash(SimpleNamespace(**row))
            out.append(row)
            if len(out) >= batch:
                yield {"audit_record": out}
                out = []
        yield {"audit_record": out, "audit_head": [{"id": 1, "sequence": len(self.audit_events), "last_hash": prev}]}
