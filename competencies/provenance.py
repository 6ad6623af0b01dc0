"""Where a rule comes from, in one vocabulary and one wording for every page.

A rule is national (the FPM's or RCoA's own publication, in its own words), local (one school's or region's rule,
named and versioned) or the programme's own suggestion, which no published source backs. Curriculum evidence
rules, a region's local rules and the cohort flags' thresholds all speak through `origin()`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NATIONAL, LOCAL, SUGGESTION = "national", "local", "suggestion"
BASES: dict[str, str] = {NATIONAL: "National rule", LOCAL: "Local rule", SUGGESTION: "The programme's own suggestion"}
NO_SOURCE = "no published source"


def origin(basis: str, sources: Iterable[str] = (), quote: str = "", *, issuer: str = "", version: int | None = None) -> str:
    """The label shown beside a rule, e.g. 'National rule [PROV-ORG]: "at least 16 sessions recommended"',
    'Local rule (NHS Education for Scotland, version 2): "1 CBD"' or
    "The programme's own suggestion (no published source)"."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {tuple(BASES)}, got {basis!r}")
    details = [NO_SOURCE] if basis == SUGGESTION else []
    details += [part for part in (issuer.strip(), f"version {version}" if version else "") if part]
    text = BASES[basis] + (f" ({', '.join(details)})" if details else "")
    keys = tuple(sources)
    if keys:
        text += f" [{'; '.join(keys)}]"
    if quote.strip():
        text += f': "{quote.strip()}"'
    return text


def check(basis: str, sources: Iterable[str], quote: str, minimum: int | None = None) -> list[str]:
    """What is wrong with a rule's provenance, in words (empty when it is sound): national and local rules name a
    source and quote its words, which hold the rule's number; the programme's suggestions name neither."""
    if basis not in BASES:
        return [f"basis must be one of {', '.join(BASES)}, got {basis!r}"]
    quoted, sourced = bool(quote.strip()), bool(tuple(sources))
    if basis == SUGGESTION:
        return ["a programme suggestion has no published source: leave out sources and quote"] if quoted or sourced else []
    problems = []
    if not sourced:
        problems.append(f"a {basis} rule names its source")
    if not quoted:
        problems.append(f"a {basis} rule quotes its source's own words")
    elif minimum is not None and not quotes_number(quote, minimum):
        problems.append(f"the quote does not state the minimum {minimum}")
    return problems


def quotes_number(quote: str, number: int) -> bool:
    """The quote states this number as a whole number (16 in "at least 16 sessions", not in "160")."""
    return re.search(rf"(?<![\w.]){number}(?!\d)", quote) is not None
