"""The dashboard's charts: each built from one aggregate query over the filtered cohort (the heatmap from the table's
own rows), with its table rows."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import String, and_, case, cast, func, literal, select, true

from competencies import STAGE_LEVELS, Stage, stage_progress
from trainee_portal import curricula
from trainee_portal.cohort.queries import EXAM_STATUSES, FLAGS, CohortRow, Filters, cohort_ids, cohort_select
from trainee_portal.extensions import db
from trainee_portal.models import SupervisorResponseDay, SupervisorResponseRecent, User
from trainee_portal.platform import charts as go  # plotly's figure JSON without per-request validation
from trainee_portal.platform.clock import utcnow
from trainee_portal.platform.fragments import Kept
from trainee_portal.summaries import response_times, trainee_summary

STAGE_LABELS = {
    "basic": "Basic / Stage 1",
    "intermediate": "Intermediate / Stage 2",
    "higher": "Higher / Stage 3",
    "advanced": "Advanced / SIA",
}
RESPONSIVENESS_DAYS = response_times.WINDOW_DAYS
NHS_BLUE = "#005eb8"


@dataclass
class Chart:
    figure_json: str
    headers: list[str]
    rows: list[list]


def _layout(figure: go.Figure, narrow: dict | None = None, narrow_traces: dict | None = None, **extra) -> str:
    """The figure's JSON with the dashboard's layout, and what changes on a phone (see static/js/charts.js)."""
    figure.update_layout(
        margin=dict(l=10, r=10, t=10, b=10),
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=dict(family="Frutiger W01, Arial, sans-serif", size=14),
        **extra,
    )
    return go.with_narrow(figure.to_json(), narrow, narrow_traces)


def _exam_status(base):
    """SQL: the exam status (EXAM_STATUSES) of a row of cohort_select."""
    return case(
        (base.c.soe_passed == 1, EXAM_STATUSES[3]),
        (base.c.mcq_passed == 1, EXAM_STATUSES[2]),
        ((base.c.mcq_attempts + base.c.soe_attempts) > 0, EXAM_STATUSES[1]),
        else_=EXAM_STATUSES[0],
    )


def cohort_breakdown(user, filters: Filters) -> dict[tuple[str, str, str], int]:
    """(curriculum version, stage level, exam status) → trainees: one grouped query feeds the stage and the exam
    chart and says which curricula the filtered trainees follow (the heatmap's choice)."""
    base = cohort_select(user, filters).subquery()
    status = _exam_status(base)
    query = select(base.c.curriculum_version, base.c.stage_level, status, func.count()).group_by(
        base.c.curriculum_version, base.c.stage_level, status
    )
    return {(version, stage, exam): n for version, stage, exam, n in db.session.execute(query)}


def counts_and_breakdown(user, filters: Filters) -> tuple[tuple[int, dict[str, int]], dict[tuple[str, str, str], int]]:
    """queries.cohort_counts and cohort_breakdown from one grouped query over the cohort: each (curriculum version,
    stage level, exam status) group with how many match the filters and how many carry each flag."""
    base = cohort_select(user, filters, flag_columns=True).subquery()
    status = _exam_status(base)
    flagged = (func.sum(base.c[f"flag_{name}"]) for name in FLAGS)
    query = select(base.c.curriculum_version, base.c.stage_level, status, func.sum(base.c.matches), *flagged).group_by(
        base.c.curriculum_version, base.c.stage_level, status
    )
    total, counts, breakdown = 0, dict.fromkeys(FLAGS, 0), {}
    for version, stage, exam, matching, *flag_counts in db.session.execute(query):
        total += int(matching)
        for name, n in zip(FLAGS, flag_counts, strict=True):
            counts[name] += int(n)
        if matching:
            breakdown[(version, stage, exam)] = int(matching)
    return (total, counts), breakdown


CURRICULUM_COLOURS = (NHS_BLUE, "#330072", "#007f3b", "#8a1538")  # NHS blue, purple, green, dark pink


def _stage_label(version: str, level: str) -> str:
    """The name of the stage filling `level` in one curriculum; for a slot several stages share (2021's SIAs), the
    words their names share ("Stage 3 SIA"), as the count covers every trainee in the slot."""
    try:
        stages = curricula.curriculum(version).stages_at(level)
    except KeyError:
        stages = ()
    if not stages:
        return curricula.stage_name(version, level)
    if len(stages) == 1:
        return stages[0].name
    shared = []
    for group in zip(*(stage.name.split() for stage in stages)):
        if len(set(group)) > 1:
            break
        shared.append(group[0])
    return " ".join(shared) if shared else " or ".join(stage.name for stage in stages)


def _levels(version: str) -> list[str]:
    """The stage levels a curriculum fills, in training order (every level when the version is unknown)."""
    try:
        found = curricula.curriculum(version)
    except KeyError:
        return list(STAGE_LEVELS)
    return [level for level in STAGE_LEVELS if found.stages_at(level)]


def trainees_per_stage(breakdown: dict[tuple[str, str, str], int]) -> Chart:
    """Trainees in each stage, one bar series per curriculum the filtered trainees follow, each stage named as its
    own curriculum names it (2010's "Higher" and 2021's "Stage 3" are counted apart, never added together)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (version, level, _), n in breakdown.items():
        counts[(version, level)] += n
    versions = [version for version, _ in curricula_in_scope(breakdown)]
    figure = go.Figure()
    rows, values = [], []
    for index, version in enumerate(versions):
        labels = [_stage_label(version, level) for level in _levels(version)]
        series = [counts.get((version, level), 0) for level in _levels(version)]
        values += series
        rows += [[f"{version} curriculum", label, n] for label, n in zip(labels, series)]
        figure.add_trace(
            go.Bar(
                y=labels,
                x=series,
                orientation="h",
                name=f"{version} curriculum",
                marker_color=CURRICULUM_COLOURS[index % len(CURRICULUM_COLOURS)],
                hovertemplate=f"%{{y}} ({version} curriculum): %{{x}}<extra></extra>",
            )
        )
    ticks = [row[1] for row in rows]
    step = max(1, -(-max(values, default=0) // 5))  # whole trainees on the axis
    return Chart(
        _layout(
            figure,
            # Stages down the side, in training order, each named in full (a phone wraps them onto short lines).
            yaxis=dict(autorange="reversed", automargin=True, tickvals=ticks, ticktext=[go.wrap(t, 24) for t in ticks]),
            xaxis=dict(title="Trainees", rangemode="tozero", dtick=step),
            showlegend=len(versions) > 1,
            legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
            barmode="relative",  # one series per stage: each bar centred on its own stage
            narrow=dict(font=dict(size=11), yaxis=dict(tickvals=ticks, ticktext=[go.wrap(t, 14) for t in ticks])),
        ),
        ["Curriculum", "Stage", "Trainees"],
        rows,
    )


def exam_pipeline(breakdown: dict[tuple[str, str, str], int]) -> Chart:
    counts: dict[str, int] = defaultdict(int)
    for (_, _, status), n in breakdown.items():
        counts[status] += n
    values = [counts.get(s, 0) for s in EXAM_STATUSES]
    figure = go.Figure(
        go.Bar(
            y=list(EXAM_STATUSES),
            x=values,
            orientation="h",
            marker_color=NHS_BLUE,
            text=values,
            textposition="auto",
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    step = max(1, -(-max(values, default=0) // 5))
    return Chart(
        _layout(
            figure,
            yaxis=dict(autorange="reversed", automargin=True),
            xaxis=dict(title="Trainees", rangemode="tozero", dtick=step),
            narrow=dict(
                font=dict(size=12), yaxis=dict(tickvals=list(EXAM_STATUSES), ticktext=[go.wrap(s, 12) for s in EXAM_STATUSES])
            ),
        ),
        ["Exam status", "Trainees"],
        [[s, v] for s, v in zip(EXAM_STATUSES, values)],
    )


def curricula_in_scope(breakdown: dict[tuple[str, str, str], int]) -> list[tuple[str, int]]:
    """(curriculum version, trainees) for every curriculum the filtered trainees follow, most trainees first."""
    counts: dict[str, int] = defaultdict(int)
    for (version, _, _), n in breakdown.items():
        counts[version] += n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def heatmap_curriculum(filters: Filters, in_scope: list[tuple[str, int]]) -> str | None:
    """The curriculum the heatmap shows: the filter's, else the one asked for (?heatmap=) among those in scope, else
    the one most of the filtered trainees follow."""
    if filters.curriculum:
        return filters.curriculum
    versions = [version for version, _ in in_scope]
    if filters.heatmap in versions:
        return filters.heatmap
    return versions[0] if versions else None


def _two_lines(text: str, width: int) -> str:
    """A label wrapped at `width` characters, cut to two lines with an ellipsis when it runs longer."""
    lines = go.wrap(text, width).split("<br>")
    if len(lines) <= 2:
        return "<br>".join(lines)
    rest = go.wrap(" ".join(lines[1:]), width - 1).split("<br>")[0]
    return lines[0] + "<br>" + rest.rstrip(",;:") + "…"


def progress_heatmap(rows: list[CohortRow], version: str | None) -> Chart:
    """The trainees on this page who follow one curriculum version × the domains of their current stages in it:
    the share of each domain's competencies complete. One curriculum at a time, so its columns are its own."""
    rows = [r for r in rows if r.curriculum_version == version]
    domains: list[str] = []
    cells: dict[tuple[int, str], float] = {}
    shown: list[tuple[CohortRow, Stage]] = []
    for row in rows:
        try:
            shown.append((row, curricula.curriculum(row.curriculum_version).stage_for_level(row.stage_level, row.sia_stage_key)))
        except KeyError:
            continue
    # Each trainee's cells as their stage results left them (summaries.trainee_summary.domain_percents); a trainee
    # nothing was ever recorded for has none stored: their stage as the core counts it with no evidence.
    stored = {row.trainee_id: json.loads(row.domain_percents or "{}") for row, _ in shown}
    unknown = [(row, stage) for row, stage in shown if stage.key not in stored[row.trainee_id]]
    if unknown:
        rules = curricula.region_rules((row.region_id, row.curriculum_version) for row, _ in unknown)
        for row, stage in unknown:
            curriculum, extra = curricula.curriculum(row.curriculum_version), rules[(row.region_id, row.curriculum_version)]
            result = {stage.key: stage_progress(curriculum, stage.key, (), extra)}
            stored[row.trainee_id] |= json.loads(trainee_summary.domain_percents(result))
    for row, stage in shown:
        percents = stored[row.trainee_id][stage.key]
        for index, domain in enumerate(stage.domains):
            if domain.name not in domains:
                domains.append(domain.name)
            if index < len(percents):
                cells[(row.trainee_id, domain.name)] = percents[index]
    shown = [row for row, _ in shown]
    # Names alone keep the labels short enough for a phone; a name two trainees share gets its GMC number.
    repeated = {r.name for r in shown if sum(1 for o in shown if o.name == r.name) > 1}
    names = [f"{r.name} ({r.gmc_number})" if r.name in repeated else r.name for r in shown]
    z = [[cells.get((r.trainee_id, d)) for d in domains] for r in shown]
    labels = [go.wrap(d, 16) for d in domains]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=labels,
            y=names,
            zmin=0,
            zmax=100,
            colorscale="Blues",
            colorbar=dict(title=dict(text="% complete", side="right"), thickness=14),
            customdata=[[r.stage_name] * len(domains) for r in shown],
            xgap=1,
            ygap=1,
            hovertemplate="%{y} (%{customdata})<br>%{x}: %{z}% of competencies complete<extra></extra>",
        )
    )
    label_lines = max((label.count("<br>") + 1 for label in labels), default=1)
    height = max(320, 28 * len(shown) + 40 + 20 * label_lines)
    return Chart(
        _layout(
            figure,
            height=height,
            yaxis=dict(autorange="reversed", automargin=True),
            xaxis=dict(automargin=True, side="top", tickangle=0),
            # On a phone: smaller type, the domains written upwards, a row height a finger can find, and the colour
            # scale along the foot of the figure rather than beside the cells (a phone has no width to spare).
            narrow=dict(
                font=dict(size=11),
                height=max(320, 30 * len(shown) + 110 + 90),
                margin=dict(b=70),
                # Written upwards, a column is as wide as two lines of type: longer names are cut short there (the
                # table beside the figure and the hover label give them in full).
                xaxis=dict(tickangle=-90, tickvals=labels, ticktext=[_two_lines(d, 24) for d in domains]),
            ),
            narrow_traces=dict(
                colorbar=dict(
                    orientation="h",
                    x=0.5,
                    xanchor="center",
                    y=-0.04,
                    yanchor="top",
                    len=0.8,
                    thickness=10,
                    title=dict(side="top"),
                )
            ),
        ),
        ["Trainee", "Stage", *domains],
        [[n, r.stage_name, *["–" if v is None else f"{v:.0f}%" for v in values]] for n, r, values in zip(names, shown, z)],
    )


