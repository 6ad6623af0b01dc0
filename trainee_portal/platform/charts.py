"""A drop-in for the part of plotly.graph_objects the chart modules use, building plain dicts without validation.

plotly's graph objects validate every property on every request (about 30 ms a chart); these produce the
same figure JSON, default template included, in well under a millisecond. Import as `go` in chart modules.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import plotly.io as pio
from plotly.colors import get_colorscale

# Compound properties whose children may be given with plotly's "magic underscore" (marker_color=...).
COMPOUND = {
    "marker",
    "line",
    "textfont",
    "hoverlabel",
    "colorbar",
    "connector",
    "xaxis",
    "yaxis",
    "legend",
    "margin",
    "font",
    "title",
    "insidetextfont",
    "outsidetextfont",
}


def _default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot put {type(value).__name__} in a figure")


def _merge(target: dict, updates: dict) -> dict:
    for key, value in updates.items():
        prefix, _, rest = key.partition("_")
        if rest and prefix in COMPOUND and key not in target:
            value, key = {rest: value}, prefix
        if key == "title" and isinstance(value, str):
            value = {"text": value}  # plotly.js 3 reads titles only as {text: ...}
        if isinstance(value, dict):
            current = target.get(key)
            target[key] = _merge(dict(current) if isinstance(current, dict) else {}, value)
        else:
            target[key] = value
    return target


def _trace(kind: str, props: dict) -> dict:
    trace = _merge({"type": kind}, props)
    if isinstance(trace.get("text"), (list, tuple)):  # plotly keeps text labels as strings
        trace["text"] = [v if isinstance(v, str) or v is None else str(v) for v in trace["text"]]
    if isinstance(trace.get("colorscale"), str):  # named scales as plotly.py spells them out, not plotly.js's own
        trace["colorscale"] = [list(step) for step in get_colorscale(trace["colorscale"])]
    return trace


def Bar(**props) -> dict:  # noqa: N802 (mirrors plotly.graph_objects.Bar)
    return _trace("bar", props)


def Scatter(**props) -> dict:  # noqa: N802
    return _trace("scatter", props)


def Heatmap(**props) -> dict:  # noqa: N802
    return _trace("heatmap", props)


def Funnel(**props) -> dict:  # noqa: N802
    return _trace("funnel", props)


@cache
def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json(), separators=(",", ":"), default=_default)


class Figure:
    def __init__(self, data=None, layout: dict | None = None):
        if data is None:
            data = []
        self.data: list[dict] = list(data) if isinstance(data, (list, tuple)) else [data]
        self.layout: dict = _merge({}, layout or {})

    def add_trace(self, trace: dict) -> Figure:
        self.data.append(trace)
        return self

    def add_bar(self, **props) -> Figure:
        return self.add_trace(Bar(**props))

    def add_scatter(self, **props) -> Figure:
        return self.add_trace(Scatter(**props))

    def update_layout(self, layout: dict | None = None, **props) -> Figure:
        _merge(self.layout, {**(layout or {}), **props})
        return self

    def to_json(self) -> str:
        """The figure as plotly's to_json writes it: data, then the layout with the default template."""
        data = json.dumps(self.data, separators=(",", ":"), default=_default)
        layout = json.dumps(self.layout, separators=(",", ":"), default=_default)
        if "template" not in self.layout and pio.templates.default:
            template = _template_json(pio.templates.default)
            layout = '{"template":' + template + ("," + layout[1:] if layout != "{}" else "}")
        return '{"data":' + data + ',"layout":' + layout + "}"


def with_narrow(figure_json: str, layout: dict | None = None, traces: dict | None = None) -> str:
    """The figure JSON with what changes on a narrow screen (static/js/charts.js draws it below 560 px): `layout`
    merged into the layout, `traces` into every trace. Both are built here, in Python, like the figure."""
    narrow = {key: value for key, value in (("layout", layout), ("traces", traces)) if value}
    if not narrow:
        return figure_json
    return figure_json[:-1] + ',"narrow":' + json.dumps(narrow, separators=(",", ":"), default=_default) + "}"


def wrap(text: str, width: int) -> str:
    """A label broken into lines of about `width` characters at spaces (<br>, as Plotly draws line breaks)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)
