"""The readiness chart: syllabus coverage over time with exam attempts and mock scores, plus its table rows."""

from __future__ import annotations

from trainee_portal.platform import charts as go  # plotly's figure JSON without per-request validation

COLOURS = {"pass": "#007f3b", "fail": "#d5281b", "coverage": "#005eb8", "mock": "#7c2855"}


def readiness_figure(readiness) -> tuple[str, list[tuple]]:
    """Plotly JSON and the same figures as (date, what, value) rows for the accessible table."""
    coverage = readiness.coverage
    rows: list[tuple] = []
    figure = go.Figure()
    if coverage.timeline and coverage.total:
        days = [d for d, _ in coverage.timeline]
        shares = [round(100 * n / coverage.total, 1) for _, n in coverage.timeline]
        figure.add_trace(
            go.Scatter(
                x=days,
                y=shares,
                mode="lines+markers",
                line_shape="hv",
                name="Syllabus coverage (%)",
                line={"color": COLOURS["coverage"]},
            )
        )
        rows += [(d, "Syllabus coverage", f"{s:.1f}%") for d, s in zip(days, shares)]
    for result in ("fail", "pass"):
        chosen = [r for r in readiness.attempt_rows if r.result == result]
        if chosen:
            figure.add_trace(
                go.Scatter(
                    x=[r.sitting.sits_on for r in chosen],
                    y=[r.score if r.score is not None else 0 for r in chosen],
                    mode="markers",
                    name=f"Exam {result} (score %; 0 if none recorded)",
                    text=[f"{r.sitting.part} {result}" for r in chosen],
                    hovertemplate="%{text}: %{y}<extra></extra>",
                    marker={"size": 13, "color": COLOURS[result], "symbol": "circle" if result == "pass" else "x"},
                )
            )
    for r in readiness.attempt_rows:
        score = f", score {r.score:g}%" if r.score is not None else ""
        rows.append((r.sitting.sits_on, f"{r.sitting.part} attempt", f"{r.result.capitalize()}{score}"))
    if readiness.mocks:
        figure.add_trace(
            go.Scatter(
                x=[m.taken_on for m in readiness.mocks],
                y=[m.score_percent for m in readiness.mocks],
                mode="markers",
                name="Mock exam score (%)",
                text=[f"{m.part} mock: {m.title}" for m in readiness.mocks],
                hovertemplate="%{text}: %{y}%<extra></extra>",
                marker={"size": 10, "color": COLOURS["mock"], "symbol": "diamond"},
            )
        )
        rows += [(m.taken_on, f"{m.part} mock: {m.title}", f"{m.score_percent:g}%") for m in readiness.mocks]
    figure.update_layout(
        yaxis={"title": "Percent", "range": [0, 105]},
        xaxis={"title": "Date"},
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        height=340,
        legend={"orientation": "h", "y": -0.25},
        font={"family": "Frutiger W01, Arial, sans-serif"},
    )
    return figure.to_json(), sorted(rows, key=lambda row: row[0])
