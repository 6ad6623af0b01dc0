"""What the demo's evidence says: titles and notes the way a pain trainee writes them ("CBD: new patient with chronic
low back pain, opioid review"), chosen from a small table by kind, competency and date, so the same demo always
reads the same. A title that names a competency uses its name, never its code. No patient identifiers: no names,
numbers or dates of anyone (the demo test runs every phrase through the identifier check)."""

from __future__ import annotations

import zlib
from datetime import date

from competencies import EVIDENCE_TYPES

# Titles by evidence kind. "{competency}" is the competency's name, lower-cased after its first word is kept as is.
TITLES: dict[str, tuple[str, ...]] = {
    "logbook.clinic": (
        "Clinic: general pain clinic, 8 new patients",
        "Clinic: new patient clinic, chronic low back pain referrals",
        "Clinic: follow-up clinic, opioid tapering reviews",
        "Clinic: neuromodulation clinic, spinal cord stimulator reviews",
        "Clinic: cancer pain clinic with the palliative care team",
        "Clinic: complex regional pain syndrome clinic with the physiotherapist",
    ),
    "logbook.ward_round": (
        "Ward round: acute pain round, 14 post-operative patients",
        "Ward round: inpatient pain round, epidural and PCA reviews",
        "Ward round: acute pain round, rib fractures on the trauma ward",
        "Ward round: opioid-tolerant patients after major surgery",
        "Ward round: weekend acute pain round with the pain nurses",
    ),
    "logbook.mdt": (
        "MDT meeting: pain management programme selection",
        "MDT meeting: neuromodulation MDT, 4 candidates discussed",
        "MDT meeting: complex cases with psychology and physiotherapy",
        "MDT meeting: cancer pain and palliative care",
        "MDT meeting: spinal MDT, radicular pain referrals",
    ),
    "logbook.procedure": (  # the demo logs these as medial branch blocks under X-ray (fluoroscopy)
        "Procedure: lumbar medial branch block under fluoroscopy",
        "Procedure: cervical medial branch block under fluoroscopy",
        "Procedure: bilateral lumbar medial branch blocks, day case list",
        "Procedure: thoracic medial branch block under X-ray guidance",
    ),
    "wba.dops": (
        "DOPS: lumbar medial branch block under fluoroscopy",
        "DOPS: cervical medial branch block under fluoroscopy",
        "DOPS: thoracic medial branch block, X-ray guided",
    ),
    "logbook.teaching": (
        "Teaching: opioid prescribing for foundation doctors",
        "Teaching: epidural safety for ward nurses",
        "Teaching: neuropathic pain tutorial for core trainees",
        "Teaching: acute pain session for medical students",
        "Teaching: departmental talk on gabapentinoid prescribing",
    ),
    "wba.cbd": (
        "CBD: new patient with chronic low back pain, opioid review",
        "CBD: post-herpetic neuralgia, second-line medicines",
        "CBD: acute-on-chronic pain after laparotomy",
        "CBD: fibromyalgia, shared decision on stopping pregabalin",
        "CBD: cancer pain, opioid switching and breakthrough doses",
        "CBD: {competency}, a case from the pain clinic",
    ),
    "wba.cex": (
        "A-CEX: history and examination, new patient with neck pain",
        "A-CEX: explaining a pain management plan to a patient with widespread pain",
        "A-CEX: consent for radiofrequency denervation",
        "A-CEX: inpatient with poorly controlled post-operative pain",
    ),
    "wba.msf": ("MSF: feedback from colleagues during the pain medicine block", "MSF: colleague feedback, acute pain service"),
    "wba.almat": (
        "ALMAT: leading the acute pain service for a week",
        "ALMAT: organising the pain clinic rota during staff shortages",
        "ALMAT: chairing the departmental pain governance meeting",
    ),
    "wba.aqipat": (
        "A-QIPAT: audit of opioid prescribing on discharge",
        "A-QIPAT: improving epidural monitoring on the surgical wards",
    ),
    "reflection": (
        "Reflection: a difficult conversation about stopping opioids",
        "Reflection: what I learned about {competency}",
        "Reflection: managing uncertainty with a patient in widespread pain",
        "Reflection: a complaint handled in the pain clinic",
    ),
    "certificate": (
        "Certificate: Faculty of Pain Medicine study day on neuropathic pain",
        "Certificate: safeguarding adults, level 3",
        "Certificate: ultrasound-guided interventions course",
        "Certificate: British Pain Society annual scientific meeting",
    ),
    "activity.personal": (
        "Course: a week observing the pain management programme",
        "Teaching attended: regional pain registrars' day",
    ),
    "report.mtr": ("MTR: multiple trainer report for the pain medicine block",),
    "report.essr": ("ESSR: structured report for my educational supervisor",),
}

