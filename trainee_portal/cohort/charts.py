"""The dashboard's charts: each built from one aggregate query over the filtered cohort, with its table rows."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select

from competencies import STAGE_LEVELS, EvidenceCount, stage_progress
from trainee_portal import curricula
from trainee_portal.cohort.queries import EXAM_STATUSES, CohortRow, Filters, cohort_ids, cohort_select
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceTally, SupervisorResponseDay, User
from trainee_portal.platform import charts as go  # plotly's figure JSON without per-request validation
from trainee_portal.platform.clock import utcnow

STAGE_LABELS = {
    "basic": "Basic / Stage 1",
    "intermediate": "Intermediate / Stage 2",
    "higher": "Higher / Stage 3",
    "advanced": "Advanced / SIA",
}
RESPONSIVENESS_DAYS = 365
NHS_BLUE = "#005eb8"


@dataclass
class Chart:
    figure_json: str
    headers: list[str]
    rows: list[list]


def _layout(figure: go.Figure, **extra) -> str:
    figure.update_layout(
        margin=dict(l=10, r=10, t=10, b=10),
        paper_bgcolor="white",
        plot_bgcolor="white",
        font=dict(family="Frutiger W01, Arial, sans-serif", size=14),
        **extra,
    )
    return figure.to_json()


def cohort_breakdown(user, filters: Filters) -> dict[tuple[str, str], int]:
    """(stage level, exam status) → trainees: one grouped query feeds both the stage and the exam chart."""
    base = cohort_select(user, filters).subquery()
    status = case(
        (base.c.soe_passed == 1, EXAM_STATUSES[3]),
        (base.c.mcq_passed == 1, EXAM_STATUSES[2]),
        ((base.c.mcq_attempts + base.c.soe_attempts) > 0, EXAM_STATUSES[1]),
        else_=EXAM_STATUSES[0],
    )
    query = select(base.c.stage_level, status, func.count()).group_by(base.c.stage_level, status)
    return {(stage, exam): n for stage, exam, n in db.session.execute(query)}


def trainees_per_stage(breakdown: dict[tuple[str, str], int]) -> Chart:
    counts: dict[str, int] = defaultdict(int)
    for (level, _), n in breakdown.items():
        counts[level] += n
    labels = [STAGE_LABELS[level] for level in STAGE_LEVELS]
    values = [counts.get(level, 0) for level in STAGE_LEVELS]
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=NHS_BLUE, hovertemplate="%{x}: %{y}<extra></extra>"))
    step = max(1, -(-max(values, default=0) // 5))  # whole trainees on the axis
    return Chart(
        _layout(figure, yaxis=dict(title="Trainees", rangemode="tozero", dtick=step)),
        ["Stage", "Trainees"],
        [[label, value] for label, value in zip(labels, values)],
    )


def exam_pipeline(breakdown: dict[tuple[str, str], int]) -> Chart:
    counts: dict[str, int] = defaultdict(int)
    for (_, status), n in breakdown.items():
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
        ),
        ["Exam status", "Trainees"],
        [[s, v] for s, v in zip(EXAM_STATUSES, values)],
    )


def progress_heatmap(rows: list[CohortRow]) -> Chart:
    """Trainees on this page × the domains of their current stage: share of each domain's competencies complete."""
    ids = [r.trainee_id for r in rows]
    by_trainee: dict[int, list[EvidenceCount]] = defaultdict(list)
    if ids:
        # Plain rows, not ORM objects: a page of 50 trainees has about 10,000 tally rows.
        columns = (
            EvidenceTally.trainee_id,
            EvidenceTally.competency_code,
            EvidenceTally.evidence_type,
            EvidenceTally.supervision_level,
            EvidenceTally.status,
            EvidenceTally.count,
        )
        for t in db.session.execute(select(*columns).where(EvidenceTally.trainee_id.in_(ids))):
            by_trainee[t.trainee_id].append(
                EvidenceCount(t.competency_code, t.evidence_type, t.supervision_level or None, t.status, t.count)
            )
    domains: list[str] = []
    cells: dict[tuple[int, str], float] = {}
    for row in rows:
        try:
            curriculum = curricula.curriculum(row.curriculum_version)
            stage = curriculum.stage_for_level(row.stage_level, row.sia_stage_key)
        except KeyError:
            continue
        result = stage_progress(curriculum, stage.key, by_trainee.get(row.trainee_id, ()))
        for domain in result.domains:
            name = domain.domain.name
            if name not in domains:
                domains.append(name)
            total = len(domain.competencies)
            cells[(row.trainee_id, name)] = round(100 * domain.complete / total, 1) if total else 100.0
    names = [f"{r.name} ({r.gmc_number})" for r in rows]
    z = [[cells.get((r.trainee_id, d)) for d in domains] for r in rows]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=domains,
            y=names,
            zmin=0,
            zmax=100,
            colorscale="Blues",
            colorbar=dict(title="% complete"),
            hovertemplate="%{y}<br>%{x}: %{z}% of competencies complete<extra></extra>",
        )
    )
    height = max(360, 30 * len(rows) + 300)  # room for the slanted domain names above the cells
    chart = Chart(
        _layout(
            figure,
            height=height,
            yaxis=dict(autorange="reversed", automargin=True),
            xaxis=dict(automargin=True, side="top", tickangle=-35),
        ),
        ["Trainee", *domains],
        [[n, *["–" if v is None else f"{v:.0f}%" for v in values]] for n, values in zip(names, z)],
    )
    return chart


def median_from_histogram(histogram: dict[int, int]) -> float:
    """The median of values given as value → how many times it occurs."""
    values = sorted(histogram)
    total = sum(histogram.values())

    def nth(n):  # 0-based
        seen = 0
        for value in values:
            seen += histogram[value]
            if n < seen:
                return value

    if total % 2:
        return float(nth(total // 2))
    return statistics.mean([nth(total // 2 - 1), nth(total // 2)])


def supervisor_responsiveness(user, filters: Filters) -> Chart:
    """Median whole days from request to sign or return per supervisor, decided on or after the (UTC) date a year
    ago, for this cohort's requests (a trainee's cancellations and outside assessors' decisions do not count).

    Reads the SupervisorResponseDay histogram kept on each decision (one row per supervisor, trainee, day
    and day count) rather than the raw requests; the exact median is taken in Python from the summed counts.
    """
    since = utcnow().date() - timedelta(days=RESPONSIVENESS_DAYS)
    days = SupervisorResponseDay.days_to_decision
    query = (
        select(SupervisorResponseDay.supervisor_id, User.name, days, func.sum(SupervisorResponseDay.count))
        .join(User, User.id == SupervisorResponseDay.supervisor_id)
        .where(SupervisorResponseDay.decided_on >= since, SupervisorResponseDay.trainee_id.in_(cohort_ids(user, filters)))
        .group_by(SupervisorResponseDay.supervisor_id, User.name, days)
    )
    histograms: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    for supervisor_id, name, d, n in db.session.execute(query):
        histograms[(supervisor_id, name)][int(d)] = int(n)
    results = sorted(
        ((name, median_from_histogram(h), sum(h.values())) for (_, name), h in histograms.items()), key=lambda r: (-r[1], r[0])
    )
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
        ),
        ["Supervisor", "Median days to decision", "Decisions"],
        [[name, f"{median:g}", count] for name, median, count in results],
    )
    return chart
