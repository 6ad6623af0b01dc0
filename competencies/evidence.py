"""Controlled vocabularies shared by every curriculum version: evidence types, supervision
levels, procedure techniques, FPM themes and the four canonical stage slots."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EvidenceType:
    code: str
    label: str
    group: str  # one of EVIDENCE_GROUPS


# "activity": personal activities the trainee adds as evidence [WELSH; SUP]; "report": the summative reports of the
# 2021 curriculum, the multiple trainer report and the trainee's educational supervisor's structured report [EVID; ESSR].
EVIDENCE_GROUPS = ("logbook", "wba", "reflection", "certificate", "activity", "report")

EVIDENCE_TYPES: dict[str, EvidenceType] = {
    evidence_type.code: evidence_type
    for evidence_type in (
        EvidenceType("logbook.clinic", "Clinic", "logbook"),
        EvidenceType("logbook.ward_round", "Ward round", "logbook"),
        EvidenceType("logbook.mdt", "MDT meeting", "logbook"),
        EvidenceType("logbook.procedure", "Procedure", "logbook"),
        EvidenceType("logbook.teaching", "Teaching delivered", "logbook"),
        EvidenceType("wba.cbd", "CBD – case-based discussion", "wba"),
        EvidenceType("wba.cex", "A-CEX – clinical evaluation exercise", "wba"),
        EvidenceType("wba.dops", "DOPS – direct observation of procedural skills", "wba"),
        EvidenceType("wba.msf", "MSF – multi-source feedback", "wba"),
        EvidenceType("wba.almat", "ALMAT", "wba"),
        EvidenceType("wba.aqipat", "A-QIPAT – anaesthesia quality improvement project assessment tool", "wba"),
        EvidenceType("reflection", "Reflection", "reflection"),
        EvidenceType("certificate", "Certificate or course", "certificate"),
        EvidenceType("activity.personal", "Personal activity – course, teaching attended or other evidence", "activity"),
        EvidenceType("report.mtr", "MTR – multiple trainer report", "report"),
        EvidenceType("report.essr", "ESSR – educational supervisor's structured report", "report"),
    )
}

# Singular and plural nouns used when describing evidence rules ("2 DOPS", "8 ward rounds").
_EVIDENCE_NOUNS: dict[str, tuple[str, str]] = {
    "logbook.clinic": ("clinic", "clinics"),
    "logbook.ward_round": ("ward round", "ward rounds"),
    "logbook.mdt": ("MDT meeting", "MDT meetings"),
    "logbook.procedure": ("logged procedure", "logged procedures"),
    "logbook.teaching": ("teaching session delivered", "teaching sessions delivered"),
    "wba.cbd": ("CBD", "CBDs"),
    "wba.cex": ("A-CEX", "A-CEXs"),
    "wba.dops": ("DOPS", "DOPS"),
    "wba.msf": ("MSF", "MSFs"),
    "wba.almat": ("ALMAT", "ALMATs"),
    "wba.aqipat": ("A-QIPAT", "A-QIPATs"),
    "reflection": ("reflection", "reflections"),
    "certificate": ("certificate or course", "certificates or courses"),
    "activity.personal": ("personal activity", "personal activities"),
    "report.mtr": ("multiple trainer report", "multiple trainer reports"),
    "report.essr": ("ESSR", "ESSRs"),
}


# Supervision levels describe clinical work [SUP]: logbook entries and WBAs (SLEs) record one, which may be
# "not applicable" [SUP]; reflections, certificates, personal activities and reports have none.
SUPERVISED_GROUPS = frozenset({"logbook", "wba"})


def needs_supervision(code: str | None) -> bool:
    """Whether evidence of this type records a supervision level."""
    kind = EVIDENCE_TYPES.get(code or "")
    return kind is not None and kind.group in SUPERVISED_GROUPS


# The text each kind cannot do without, beyond its title: (field, what it holds). A reflection and the ESSR (the
# trainee's own structured report, reviewed and commented on by the educational supervisor [ESSR]) are written in
# the reflection; a personal activity says what the activity was [WELSH; SUP]; an MTR records what the trainers
# reported [EVID; HALO].
REQUIRED_TEXT: dict[str, tuple[str, str]] = {
    "reflection": ("reflection", "Write your reflection"),
    "report.essr": ("reflection", "Write your structured report: your progress, what you achieved and your plans"),
    "activity.personal": ("notes", "Describe the activity: what it was, who ran it and what you took from it"),
    "report.mtr": ("notes", "Summarise what the trainers reported"),
}

# Kinds only the trainee's educational supervisor reviews and signs (no outside assessor, no clinical supervisor):
# the ESSR [ESSR].
EDUCATIONAL_SUPERVISOR_ONLY = frozenset({"report.essr"})


# The details each kind of evidence records, beyond its type, date, title and competencies; the evidence form shows
# only these and ignores any other. Clinical work records where it happened and the supervision level [SUP]; a
# logged procedure and a DOPS add the technique and the guidance used [SIA-PM]; a reflection is its text; a personal
# activity, the MTR and the ESSR say what they are [WELSH; EVID; ESSR]. That an SLE may also carry a reflection and
# its assessment form as a file, and a certificate, a personal activity and the reports their document, is this
# programme's own choice.
CLINICAL_DETAILS = ("setting", "hospital", "supervision_level", "notes")
PROCEDURE_DETAILS = ("technique", "guidance")
EVIDENCE_DETAILS: dict[str, tuple[str, ...]] = {
    "logbook.clinic": CLINICAL_DETAILS,
    "logbook.ward_round": CLINICAL_DETAILS,
    "logbook.mdt": CLINICAL_DETAILS,
    "logbook.procedure": CLINICAL_DETAILS + PROCEDURE_DETAILS,
    "logbook.teaching": CLINICAL_DETAILS,
    "wba.cbd": CLINICAL_DETAILS + ("reflection", "attachment"),
    "wba.cex": CLINICAL_DETAILS + ("reflection", "attachment"),
    "wba.dops": CLINICAL_DETAILS + PROCEDURE_DETAILS + ("reflection", "attachment"),
    "wba.msf": CLINICAL_DETAILS + ("reflection", "attachment"),
    "wba.almat": CLINICAL_DETAILS + ("reflection", "attachment"),
    "wba.aqipat": CLINICAL_DETAILS + ("reflection", "attachment"),
    "reflection": ("reflection",),
    "certificate": ("notes", "attachment"),
    "activity.personal": ("notes", "attachment"),
    "report.mtr": ("notes", "attachment"),
    "report.essr": ("reflection", "attachment"),
}

# Every detail some kind records, in the order the form shows them.
DETAIL_FIELDS = ("setting", "hospital", "supervision_level", "technique", "guidance", "notes", "reflection", "attachment")

# The kinds whose file is their substance: a certificate is its file.
FILE_REQUIRED = frozenset({"certificate"})


def detail_fields(code: str | None) -> tuple[str, ...]:
    """The details evidence of this type records (none for an unknown type)."""
    return EVIDENCE_DETAILS.get(code or "", ())


def needs_procedure_details(code: str | None) -> bool:
    """Whether evidence of this type records a procedure's technique and guidance (both required)."""
    return all(name in detail_fields(code) for name in PROCEDURE_DETAILS)


