"""The bank holidays of each UK nation (the `holidays` library), handed to the domain core as plain dates: the core
counts ARCP cut-offs and reminder dates in working days without knowing where the dates come from."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

# Region.nation -> the library's subdivision code.
NATIONS: dict[str, tuple[str, str]] = {
    "england": ("ENG", "England"),
    "scotland": ("SCT", "Scotland"),
    "wales": ("WLS", "Wales"),
    "northern_ireland": ("NIR", "Northern Ireland"),
}
NATION_CHOICES = [(key, label) for key, (_, label) in NATIONS.items()]


def bank_holidays(nation: str, *around: date) -> frozenset[date]:
    """The nation's bank holidays in the years of the given dates and the year before each (a cut-off counted back
    across New Year), as a frozenset of dates. An unknown nation counts England's."""
    subdiv = NATIONS.get(nation, NATIONS["england"])[0]
    return _holidays(subdiv, tuple(sorted({d.year for d in around} | {d.year - 1 for d in around})))


@lru_cache(maxsize=256)
def _holidays(subdiv: str, years: tuple[int, ...]) -> frozenset[date]:
    """Worked out once per worker for each nation and years: the library computes them afresh on each call."""
    return frozenset(holidays.UK(subdiv=subdiv, years=list(years)).keys())


def nation_label(nation: str) -> str:
    return NATIONS.get(nation, (None, nation))[1]
