"""Evidence vocabularies the app adds to the core's: settings, which types need procedure or supervision details, limits."""

from __future__ import annotations

from datetime import date

from competencies import (
    EVIDENCE_TYPES,
    GUIDANCE_MODES,
    NOT_APPLICABLE,
    PROCEDURE_TECHNIQUES,
    SUPERVISION_CHOICES,
    needs_procedure_details,
)

SETTINGS: dict[str, str] = {
    "outpatient": "Outpatient clinic",
    "ward": "Ward / inpatient",
    "theatre": "Theatre or procedure room",
    "mdt": "MDT meeting",
    "teaching": "Teaching",
    "virtual": "Virtual / telephone",
    "community": "Community",
    "other": "Other",
}

PROCEDURE_TYPES = frozenset(code for code in EVIDENCE_TYPES if needs_procedure_details(code))
OLDEST_YEARS = 15  # evidence older than this is a typing mistake, not a training record

LABELS = {
    "evidence_type": {code: t.label for code, t in EVIDENCE_TYPES.items()},
    "setting": SETTINGS,
    # "na" reads "Not applicable" alone; CSV files may carry the code, the label or "Not applicable" (lookup).
    "supervision_level": {
        code: text if code == NOT_APPLICABLE else f"{code} – {text}" for code, text in SUPERVISION_CHOICES.items()
    },
    "technique": PROCEDURE_TECHNIQUES,
    "guidance": GUIDANCE_MODES,
}


def needs_procedure(evidence_type: str | None) -> bool:
    return evidence_type in PROCEDURE_TYPES


def oldest_allowed(today: date) -> date:
    return date(today.year - OLDEST_YEARS, 1, 1)


def label(vocabulary: str, code: str | None) -> str:
    if not code:
        return ""
    return LABELS[vocabulary].get(code, code.replace("_", " ").capitalize())


def lookup(vocabulary: str, text: str) -> str | None:
    """The code for a code or a label typed in any case (CSV files carry either); None when unknown."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return ""
    for code, shown in LABELS[vocabulary].items():
        short = shown.split(" – ")[0]
        if wanted in (code.casefold(), shown.casefold(), short.casefold()):
            return code
    return None