NOTES: dict[str, tuple[str, ...]] = {
    "logbook.clinic": (
        "Saw new referrals and follow-ups alongside the consultant; agreed medication plans and onward referrals.",
        "Ran my own list with the consultant available; discussed two patients with them before discharge.",
    ),
    "logbook.ward_round": (
        "Reviewed epidurals, PCAs and oral analgesia with the acute pain nurses; changed plans for three patients.",
        "Led the round and discussed the harder cases with the consultant afterwards.",
    ),
    "logbook.mdt": (
        "Presented two patients and summarised the team's recommendations for the referrers.",
        "Took part in the discussion and wrote up the outcomes for the clinic letters.",
    ),
    "logbook.procedure": (
        "Positioned and prepared the patient, performed the block and checked needle placement on screening.",
        "Performed under supervision; discussed needle trajectory and contrast spread with my supervisor.",
    ),
    "wba.dops": (
        "Observed from consent to discharge; feedback on needle handling and radiation safety.",
        "Supervisor observed the whole procedure and gave feedback on technique and communication.",
    ),
    "logbook.teaching": (
        "Prepared a short case-based session with slides; feedback forms collected from the group.",
        "Interactive session with questions; shared the handout on the department's drive.",
    ),
    "wba.cbd": (
        "Discussed assessment, the evidence for each option and how the plan was shared with the patient.",
        "Talked through my clinical reasoning, the risks discussed and the follow-up plan.",
    ),
    "wba.cex": (
        "Observed consultation with feedback on structure, explanation and checking understanding.",
        "Feedback on examination technique and on agreeing goals with the patient.",
    ),
    "wba.almat": ("Supervisor feedback on planning, delegation and communication with the wider team.",),
    "wba.aqipat": ("Project plan, data collection and first cycle of results presented at the department meeting.",),
    "wba.msf": ("Feedback collected from nurses, consultants and other trainees in the department.",),
    "reflection": ("What happened, what I would do differently and what I will read next.",),
    "certificate": ("Certificate of attendance uploaded; notes from the sessions kept in my learning log.",),
    "activity.personal": ("What I attended and how it changes my practice.",),
    "report.mtr": ("Feedback gathered from the consultants I worked with during the block.",),
    "report.essr": ("My summary of the stage so far, for my educational supervisor's comments.",),
}

REFLECTION = (
    "The conversation went better once I asked what mattered most to the patient. Next time I will set the agenda "
    "at the start, and I will read the Faculty's guidance on opioid tapering before my next clinic."
)


def _pick(options: tuple[str, ...], kind: str, code: str, on: date) -> str:
    """One of the options, the same every time for this kind, competency and date (no random numbers used up)."""
    return options[zlib.crc32(f"{kind}|{code}|{on.isoformat()}".encode()) % len(options)]


def _competency_phrase(name: str) -> str:
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def title(kind: str, code: str, competency_name: str, on: date) -> str:
    options = TITLES.get(kind)
    if not options:
        return f"{EVIDENCE_TYPES[kind].label}: {competency_name}"
    return _pick(options, kind, code, on).replace("{competency}", _competency_phrase(competency_name))


def notes(kind: str, code: str, on: date) -> str:
    return _pick(NOTES.get(kind) or ("Summary of what I did and what I learned.",), kind, code, on)


def reflection(kind: str) -> str:
    return REFLECTION if kind == "reflection" else ""