def required_details(code: str | None) -> frozenset[str]:
    """The details evidence of this type cannot be saved without."""
    required = set()
    if needs_supervision(code):
        required.add("supervision_level")
    if needs_procedure_details(code):
        required.update(PROCEDURE_DETAILS)
    if code in REQUIRED_TEXT:
        required.add(REQUIRED_TEXT[code][0])
    if code in FILE_REQUIRED:
        required.add("attachment")
    return frozenset(required)


def evidence_noun(code: str, count: int) -> str:
    """Noun for `count` items of an evidence type, e.g. ("wba.cbd", 2) -> "CBDs"."""
    singular, plural = _EVIDENCE_NOUNS.get(code, (code, code))
    return singular if count == 1 else plural


# RCoA levels of supervision [SUP], least to most independent; dict order is the ranking.
SUPERVISION_LEVELS: dict[str, str] = {
    "1": "Supervisor present throughout",
    "2a": "Supervisor in the theatre suite, checking at intervals",
    "2b": "Supervisor in the hospital, promptly available",
    "3": "Supervisor on call from home, by phone or non-immediate attendance",
    "4": "Independent, informing the consultant per local protocol",
}

_SUPERVISION_RANK = {level: rank for rank, level in enumerate(SUPERVISION_LEVELS)}