def median_from_histogram(histogram: dict[int, int]) -> float:
    """The exact median of values given as value → how many times it occurs (counts above 0): the mean of the lower
    middle one (the least value whose running count reaches half the total) and the upper middle one (the least whose
    running count passes half); for an odd total they are the same one. One pass over the values in order."""
    total = sum(histogram.values())
    lower = None
    running = 0
    for value in sorted(histogram):
        running += histogram[value]
        if lower is None and 2 * running >= total:
            lower = value
        if 2 * running > total:
            return (lower + value) / 2
    raise ValueError("no values")


# Per worker: a supervisor's median and count, under a SHA-256 digest of their pairs' histograms and the decisions to
# take off, as the database joined them up (so never stale: a decision changes its pair's JSON, and a new day what is
# taken off, and with either the key). The digest keeps the key at 32 bytes however many pairs a supervisor has; the
# value is two numbers.
SUMMED = Kept(size=8192)


def _median_and_count(histograms: str, less: str) -> tuple[float, int]:
    """The median and count of the pairs' histograms added up, less the decisions before the year; (0.0, 0) when none
    are left. `histograms`: the pairs' JSON objects {days: decisions} joined by commas; `less`: the members
    "days": decisions of one JSON object, joined by commas (both as the database aggregates them). The value is a
    function of the two texts alone, so the key is their digest, the first text's length told apart from the rest."""

    def add():
        total: dict[str, int] = {}
        for histogram in json.loads(f"[{histograms}]"):  # decoded in one call, not one a pair
            for d, n in histogram.items():
                total[d] = total.get(d, 0) + n
        off = json.loads(f"{{{less}}}")
        counts = {int(d): n - off.get(d, 0) for d, n in total.items() if n > off.get(d, 0)}
        return (median_from_histogram(counts), sum(counts.values())) if counts else (0.0, 0)

    return SUMMED.get(hashlib.sha256(f"{len(histograms)}:{histograms}{less}".encode()).digest(), add)


