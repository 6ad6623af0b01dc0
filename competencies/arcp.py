"""ARCP (Annual Review of Competence Progression) outcomes: the full list with each outcome's meaning and
sources, and how several panels in one training year read (a panel after an earlier one is reconvened)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from .curriculum import Source

SOURCES = MappingProxyType(
    {
        "ARCP-S": Source(
            "ARCP-S",
            "NHS Education for Scotland, Scotland Deanery. ARCP outcomes.",
            "https://www.scotlanddeanery.nhs.scot/trainee-information/annual-review-of-competence-progression-arcp/arcp-outcomes/",
        ),
        "ARCP-E": Source(
            "ARCP-E", "Health Education England, East of England. ARCP outcomes.", "https://heeoe.hee.nhs.uk/node/872"
        ),
    }
)
BOTH = ("ARCP-S", "ARCP-E")


@dataclass(frozen=True)
class Outcome:
    code: str
    meaning: str
    sources: tuple[str, ...]
    holding: bool = False  # the panel could not decide on the evidence; it reconvenes once the evidence is in


# Meanings as domain.md words them; 7.1-7.4 and 9 as both deanery pages publish them.
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("1", "Satisfactory progress", BOTH),
    Outcome("2", "Specific capabilities needed, no extra time", BOTH),
    Outcome("3", "Extra time needed", BOTH),
    Outcome("4", "Released from the training programme", BOTH),
    Outcome("5", "Incomplete evidence", BOTH, holding=True),
    Outcome("6", "Completed: gained all required capabilities", BOTH),
    Outcome("7.1", "LAT/FTSTA post: satisfactory progress in or completion of the post", BOTH),
    Outcome("7.2", "LAT/FTSTA post: specific capabilities needed, no extra time", BOTH),
    Outcome("7.3", "LAT/FTSTA post: inadequate progress", BOTH),
    Outcome("7.4", "LAT/FTSTA post: incomplete evidence", BOTH, holding=True),
    Outcome("8", "Out of programme (research, clinical experience or a career break)", BOTH),
    Outcome("9", "Top-up training in a training post", ("ARCP-E",)),
    Outcome("10.1", "COVID-delayed, no extra time", BOTH),
    Outcome("10.2", "COVID-delayed, extra time", BOTH),
)
BY_CODE = MappingProxyType({o.code: o for o in OUTCOMES})


class Catalogue:
    """The outcomes with the sources they cite (shaped like a curriculum for the pages' source links)."""

    outcomes = OUTCOMES
    sources = SOURCES

    def meaning(self, code: str) -> str:
        outcome = BY_CODE.get(code)
        return outcome.meaning if outcome else "Unknown outcome"


CATALOGUE = Catalogue()


def outcome(code: str) -> Outcome:
    """The outcome with this code; KeyError for a code not on the list."""
    return BY_CODE[code]


@dataclass(frozen=True)
class Panel:
    key: int  # the record's id: panels on the same date are in the order they were recorded
    training_year: str
    outcome: str
    panel_date: date


def reconvened(panels: Iterable[Panel]) -> dict[int, str]:
    """For each panel that follows an earlier one in the same training year, "Reconvened panel after outcome N"
    (N the previous panel's outcome); panels are ordered by date, then by key for the same date."""
    ordered = sorted(panels, key=lambda p: (p.panel_date, p.key))
    last: dict[str, Panel] = {}
    labels = {}
    for panel in ordered:
        before = last.get(panel.training_year)
        if before is not None:
            labels[panel.key] = f"Reconvened panel after outcome {before.outcome}"
        last[panel.training_year] = panel
    return labels