# "Not applicable" is allowed where a level means nothing (an MDT meeting, teaching, an MSF) [SUP]. It is recorded,
# never ranked: it meets no minimum level, and a rule cannot ask for it.
NOT_APPLICABLE = "na"
SUPERVISION_CHOICES: dict[str, str] = {**SUPERVISION_LEVELS, NOT_APPLICABLE: "Not applicable"}


def supervision_label(level: str | None, full: bool = False) -> str:
    """A recorded level as pages show it: "2B" (with `full`, "2B – Supervisor in the hospital, …"), "Not applicable",
    or "" when none was recorded."""
    if not level:
        return ""
    if level == NOT_APPLICABLE:
        return SUPERVISION_CHOICES[NOT_APPLICABLE]
    text = SUPERVISION_LEVELS.get(level)
    return f"{level.upper()} – {text}" if full and text else level.upper()


def supervision_rank(level: str | None) -> int | None:
    """Position of a level in SUPERVISION_LEVELS (0 = least independent); None if unknown."""
    if level is None:
        return None
    return _SUPERVISION_RANK.get(level.strip().lower())


def level_at_least(level: str | None, minimum: str | None) -> bool:
    """True if `level` is as independent as `minimum` or more; no minimum accepts anything, and "not applicable"
    (like no level at all) meets no minimum."""
    if minimum is None:
        return True
    rank, required = supervision_rank(level), supervision_rank(minimum)
    if rank is None or required is None:
        return False
    return rank >= required


PROCEDURE_TECHNIQUES: dict[str, str] = {
    "epidural": "Epidural",
    "caudal_epidural": "Caudal epidural",
    "facet_joint_injection": "Facet joint injection",
    "medial_branch_block": "Medial branch block",
    "radiofrequency_denervation": "Radiofrequency denervation",
    "sacroiliac_joint_injection": "Sacroiliac joint injection",
    "nerve_root_block": "Nerve root block (transforaminal)",
    "peripheral_nerve_block": "Peripheral nerve block",
    "trigger_point_injection": "Trigger point injection",
    "scs_trial": "Spinal cord stimulator trial",
    "intrathecal_pump_refill": "Intrathecal pump refill",
    "pulsed_radiofrequency": "Pulsed radiofrequency",
    "botulinum_toxin_injection": "Botulinum toxin injection",
    "ketamine_lidocaine_infusion": "Ketamine/lidocaine infusion",
    "other": "Other",
}

# The three guidance modes named for SIA Pain Medicine logbooks [SIA-PM], plus CT.
GUIDANCE_MODES: dict[str, str] = {"landmark": "Landmark", "ultrasound": "Ultrasound", "xray": "X-ray (fluoroscopy)", "ct": "CT"}

# "The Role of the Pain Medicine Specialist" (FPM, November 2020) [ROLE]; every curriculum
# version must map each theme to at least one competency.
THEMES: dict[str, str] = {
    "pain_biology": "Understanding the complex biology of pain",
    "diagnosis": "Specific pain diagnosis, including the role of specialised tests",
    "prescribing": "Safe and effective prescribing, including drugs of potential addiction "
    "and rational use of pain medicines in primary care",
    "interventions": "Interventional techniques where appropriate",
    "complex_pain": "Complex pain not responsive to initial management, and patients outside national guidelines",
    "cancer_pain": "Cancer pain and cancer survivors, with supportive and palliative care",
    "biopsychosocial": "The biopsychosocial model",
    "multidisciplinary": "Multiprofessional and multidisciplinary working",
    "leadership": "Leadership, service development, guideline and care-pathway development with commissioners",
    "education": "Education of other professions",
    "research": "Research and its translation into care",
    "medicolegal": "Expert medical evidence to courts",
}

# The four slots the web app serves at /basic, /intermediate, /higher, /advanced; each curriculum version assigns
# exactly one of its stages to each slot, except that a "stages" curriculum (2021) may offer several SIAs at
# "advanced", of which each trainee follows the one they choose.
STAGE_LEVELS = ("basic", "intermediate", "higher", "advanced")
CHOICE_LEVEL = "advanced"  # the slot where a "stages" curriculum may offer several stages (its SIAs)