def _days_taken_off(pairs, since):
    """SQL: (supervisor, their decisions to take off as the members "days": decisions of a JSON object, joined by
    commas) from the pairs' day rows from each pair's counted_from to `since`, looked up pair by pair in the day rows'
    index. On SQLite the join's "+ 0" keeps the filter on the pairs' trainees from being copied onto the day rows,
    which would have its planner scan every trainee's older decisions; PostgreSQL would hash-join all the day rows
    before `since` (206,000 at 1M evidence rows, 28 ms), so there each pair's rows are a LATERAL subquery, an index
    range scan each (8 ms)."""
    recent, day = SupervisorResponseRecent, SupervisorResponseDay
    in_range = (day.decided_on >= recent.counted_from, day.decided_on < since)
    if db.session.get_bind().dialect.name == "postgresql":
        rows = (
            select(day.days_to_decision, day.count)
            .where(day.supervisor_id == recent.supervisor_id, day.trainee_id == recent.trainee_id, *in_range)
            .offset(0)  # keeps the planner from pulling the subquery up into a join of all the day rows
            .lateral()
        )
        per_day = (
            select(recent.supervisor_id, rows.c.days_to_decision.label("days"), func.sum(rows.c.count).label("n"))
            .select_from(recent)
            .join(rows, true())
            .where(*pairs)
            .group_by(recent.supervisor_id, rows.c.days_to_decision)
        )
    else:
        per_day = (
            select(day.supervisor_id, day.days_to_decision.label("days"), func.sum(day.count).label("n"))
            .select_from(recent)
            .join(day, and_(day.supervisor_id == recent.supervisor_id, day.trainee_id == recent.trainee_id + 0))
            .where(*pairs, *in_range)
            .group_by(day.supervisor_id, day.days_to_decision)
        )
    per_day = per_day.subquery()
    member = literal('"') + cast(per_day.c.days, String) + literal('":') + cast(per_day.c.n, String)
    return select(per_day.c.supervisor_id, func.aggregate_strings(member, ",")).group_by(per_day.c.supervisor_id)


