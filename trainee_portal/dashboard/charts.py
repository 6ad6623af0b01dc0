"""Dashboard figures and their table rows: stage completion, competencies by domain, evidence against the expected trajectory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from competencies import (
    EvidenceCount,
    Stage,
    StageProgress,
    expected_percent,
    stage_ends_on,
    stage_percent_series,
    trajectory_point_on,
    trajectory_weeks,
)
from competencies.training_time import Period
from trainee_portal.platform import charts as go  # plotly's figure JSON without per-request validation
from trainee_portal.summaries.progress import STATUS_CATEGORY

BLUE, GREEN, YELLOW, GREY, DARK = "#005eb8", "#007f3b", "#ffb81c", "#aeb7bd", "#212b32"
FONT = dict(family="Frutiger W01, Arial, sans-serif", size=14, color=DARK)


def _layout(**extra) -> dict:
    return dict(
        font=FONT,
        margin=dict(l=10, r=10, t=10, b=40),
        paper_bgcolor="white",
        plot_bgcolor="white",
        # Above the plot: below it, the legend met the axis title on a short figure.
        legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
        **extra,
    )


def stage_completion(results: list[StageProgress]) -> str:
    names = [r.stage.name for r in results][::-1]
    figure = go.Figure(
        go.Bar(
            x=[r.percent for r in results][::-1],
            y=names,
            orientation="h",
            marker_color=BLUE,
            text=[f"{r.percent:.0f}%" for r in results][::-1],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1f}% of required evidence<extra></extra>",
        )
    )
    figure.update_layout(
        **_layout(
            height=80 + 50 * len(results),
            xaxis=dict(range=[0, 101], dtick=20, title="% of required evidence in place", gridcolor="#e8edee"),
            yaxis=dict(automargin=True),
        )
    )
    # On a phone the stage names take two or three short lines, so the bars keep most of the width.
    return go.with_narrow(
        figure.to_json(),
        dict(
            font=dict(size=12),
            height=100 + 60 * len(results),
            xaxis=dict(dtick=25),
            yaxis=dict(tickvals=names, ticktext=[go.wrap(name, 14) for name in names]),
        ),
    )


def domains(result: StageProgress) -> str:
    names = [d.domain.name for d in result.domains][::-1]
    widest = max((len(d.competencies) for d in result.domains), default=1)
    figure = go.Figure()
    for key, label, colour in (
        ("complete", "Done", GREEN),
        ("in_progress", "In progress", YELLOW),
        ("not_started", "Not started", GREY),
    ):
        figure.add_bar(
            name=label,
            y=names,
            x=[getattr(d, key) for d in result.domains][::-1],
            orientation="h",
            marker_color=colour,
            hovertemplate=f"%{{y}}: %{{x}} {label.lower()}<extra></extra>",
        )
    figure.update_layout(
        **_layout(
            barmode="stack",
            height=120 + 45 * len(result.domains),
            xaxis=dict(title="Competencies", dtick=1, gridcolor="#e8edee"),
            yaxis=dict(automargin=True),
        )
    )
    figure.update_layout(legend=dict(traceorder="normal"))  # Done, In progress, Not started: the bars' order
    return go.with_narrow(
        figure.to_json(),
        dict(
            font=dict(size=12),
            xaxis=dict(dtick=max(1, -(-widest // 6))),  # at most about six whole-number ticks
            yaxis=dict(tickvals=names, ticktext=[go.wrap(name, 14) for name in names]),
        ),
    )


@dataclass(frozen=True)
class TrajectoryPoint:
    on: date
    entries: int  # current entries for the stage dated up to this point (its week, for today)
    percent: float  # the stage's required evidence in place, counting those entries as they stand now
    expected: float | None


def stage_end(stage: Stage, start: date, periods: tuple[Period, ...] = ()) -> date | None:
    """The stage's expected end in training time (date.max while an open-ended leave or OOP lasts)."""
    return stage_ends_on(stage, start, periods) if trajectory_weeks(stage) else None


def trajectory(
    curriculum, stage: Stage, start: date, today: date, timeline, periods: tuple[Period, ...] = (), rules=()
) -> list[TrajectoryPoint]:
    """Weekly (or four-weekly for long stages) points from the stage start to today, from the stage's Timeline by
    trajectory week (summaries.evidence_weeks) and the region's rules; the expected line runs to the stage's end in
    training time. Each point counts the weeks up to its own (competencies.trajectory_point_on: itself, but for
    today)."""
    end = stage_end(stage, start, periods)
    last = max(today, start)
    step = 7 if (last - start).days <= 52 * 7 else 28
    days = [start + timedelta(days=n) for n in range(0, (last - start).days + 1, step)]
    if days[-1] != last:
        days.append(last)
    steps, counted, claim_index, entry_index, entries = [], [], 0, 0, 0
    for day in days:
        week = trajectory_point_on(day, start)
        added = []  # the claims of the weeks after the point before, up to this one
        while claim_index < len(timeline.claims) and timeline.claims[claim_index][0] <= week:
            _, kind, level, status, code, n = timeline.claims[claim_index]
            added.append(EvidenceCount(code, kind, level or None, STATUS_CATEGORY[status], n))
            claim_index += 1
        steps.append(added)
        while entry_index < len(timeline.entries) and timeline.entries[entry_index][0] <= week:
            entries += timeline.entries[entry_index][1]
            entry_index += 1
        counted.append(entries)
    percents = stage_percent_series(curriculum, stage.key, steps, rules)
    return [
        TrajectoryPoint(day, n, percent, expected_percent(stage, start, day, end) if end else None)
        for day, n, percent in zip(days, counted, percents)
    ]


def trajectory_figure(points: list[TrajectoryPoint]) -> str:
    figure = go.Figure()
    figure.add_scatter(
        x=[p.on.isoformat() for p in points],
        y=[p.percent for p in points],
        mode="lines+markers",
        name="Required evidence in place",
        line=dict(color=BLUE, width=3),
        hovertemplate="%{x|%d %b %Y}: %{y:.1f}%<extra></extra>",
    )
    if any(p.expected is not None for p in points):
        figure.add_scatter(
            x=[p.on.isoformat() for p in points],
            y=[p.expected for p in points],
            mode="lines",
            name="Expected by now",
            line=dict(color=DARK, dash="dash"),
            hovertemplate="%{x|%d %b %Y}: expected %{y:.1f}%<extra></extra>",
        )
    figure.update_layout(
        **_layout(
            height=340, yaxis=dict(range=[0, 100], title="% of the stage", gridcolor="#e8edee"), xaxis=dict(gridcolor="#e8edee")
        )
    )
    return go.with_narrow(figure.to_json(), dict(font=dict(size=12), height=380))
