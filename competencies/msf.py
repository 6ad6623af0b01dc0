"""Multi-source feedback (MSF) rounds: the curriculum's [msf] rules (how many raters, which staff groups, the
questions), a round's lifecycle, when it may be released, and the collated result that keeps raters anonymous.

Every number comes from the curriculum file with its provenance. Plain data in, plain data out: no clock, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .provenance import BASES, SUGGESTION, origin
from .provenance import check as check_provenance

# --- the rules, read from the curriculum file -----------------------------------------------------

# The four thresholds of [msf], each a table with min, basis, sources and quote.
THRESHOLDS = ("raters", "responses", "groups", "anonymity")
THRESHOLD_MEANINGS = {
    "raters": "raters the trainee nominates",
    "responses": "responses before the round may be released",
    "groups": "different staff groups among the responses",
    "anonymity": "responses a staff group needs before its own breakdown is shown",
}

# The rating scale and the two free-text prompts are the programme's own wording (no published source gives them).
UNABLE = "unable"
RATINGS: tuple[tuple[str, str], ...] = (
    ("below", "Below expectations for their stage"),
    ("meets", "Meets expectations for their stage"),
    ("above", "Above expectations for their stage"),
    (UNABLE, "Unable to comment"),
)
RATING_LABELS = dict(RATINGS)
COMMENT_PROMPTS: tuple[tuple[str, str], ...] = (
    ("well", "What does this doctor do well?"),
    ("improve", "What could this doctor do better?"),
)
SCALE_ORIGIN = origin(SUGGESTION)
COMMENT_LIMIT = 2000  # characters per free-text answer: the programme's own bound


@dataclass(frozen=True)
class Threshold:
    minimum: int
    basis: str = SUGGESTION
    sources: tuple[str, ...] = ()
    quote: str = ""

    @property
    def origin(self) -> str:
        return origin(self.basis, self.sources, self.quote)


@dataclass(frozen=True)
class StaffGroup:
    key: str
    label: str
    basis: str = SUGGESTION
    sources: tuple[str, ...] = ()
    quote: str = ""

    @property
    def origin(self) -> str:
        return origin(self.basis, self.sources, self.quote)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    basis: str = SUGGESTION
    sources: tuple[str, ...] = ()
    quote: str = ""

    @property
    def origin(self) -> str:
        return origin(self.basis, self.sources, self.quote)


@dataclass(frozen=True)
class MsfRules:
    raters: Threshold
    responses: Threshold
    groups: Threshold
    anonymity: Threshold
    staff_groups: tuple[StaffGroup, ...]
    questions: tuple[Question, ...]
    note: str = ""

    def group_label(self, key: str) -> str:
        return next((group.label for group in self.staff_groups if group.key == key), key)

    @property
    def group_keys(self) -> tuple[str, ...]:
        return tuple(group.key for group in self.staff_groups)


_THRESHOLD_KEYS = {"min", "basis", "sources", "quote"}
_ITEM_KEYS = {"key", "basis", "sources", "quote"}


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _provenance(table: dict, path: str, defined, problems: list, minimum: int | None = None) -> tuple[str, tuple, str]:
    basis, sources, quote = table.get("basis", SUGGESTION), table.get("sources", []), table.get("quote", "")
    if not _strings(sources) or not isinstance(quote, str) or not isinstance(basis, str):
        problems.append((path, "basis and quote are strings and sources a list of source keys"))
        return SUGGESTION, (), ""
    for key in sources:
        if key not in defined:
            problems.append((f"{path}.sources", f"source {key!r} is not defined in [sources]"))
    problems.extend((f"{path}.basis", problem) for problem in check_provenance(basis, sources, quote, minimum))
    return (basis if basis in BASES else SUGGESTION), tuple(sources), quote.strip()


def _threshold(table, path: str, defined, problems: list) -> Threshold:
    if not isinstance(table, dict):
        problems.append((path, "required table is missing (min, basis, sources, quote)"))
        return Threshold(1)
    problems.extend((f"{path}.{key}", f"unknown key {key!r}") for key in table if key not in _THRESHOLD_KEYS)
    minimum = table.get("min")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        problems.append((f"{path}.min", f"must be a whole number of at least 1, got {minimum!r}"))
        minimum = 1
    # A national or local number stands in its quote ("a minimum of 12 people").
    basis, sources, quote = _provenance(table, path, defined, problems, minimum if minimum > 1 else None)
    return Threshold(minimum, basis, sources, quote)


def _items(values, path: str, text_key: str, defined, problems: list, make) -> tuple:
    if not isinstance(values, list) or not values or not all(isinstance(item, dict) for item in values):
        problems.append((path, "needs at least one table"))
        return ()
    seen, items = set(), []
    for index, item in enumerate(values):
        where = f"{path}[{index}]"
        problems.extend((f"{where}.{key}", f"unknown key {key!r}") for key in item if key not in _ITEM_KEYS | {text_key})
        key, text = item.get("key"), item.get(text_key)
        if not (isinstance(key, str) and key.strip()) or not (isinstance(text, str) and text.strip()):
            problems.append((where, f"key and {text_key} are non-empty strings"))
            continue
        if key in seen:
            problems.append((f"{where}.key", f"duplicate key {key!r}"))
        seen.add(key)
        basis, sources, quote = _provenance(item, where, defined, problems)
        items.append(make(key, text.strip(), basis, sources, quote))
    return tuple(items)


def read_rules(table: dict, defined_sources) -> tuple[MsfRules | None, list[tuple[str, str]]]:
    """The [msf] section of a curriculum file and every problem found in it, as (path, reason)."""
    problems: list[tuple[str, str]] = []
    known = set(THRESHOLDS) | {"staff_groups", "questions", "note"}
    problems.extend((f"msf.{key}", f"unknown key {key!r}") for key in table if key not in known)
    thresholds = {name: _threshold(table.get(name), f"msf.{name}", defined_sources, problems) for name in THRESHOLDS}
    groups = _items(table.get("staff_groups"), "msf.staff_groups", "label", defined_sources, problems, StaffGroup)
    questions = _items(table.get("questions"), "msf.questions", "text", defined_sources, problems, Question)
    if thresholds["groups"].minimum > max(len(groups), 1):
        problems.append(("msf.groups.min", "asks for more staff groups than the file defines"))
    if thresholds["anonymity"].minimum > thresholds["responses"].minimum:
        problems.append(("msf.anonymity.min", "cannot exceed msf.responses.min, or a released round would show nothing"))
    note = table.get("note", "")
    if problems:
        return None, problems
    return MsfRules(**thresholds, staff_groups=groups, questions=questions, note=note if isinstance(note, str) else ""), []


# --- a round's lifecycle ----------------------------------------------------------------------------

COLLECTING, RELEASED, CLOSED = "collecting", "released", "closed"
STATUSES = (COLLECTING, RELEASED, CLOSED)
STATUS_LABELS = {COLLECTING: "Collecting feedback", RELEASED: "Released", CLOSED: "Closed early (does not count)"}


def may_nominate(status: str) -> bool:
    """Raters are added, and answer, only while the round collects feedback."""
    return status == COLLECTING


may_answer = may_nominate
may_release = may_nominate
may_close = may_nominate


# --- readiness for release --------------------------------------------------------------------------


@dataclass(frozen=True)
class Readiness:
    nominated: int
    responded: int
    groups_responded: int
    missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ready(self) -> bool:
        return not self.missing


def readiness(rules: MsfRules, nominated: int, responses_by_group: Mapping[str, int]) -> Readiness:
    """What the round still needs before its educational supervisor may release it, in words."""
    responded = sum(responses_by_group.values())
    groups = sum(1 for count in responses_by_group.values() if count > 0)
    missing = []
    if nominated < rules.raters.minimum:
        missing.append(f"Nominate at least {rules.raters.minimum} raters ({nominated} so far).")
    if responded < rules.responses.minimum:
        missing.append(f"At least {rules.responses.minimum} responses are needed ({responded} so far).")
    if groups < rules.groups.minimum:
        missing.append(f"Responses from at least {rules.groups.minimum} different staff groups are needed ({groups} so far).")
    return Readiness(nominated, responded, groups, tuple(missing))


# --- one rater's answers ------------------------------------------------------------------------------


def check_answers(rules: MsfRules, ratings: Mapping[str, str], comments: Mapping[str, str]) -> list[str]:
    """What is wrong with a questionnaire as submitted (empty when it may be stored)."""
    problems = []
    for question in rules.questions:
        if ratings.get(question.key) not in RATING_LABELS:
            problems.append(f"Choose a rating for “{question.text}”, or “Unable to comment”.")
    for key, _prompt in COMMENT_PROMPTS:
        if len(comments.get(key) or "") > COMMENT_LIMIT:
            problems.append(f"Keep each comment to {COMMENT_LIMIT} characters.")
    rated = any(ratings.get(q.key) not in (None, UNABLE) for q in rules.questions)
    if not problems and not rated and not any((comments.get(key) or "").strip() for key, _ in COMMENT_PROMPTS):
        problems.append("Give at least one rating or one comment: a response that says nothing cannot be used.")
    return problems


# --- the collated result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    staff_group: str
    ratings: Mapping[str, str]
    comments: Mapping[str, str]


@dataclass(frozen=True)
class Breakdown:
    label: str
    responses: int
    rows: tuple[tuple[Question, tuple[int, ...]], ...]  # per question, the count of each rating in RATINGS order


@dataclass(frozen=True)
class Collation:
    responses: int
    overall: Breakdown | None  # None while too few responses to show anything
    groups: tuple[Breakdown, ...]
    comments: tuple[tuple[str, tuple[str, ...]], ...]  # (prompt, comments in alphabetical order)
    counts_by_group: tuple[tuple[str, int], ...]


def shown_groups(counts: Mapping[str, int], smallest: int) -> tuple[set[str], int]:
    """The staff groups whose own breakdown may be shown, and how many responses are pooled as the rest.

    A group is shown only with at least `smallest` responses. The pooled rest is shown only when it too has that
    many, since the overall figures minus the shown groups would give it away: while it has some but too few, the
    smallest shown group joins it."""
    shown = {key for key, count in counts.items() if count >= smallest}
    pooled = sum(count for key, count in counts.items() if key not in shown)
    while 0 < pooled < smallest and shown:
        joining = min(shown, key=lambda key: (counts[key], key))
        shown.discard(joining)
        pooled += counts[joining]
    return shown, pooled


def _breakdown(label: str, rules: MsfRules, responses: list[Response]) -> Breakdown:
    keys = [key for key, _ in RATINGS]
    rows = []
    for question in rules.questions:
        tally = Counter(response.ratings.get(question.key) for response in responses)
        rows.append((question, tuple(tally.get(key, 0) for key in keys)))
    return Breakdown(label, len(responses), tuple(rows))


def collate(rules: MsfRules, responses: Iterable[Response]) -> Collation:
    """Counts per rating per question, overall and per staff group where that identifies nobody, and the comments
    without names, groups or order of arrival."""
    responses = list(responses)
    counts = Counter(response.staff_group for response in responses)
    smallest = rules.anonymity.minimum
    enough = len(responses) >= smallest
    groups: list[Breakdown] = []
    if enough:
        shown, pooled = shown_groups(counts, smallest)
        for group in rules.staff_groups:
            if group.key in shown:
                groups.append(_breakdown(group.label, rules, [r for r in responses if r.staff_group == group.key]))
        if pooled and shown:
            rest = [r for r in responses if r.staff_group not in shown]
            groups.append(_breakdown("Other staff groups together", rules, rest))
    comments = tuple(
        (
            prompt,
            tuple(
                sorted(
                    ((r.comments.get(key) or "").strip() for r in responses if (r.comments.get(key) or "").strip()),
                    key=str.casefold,
                )
            )
            if enough
            else (),
        )
        for key, prompt in COMMENT_PROMPTS
    )
    by_group = tuple((group.label, counts.get(group.key, 0)) for group in rules.staff_groups)
    return Collation(
        responses=len(responses),
        overall=_breakdown("All responses", rules, responses) if enough else None,
        groups=tuple(groups),
        comments=comments,
        counts_by_group=by_group,
    )


def msf_competencies(curriculum, stage_level: str) -> tuple[str, ...]:
    """The competencies of the trainee's current stage whose evidence rules ask for an MSF (a released round claims them)."""
    return tuple(
        competency.code
        for stage in curriculum.stages
        if stage.level == stage_level
        for competency in stage.competencies
        if any(rule.evidence_type == "wba.msf" for rule in competency.evidence)
    )