def supervisor_medians(user, filters: Filters, since) -> list[tuple[str, float, int]]:
    """(supervisor's name, median whole days to decision, decisions) for the filtered cohort's requests decided on or
    after `since`.

    Reads SupervisorResponseRecent, one row per supervisor and trainee holding their decisions in the year up to the
    latest, and takes off the few of those decided before `since` (SupervisorResponseDay rows from the row's
    `counted_from` to `since`): two queries over about one row per pair, however many decisions there are, each
    answering one row per supervisor (the database joins their pairs' texts up). Each supervisor's median and count
    are worked out once per worker while those texts stay the same (SUMMED); the exact median is taken in Python.
    (Adding the histograms up in the database instead, with json_each and a window over the running count, took 44 ms
    against 29 on SQLite at 1,000,000 evidence rows.)
    """
    recent = SupervisorResponseRecent
    pairs = (recent.last_decided_on >= since, recent.trainee_id.in_(cohort_ids(user, filters)))
    query = (
        select(recent.supervisor_id, User.name, func.aggregate_strings(recent.days_histogram, ","))
        .join(User, User.id == recent.supervisor_id)
        .where(*pairs)
        .group_by(recent.supervisor_id, User.name)
    )
    connection = db.session.connection()  # plain rows: no ORM entity in either answer
    taken_off = dict(connection.execute(_days_taken_off(pairs, since)).all())
    results = []
    for supervisor_id, name, histograms in connection.execute(query):
        median, count = _median_and_count(histograms, taken_off.get(supervisor_id, ""))
        if count:
            results.append((name, median, count))
    return results


