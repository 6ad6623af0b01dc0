"""The benchmark's verdicts and its report: a text table per engine and a markdown table for the README.

Every target is judged on every page from the run's own figures: nothing is written down here but the targets
themselves. python -m benchmarks.report [--markdown] [results.json ...] judges saved results again by these rules and
prints their tables (benchmarks/results/<engine>.json by default; --markdown: the README's).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

RESULTS = Path(__file__).resolve().parent / "results"
FLOOR_RATIO = 2.0  # each page within 2x its floor
GROWTH = 1.3  # from the smallest to the largest dataset
WRITE_SHARE = 0.5  # the write's throughput against the bare INSERT route's, 4 clients
WRITE_STATEMENTS = 10
MEMORY_MIB = 200
FIRST_CHART_BYTES = 1.5 * 1024 * 1024  # 1.5 MB compressed
WRITE = "log evidence entry"


def size_label(rows: int) -> str:
    for unit, scale in (("M", 1_000_000), ("k", 1_000)):
        if rows >= scale:
            value = rows / scale
            return f"{value:g}{unit}" if value == int(value) else f"{value:.1f}{unit}"
    return str(rows)


def _ratio(a, b, digits: int = 2) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def _fmt(value, suffix="") -> str:
    return "-" if value is None else f"{value}{suffix}"


def growth(little: dict, big: dict, key: str) -> dict | None:
    """A page's growth between two sizes, wall ("median_ms") or CPU ("server_cpu_ms"), as judged and as measured.

    Judged against the bare layout route timed in turn with the page at each size (the floor's "bare"): the sizes are
    measured minutes apart, and on a shared machine the bare route, whose work does not depend on the data, has been
    seen to take half as long again at the later one, in CPU as in wall time. The page's own ratio between sizes
    would judge that drift; its time over its bare route's at each size leaves out what both share. Results kept
    before the bare route was timed beside the page are judged on the page's own ratio."""
    if not little.get(key) or big.get(key) is None:
        return None
    measured = big[key] / little[key]
    out = {"measured": measured, "judged": measured, "little": little[key], "big": big[key], "bare": None}
    bare_key = "bare_ms" if key == "median_ms" else "bare_cpu_ms"
    before, after = (p.get("floor", {}).get(bare_key) for p in (little, big))
    if before and after:
        out.update(judged=measured / (after / before), bare=(before, after))
    return out


def growth_detail(found: dict) -> str:
    shown = f"{found['little']} -> {found['big']} ms"
    if found["bare"] is None:
        return f"{found['judged']:.3f}x ({shown})"
    before, after = found["bare"]
    return (
        f"{found['judged']:.3f}x against its bare route ({shown}, {found['measured']:.3f}x; the bare route timed beside "
        f"it {before} -> {after} ms, {after / before:.3f}x)"
    )


def _growth_cell(little: dict, big: dict, key: str, judged: bool = True) -> str:
    """A growth for the tables: as judged, or the page's own ratio (the write: no target, no bare route beside it)."""
    found = growth(little, big, key)
    return "-" if found is None else f"{found['judged' if judged else 'measured']:.2f}"


def targets(result: dict) -> list[dict]:
    """MET or MISS for every target the issue sets, on every page, from this engine's sizes (the largest judged)."""
    sizes = result["sizes"]
    small, large = sizes[0], sizes[-1]
    at = size_label(large["dataset"]["evidence"])
    span = f"{size_label(small['dataset']['evidence'])} to {at}"
    verdicts: list[dict] = []

    def add(page, target, met, detail):
        verdicts.append({"page": page, "target": target, "met": bool(met), "detail": detail})

    for name in result["page_names"]:
        big, little = large["pages"].get(name), small["pages"].get(name)
        limit = result["page_targets"].get(name)
        write = name == WRITE
        problem = next((p.get("error") or "not measured" for p in (little, big) if not p or p.get("error")), None)
        names = [f"identical statement counts ({span})"]
        if write:
            names = [
                f">= {WRITE_SHARE:.0%} of the bare INSERT route's throughput, 4 clients ({at})",
                f"<= {WRITE_STATEMENTS} statements ({at})",
                *names,
            ]
        else:
            names = [
                f"median <= {limit} ms ({at})",
                f"within {FLOOR_RATIO:g}x its floor, wall ({at})",
                f"within {FLOOR_RATIO:g}x its floor, CPU ({at})",
                f"growth <= {GROWTH}x, wall ({span})",
                f"growth <= {GROWTH}x, CPU ({span})",
                *names,
            ]
        if problem:
            for target in names:
                add(name, target, False, f"not measured: {problem}")
            continue
        counts = (little["sql_mode"], big["sql_mode"])
        same = f"{counts[0]} and {counts[1]} statements"
        if write:
            bare = large["floors"]["bare_write"].get("load", {}).get("rps")
            share = big["load"].get("share")
            if share is None:  # a single round each (results written before the rounds alternated)
                share = _ratio(big["load"]["rps"], bare, 3) if bare else None
                detail = f"{big['load']['rps']} vs {bare} req/s ({share})"
            else:
                rounds = ", ".join(
                    f"{w} vs {b}" for w, b in zip(big["load"]["rounds"], large["floors"]["bare_write"]["load"]["rounds"])
                )
                detail = (
                    f"median share of {len(big['load']['shares'])} alternating rounds {share} (rounds: "
                    f"{', '.join(map(str, big['load']['shares']))}; req/s {rounds}); over all rounds {big['load']['rps']} "
                    f"vs {bare} req/s"
                )
            add(name, names[0], share is not None and share >= WRITE_SHARE, detail)
            add(name, names[1], big["sql_mode"] <= WRITE_STATEMENTS, f"{big['sql_mode']} statements")
            add(name, names[2], len(sizes) > 1 and len(set(counts)) == 1, same)
            continue
        add(name, names[0], big["median_ms"] <= limit, f"{big['median_ms']} ms")
        floor = big["floor"]
        for target, mine, its in ((names[1], "median_ms", "wall_ms"), (names[2], "server_cpu_ms", "cpu_ms")):
            if floor.get("error"):
                add(name, target, False, f"floor unavailable: {floor['error']}")
            else:
                add(
                    name,
                    target,
                    big[mine] <= FLOOR_RATIO * floor[its],  # the figures as printed, not their rounded ratio
                    f"{_ratio(big[mine], floor[its], 3)}x ({big[mine]} ms vs floor {floor[its]} ms)",
                )
        for target, key in ((names[3], "median_ms"), (names[4], "server_cpu_ms")):
            found = growth(little, big, key) if len(sizes) > 1 else None
            if found is None:
                add(name, target, False, "one size measured" if len(sizes) == 1 else f"no {key} at both sizes")
            else:
                add(name, target, found["judged"] <= GROWTH, growth_detail(found))
        add(name, names[5], len(sizes) > 1 and len(set(counts)) == 1, same)
    peak = large.get("memory", {}).get("peak_rss_mib_max")
    add(None, f"peak worker memory < {MEMORY_MIB} MiB ({at})", peak is not None and peak < MEMORY_MIB, f"{peak} MiB")
    transfer = large.get("transfer", {})
    first = transfer.get("first_chart_page_bytes")
    add(
        None,
        "first chart page < 1.5 MB compressed",
        first is not None and first < FIRST_CHART_BYTES,
        f"{first / 1024 / 1024:.2f} MB ({transfer.get('first_chart_page')})" if first else transfer.get("note", "not measured"),
    )
    return verdicts


def summary(result: dict) -> str:
    met = sum(v["met"] for v in result["targets"])
    total = len(result["targets"])
    unchanged = all(s.get("dataset_unchanged") for s in result["sizes"])
    return (
        f"Summary ({result['engine']}): {met} MET, {total - met} MISS of {total} targets; "
        f"datasets left as found: {'yes' if unchanged else 'NO'}; took {duration(result.get('duration_s'))}"
    )


def duration(seconds) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _floor_rows(size: dict) -> list[str]:
    label = size_label(size["dataset"]["evidence"])
    floors = size["floors"]
    rows = []

    def row(name, figures, sql):
        if not figures or figures.get("error"):
            rows.append(f"  {name:<34}{label:>6}  {(figures or {}).get('error', 'not measured')}")
            return
        rows.append(
            f"  {name:<34}{label:>6}{_fmt(figures.get('median_ms')):>9}{_fmt(figures.get('p95_ms')):>9}"
            f"{_fmt(figures.get('server_cpu_ms')):>8}{_fmt(figures.get('load', {}).get('rps')):>8}{_fmt(sql):>5}"
        )

    row("plain route (fixed response)", floors.get("plain"), floors.get("plain", {}).get("sql_mode"))
    for user, figures in floors.get("bare", {}).items():
        row(f"bare layout route ({user})", figures, figures.get("sql_mode"))
    row("bare INSERT route (4 writers)", floors.get("bare_write"), floors.get("bare_write", {}).get("sql_mode"))
    return rows


def table(result: dict) -> str:
    m = result.get("machine", {})
    sizes = result["sizes"]
    lines = [
        f"== {result['engine']} == {result.get('started_at', '')}; {m.get('nproc')} cores, {m.get('ram_gib')} GiB, "
        f"{m.get('cpu_model')}; Python {m.get('python')}, SQLite {m.get('sqlite')}, PostgreSQL {m.get('postgresql') or '-'}",
        f"load average (1, 5, 15 min) before {result.get('load_average_before')}, after {result.get('load_average_after')}; "
        f"served by {served_by(result)}",
    ]
    for size in sizes:
        d = size["dataset"]
        made = (d.get("generation") or {}).get("timings", {}).get("total_s")
        lines.append(
            f"dataset {size_label(d['evidence'])}: {d['label']} ({d.get('name')}"
            f"{f', generated in {duration(made)}' if made is not None else ''}); copied in {size.get('copy_s')} s, "
            f"measured in {duration(size.get('duration_s'))}"
        )
    head = f"  {'floor route':<34}{'size':>6}{'median':>9}{'p95':>9}{'CPU ms':>8}{'req/s':>8}{'SQL':>5}"
    lines += ["", head, "  " + "-" * (len(head) - 2)]
    for size in sizes:
        lines += _floor_rows(size)
    head = (
        f"  {'page':<20}{'size':>6}{'median':>9}{'p95':>9}{'CPU ms':>8}{'req/s':>8}{'SQL':>5}{'KB':>6}"
        f"{'bare':>7}{'raw SQL':>8}{'floor':>8}{'CPU':>7}{'x floor':>8}{'x CPU':>7}"
    )
    lines += ["", head, "  " + "-" * (len(head) - 2)]
    for name in result["page_names"]:
        for size in sizes:
            p = size["pages"].get(name)
            label = size_label(size["dataset"]["evidence"])
            if not p or p.get("error"):
                lines.append(f"  {name:<20}{label:>6}  {(p or {}).get('error', 'not measured')}")
                continue
            floor = p.get("floor", {})
            figures = (
                f"  {'':>26}floor unavailable: {floor['error']}"
                if floor.get("error")
                else f"{_fmt(floor.get('bare_ms')):>7}{_fmt(floor.get('raw', {}).get('median_ms')):>8}"
                f"{_fmt(floor.get('wall_ms')):>8}{_fmt(floor.get('cpu_ms')):>7}{_fmt(floor.get('ratio_wall')):>8}"
                f"{_fmt(floor.get('ratio_cpu')):>7}"
            )
            rps = p.get("load", {}).get("rps")
            sql = f"{p['sql_mode']}" + ("*" if len(p["sql_seen"]) > 1 else "")
            lines.append(
                f"  {name:<20}{label:>6}{_fmt(p['median_ms']):>9}{_fmt(p['p95_ms']):>9}{_fmt(p.get('server_cpu_ms')):>8}"
                f"{_fmt(rps):>8}{sql:>5}{p['bytes'] / 1024:>6.0f}{figures}"
            )
        if len(sizes) > 1:
            little, big = sizes[0]["pages"].get(name) or {}, sizes[-1]["pages"].get(name) or {}
            judged = (  # the write's growth is no target, and its bare INSERT route is not timed beside it
                ""
                if name == WRITE
                else f"; against the bare route (judged): wall {_growth_cell(little, big, 'median_ms')}x, "
                f"CPU {_growth_cell(little, big, 'server_cpu_ms')}x"
            )
            lines.append(
                f"  {'':<20}{'growth':>6}  wall {_fmt(_ratio(big.get('median_ms'), little.get('median_ms')), 'x')}, "
                f"CPU {_fmt(_ratio(big.get('server_cpu_ms'), little.get('server_cpu_ms')), 'x')}{judged}"
            )
    lines.append("  (floor = bare: the bare layout route's median for the same user, timed in turn with the page (the")
    lines.append("   write: the bare INSERT route's)")
    lines.append("   + raw SQL: the page's own statements replayed raw, also in turn with the page (the write's: before it);")
    lines.append("   CPU = the floor's CPU ms; x = the page against its floor; KB = the page's HTML as sent compressed;")
    lines.append("   * = a count seen to vary between requests; growth judged = the page's ratio over its bare route's)")
    lines.append("")
    for size in sizes:
        label = size_label(size["dataset"]["evidence"])
        mem = size.get("memory", {})
        lines.append(
            f"peak worker RSS ({label}): {mem.get('peak_rss_mib_max')} MiB max over {len(mem.get('workers', []))} workers"
        )
        for p in size.get("transfer", {}).get("pages", []):
            lines.append(
                f"transfer ({label}), {'first' if p['first'] else 'later'} chart page ({p['page']}): "
                f"{p['total_bytes'] / 1024:.0f} KB compressed (HTML {p['html_bytes'] / 1024:.0f} KB"
                f"{', ' + p['html_encoding'] if p['html_encoding'] else ''})"
            )
        lines.append(f"dataset {label} left as found: {'yes' if size.get('dataset_unchanged') else 'NO'}")
    if result.get("missing_pages"):
        lines.append("missing pages: " + ", ".join(result["missing_pages"]))
    lines.append("")
    for verdict in result["targets"]:
        mark = "MET " if verdict["met"] else "MISS"
        subject = f"{verdict['page']}: " if verdict["page"] else ""
        lines.append(f"[{mark}] {subject}{verdict['target']}: {verdict['detail']}")
    lines.append(summary(result))
    return "\n".join(lines)


ENGINE_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _datasets(result: dict) -> str:
    first = result["sizes"][0]["dataset"]
    seed = f", seed {first['seed']}" if first.get("seed") is not None else ""
    sizes = " and ".join(size_label(s["dataset"]["evidence"]) for s in result["sizes"])
    return f"{sizes} evidence rows ({first['trainees']:,} trainees{seed})"


def served_by(result: dict) -> str:
    """How gunicorn served the run, as "2 sync workers (gunicorn.conf.py)" or "2 gthread workers × 4 threads (the
    run's settings)"."""
    served = result.get("served_by")
    if not served:  # a result saved before runs recorded it
        settings = result.get("settings", {})
        return f"gunicorn {settings.get('workers')} workers × {settings.get('threads')} threads"
    workers, threads, kind = served["workers"], served["threads"], served.get("worker_class", "gthread")
    each = "" if kind == "sync" else f" × {threads} thread{'s' if threads != 1 else ''}"
    return f"gunicorn {workers} {kind} worker{'s' if workers != 1 else ''}{each} ({served['from']})"


def markdown(results: list[dict]) -> str:
    """The README's results: when and where each engine ran, every page's figures, every target's verdict."""
    lines = []
    for r in results:
        m = r.get("machine", {})
        lines.append(
            f"- {ENGINE_TITLES.get(r['engine'], r['engine'])}: {r.get('started_at')}, {m.get('nproc')} cores "
            f"({m.get('cpu_model')}), {m.get('ram_gib')} GiB; load average before {r.get('load_average_before')}, "
            f"after {r.get('load_average_after')}; served by {served_by(r)}; {_datasets(r)}; "
            f"the run took {duration(r.get('duration_s'))}. {summary(r).split(': ', 1)[1].split(';')[0]}."
        )
    lines += [
        "",
        "| page | engine | median ms (small → large) | p95 ms | CPU ms | growth wall / CPU (judged) | floor ms wall / CPU "
        "| × floor wall / CPU | statements |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    names = list(dict.fromkeys(n for r in results for n in r["page_names"]))
    for name in names:
        for r in results:
            sizes = r["sizes"]
            little, big = sizes[0]["pages"].get(name) or {}, sizes[-1]["pages"].get(name) or {}
            engine = ENGINE_TITLES.get(r["engine"], r["engine"])
            if big.get("error") or little.get("error") or not big:
                lines.append(f"| {name} | {engine} | not measured: {big.get('error') or little.get('error')} ||||||| ")
                continue
            floor = big.get("floor", {})
            floor_text = (
                "unavailable"
                if floor.get("error") or not floor
                else f"{floor['wall_ms']} / {floor['cpu_ms']} | {floor['ratio_wall']} / {floor['ratio_cpu']}"
            )
            if floor_text == "unavailable":
                floor_text = "unavailable | -"
            grown = "-"
            if len(sizes) > 1:
                judged = name != WRITE
                grown = " / ".join(_growth_cell(little, big, key, judged) for key in ("median_ms", "server_cpu_ms"))
            lines.append(
                f"| {name} | {engine} | {little.get('median_ms')} → {big.get('median_ms')} | {big.get('p95_ms')} "
                f"| {big.get('server_cpu_ms')} | {grown} | {floor_text} | {little.get('sql_mode')} / {big.get('sql_mode')} |"
            )
    lines += [
        "",
        "| floor route | engine | median ms (small → large) | CPU ms | req/s, 4 clients | statements |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        engine = ENGINE_TITLES.get(r["engine"], r["engine"])
        little, big = r["sizes"][0]["floors"], r["sizes"][-1]["floors"]
        routes = [("plain (fixed response)", little.get("plain"), big.get("plain"))]
        routes += [(f"bare layout ({u})", little.get("bare", {}).get(u), f) for u, f in big.get("bare", {}).items()]
        routes.append(("bare INSERT", little.get("bare_write"), big.get("bare_write")))
        for label, a, b in routes:
            if not a or not b or a.get("error") or b.get("error"):
                lines.append(f"| {label} | {engine} | not measured: {(b or a or {}).get('error')} ||||")
                continue
            lines.append(
                f"| {label} | {engine} | {a['median_ms']} → {b['median_ms']} | {b['server_cpu_ms']} "
                f"| {b.get('load', {}).get('rps', '-')} | {a['sql_mode']} / {b['sql_mode']} |"
            )
    lines += ["", "| target | " + " | ".join(ENGINE_TITLES.get(r["engine"], r["engine"]) for r in results) + " |"]
    lines.append("|---|" + "---|" * len(results))
    keys = list(dict.fromkeys((v["page"], v["target"]) for r in results for v in r["targets"]))
    for page, target in keys:
        cells = []
        for r in results:
            found = next((v for v in r["targets"] if (v["page"], v["target"]) == (page, target)), None)
            cells.append("-" if found is None else f"{'MET' if found['met'] else 'MISS'} {found['detail']}")
        subject = f"{page}: " if page else ""
        lines.append(f"| {subject}{target} | " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    for r in results:
        lines.append("")
        lines.append(summary(r))
    return "\n".join(lines)


@click.command()
@click.option("--markdown", "as_markdown", is_flag=True, help="the README's markdown table (else the text tables)")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def main(as_markdown, files):
    """Print saved benchmark results (benchmarks/results/<engine>.json unless files are named)."""
    files = files or sorted(p for p in RESULTS.glob("*.json") if not p.name.startswith("generate-"))
    results = [json.loads(Path(f).read_text()) for f in files]
    results = sorted((r for r in results if "sizes" in r), key=lambda r: list(ENGINE_TITLES).index(r["engine"]))
    if not results:
        raise click.ClickException("no results of this benchmark's format found")
    for result in results:
        result["targets"] = targets(result)  # judged again from the saved figures, by these rules
    click.echo(markdown(results) if as_markdown else "\n\n".join(table(r) for r in results))


if __name__ == "__main__":
    sys.exit(main())