def supervisor_responsiveness(user, filters: Filters) -> Chart:
    """Median whole days from request to sign or return per supervisor, decided on or after the (UTC) date a year
    ago, for this cohort's requests (a trainee's cancellations and outside assessors' decisions do not count)."""
    since = utcnow().date() - timedelta(days=RESPONSIVENESS_DAYS)
    results = sorted(supervisor_medians(user, filters, since), key=lambda r: (-r[1], r[0]))
    figure = go.Figure(
        go.Bar(
            x=[r[1] for r in results],
            y=[r[0] for r in results],
            orientation="h",
            marker_color=NHS_BLUE,
            hovertemplate="%{y}: median %{x} days<extra></extra>",
        )
    )
    chart = Chart(
        _layout(
            figure,
            height=max(320, 40 * len(results) + 100),
            xaxis=dict(title="Median days to decision", rangemode="tozero"),
            yaxis=dict(autorange="reversed", automargin=True),
            narrow=dict(font=dict(size=12)),
        ),
        ["Supervisor", "Median days to decision", "Decisions"],
        [[name, f"{median:g}", count] for name, median, count in results],
    )
    return chart


def stage_counts(breakdown: dict[tuple[str, str, str], int]) -> list[tuple[str, str, str, int]]:
    """(curriculum version, stage level, stage name, trainees): the rows of trainees_per_stage, with the version and
    level each counts."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (version, level, _), n in breakdown.items():
        counts[(version, level)] += n
    return [
        (version, level, _stage_label(version, level), counts.get((version, level), 0))
        for version, _ in curricula_in_scope(breakdown)
        for level in _levels(version)
    ]
