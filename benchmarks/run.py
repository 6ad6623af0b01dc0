"""Benchmark the app under gunicorn at two (or more) dataset sizes on each engine, judged against every target.

python -m benchmarks.run --engine sqlite --engine postgresql --sizes 100000,1000000 --port 5071
python -m benchmarks.run --dataset sqlite:////tmp/a.sqlite3 --dataset sqlite:////tmp/b.sqlite3   # named datasets

For each engine and size: the dataset (generated into the cache when absent) is copied; on the copy the key pages,
the evidence write and the floor routes are captured once in process and their SQL replayed raw; then gunicorn
serves the copy and every page is timed (sequential requests, then concurrent clients), with the server's CPU time,
statements per request and compressed sizes; the copy is dropped and the dataset checked unchanged. Talks only to
127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import click

from benchmarks import datasets, machine, pages, report, transfer
from benchmarks.client import Client
from benchmarks.generate import BENCH_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
RESULTS = report.RESULTS
SEQUENTIAL_LIMIT_S = 30  # at most this long for one page's sequential requests (then fewer are timed)


@dataclass
class Settings:
    requests: int = 40  # sequential requests timed per page (after the warm-up ones), and raw replays per floor
    warmup: int = 3  # untimed requests before each page's timed ones
    load_seconds: float = 8.0  # concurrent clients on each page
    write_seconds: float = 12.0  # concurrent writers on the write and on the bare INSERT route (each, in all rounds)
    # The two write loads alternate in this many rounds (1 s each by default); their share is the median round's. Short
    # rounds: on a shared VM the machine's speed drifts from one second to the next (the bare route alone went from
    # 581 to 416 to 254 requests a second in three rounds of 4 s in a row), and the closer the write's and the bare route's
    # rounds are in time, the more alike the machine they meet; the median of 12 pairs is less moved by one bad pair.
    write_rounds: int = 12
    concurrency: int = 4
    # gunicorn's workers and threads: None serves as the app is served everywhere else, by its gunicorn.conf.py
    workers: int | None = None
    threads: int | None = None
    port: int = 0  # 0: any free port
    today: date = date(2026, 11, 20)  # the generated dataset's day


GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"


def served_by(settings: Settings) -> dict:
    """How gunicorn serves the run: the app's gunicorn.conf.py (in this environment: WEB_CONCURRENCY counts), each
    setting the run gives instead in its place."""
    config = runpy.run_path(str(GUNICORN_CONFIG))
    threads = config["threads"] if settings.threads is None else settings.threads
    worker_class = config["worker_class"]
    if worker_class == "sync" and threads > 1:  # gunicorn serves sync workers given threads as gthread ones
        worker_class = "gthread"
    return {
        "workers": config["workers"] if settings.workers is None else settings.workers,
        "threads": threads,
        "worker_class": worker_class,
        "from": "gunicorn.conf.py" if settings.workers is None and settings.threads is None else "the run's settings",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving benchmarks/wsgi.py on the copy; knows its workers and database backends (for CPU time)."""

    def __init__(self, url: str, settings: Settings, instance: str):
        self.port = settings.port or free_port()
        self.database = None if datasets.engine_name(url) == "sqlite" else url.rsplit("/", 1)[1].split("?")[0]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "benchmark-secret-key-not-for-production",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "PORTAL_INSTANCE_PATH": instance,
            "PYTHONPATH": str(ROOT),
        }
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        if settings.workers is not None:
            command += ["--workers", str(settings.workers)]
        if settings.threads is not None:
            command += ["--threads", str(settings.threads)]
        self.process = subprocess.Popen([*command, "--log-level", "warning", "benchmarks.wsgi:app"], cwd=ROOT, env=env)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start (exit {self.process.returncode})")
            try:
                if Client(self.port).get(pages.PLAIN)[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start within 90 s")

    def cpu_pids(self) -> list[int]:
        return machine.worker_pids(self.process.pid) + machine.backend_pids(self.database)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# A saved form answers with a redirect, and the browser opens the page it names next: that page shows the message the
# save put in the session ("Saved … as a draft") and takes it out. The write's clients here send the writes only, so
# each write is sent with the session as it was before the previous one, as it is again once the browser has opened
# that page; keeping the session a write answers with would pile one unread message more into the cookie every time
# (hundreds in a load run), a cost no browser ever pays. GET requests keep every cookie they are given.
def keeps_cookies(method: str) -> bool:
    return method == "GET"


def sequential(
    server: Server,
    client: Client,
    method: str,
    path: str,
    n: int,
    form=None,
    expect=(200,),
    warmup: int = 3,
    beside: str | None = None,
    replay: Callable[[], tuple[float, float]] | None = None,
) -> dict:
    """n requests one after another (`warmup` more first, untimed): latency, the server's CPU per request, statements
    and the compressed size of the answer. With `beside` (a GET path: the page's bare route), each request is followed
    by one to that path, timed apart, and its figures come back under "beside": the page and its floor measured in the
    same moments, so a spell of a slower machine moves both, not the one measured then. With `replay` (the page's own
    statements sent raw, answering (wall, CPU) seconds: pages.Replayer.once), it runs after each request too, and its
    figures come back under "replay" (or the error that stopped it: the requests go on without it)."""
    keep = keeps_cookies(method)
    for _ in range(warmup):
        client.request(method, path, form=form, keep_cookies=keep)
        if beside:
            client.request("GET", beside)
    runs = {path: _Timed(), **({beside: _Timed()} if beside else {})}
    replayed: dict = {"times": [], "cpu": [], "error": None}
    deadline = time.monotonic() + SEQUENTIAL_LIMIT_S
    pids = server.cpu_pids()
    precise = machine.cpu_is_precise(pids)
    for _ in range(n):
        for target, timed in runs.items():
            own = target == path
            cpu_before = machine.cpu_seconds(pids)
            status, headers, body, elapsed = client.request(
                method if own else "GET", target, form=form if own else None, keep_cookies=keep if own else True
            )
            timed.cpu.append(machine.cpu_seconds(pids) - cpu_before)
            sent = method if own else "GET"
            if status not in (expect if own else (200,)):
                return {"error": f"{sent} {target} answered {status}: {body[:200]!r}"}
            if "x-sql-queries" not in headers:
                return {"error": f"{sent} {target} has no X-SQL-Queries header (is BENCHMARK_SQL_COUNT on?)"}
            timed.times.append(elapsed)
            timed.queries.append(int(headers["x-sql-queries"]))
            timed.size = len(body)
        if replay is not None and replayed["error"] is None:
            try:
                wall, cpu = replay()
            except pages.ReplayError as error:
                replayed["error"] = {"error": str(error), "statement": error.statement}
            else:
                replayed["times"].append(wall)
                replayed["cpu"].append(cpu)
        if time.monotonic() > deadline:
            break
    out = runs[path].figures(precise)
    if beside:
        out["beside"] = runs[beside].figures(precise)
    if replay is not None:
        times = replayed["times"]
        out["replay"] = replayed["error"] or (
            pages.replay_figures(times, replayed["cpu"], precise) if times else {"error": "no replay was timed"}
        )
    return out


@dataclass
class _Timed:
    """One path's requests in a sequential run."""

    times: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    cpu: list = field(default_factory=list)  # the server's CPU seconds during each of this path's requests
    size: int = 0

    def figures(self, precise: bool) -> dict:
        out = machine.stats(self.times)
        out["server_cpu_ms"] = machine.cpu_figure(self.cpu, precise)
        out["server_cpu_of"] = "median" if precise else "mean"
        out["sql_seen"] = sorted(set(self.queries))
        out["sql_mode"] = statistics.mode(self.queries)
        out["bytes"] = self.size
        return out


def load(port: int, cookies: list[dict], method: str, path: str, seconds: float, forms: list | None = None) -> dict:
    """Requests per second from len(cookies) keep-alive clients (one per cookie jar) for `seconds`."""
    done, errors = [0], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(index):
        client = Client(port, cookies[index])
        form = forms[index] if forms else None
        keep = keeps_cookies(method)
        try:
            while time.monotonic() < deadline:
                status = client.request(method, path, form=form, keep_cookies=keep)[0]
                with lock:
                    done[0] += 1
                    if status >= 400:
                        errors.append(status)
        except Exception as error:  # noqa: BLE001 (reported in the results, the other clients go on)
            with lock:
                errors.append(repr(error)[:200])
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(cookies))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": len(cookies),
        "rps": round(done[0] / elapsed, 1),
        "requests": done[0],
        "elapsed_s": round(elapsed, 3),
        "errors": errors[:5],
        "error_count": len(errors),
    }


def alternating_loads(rounds: int, write: Callable[[float], dict], bare: Callable[[float], dict], seconds: float):
    """The write's load and the bare INSERT route's, `seconds` each in all, in `rounds` alternating rounds (the bare
    route first in odd rounds, the write first in even ones), so that a machine that speeds up or slows down during
    the run weighs on both alike. Each answer holds the requests a second over all its rounds ("rps") and each
    round's; the write's also each round's share of the bare route's and their median ("share": the judged figure)."""
    rounds = max(1, rounds)
    share, per_round = [], []
    totals = {"write": [0, 0.0], "bare": [0, 0.0]}
    errors = {"write": [], "bare": []}
    error_counts = {"write": 0, "bare": 0}
    for index in range(rounds):
        order = (("bare", bare), ("write", write)) if index % 2 == 0 else (("write", write), ("bare", bare))
        figures = {}
        for name, job in order:
            figures[name] = job(seconds / rounds)
            totals[name][0] += figures[name]["requests"]
            totals[name][1] += figures[name]["elapsed_s"]
            errors[name] += figures[name]["errors"]
            error_counts[name] += figures[name]["error_count"]
        per_round.append({"write_rps": figures["write"]["rps"], "bare_rps": figures["bare"]["rps"]})
        if figures["bare"]["rps"]:
            share.append(figures["write"]["rps"] / figures["bare"]["rps"])
    answers = {}
    for name in ("write", "bare"):
        requests, elapsed = totals[name]
        answers[name] = {
            "clients": figures[name]["clients"],
            "rps": round(requests / elapsed, 1) if elapsed else 0.0,
            "requests": requests,
            "errors": errors[name][:5],
            "error_count": error_counts[name],
            "rounds": [r[f"{name}_rps"] for r in per_round],
        }
    shares = [round(x, 3) for x in share]  # as printed; the judged median is theirs (of an even count: the middle two's mean)
    answers["write"]["share"] = round(statistics.median(shares), 3) if shares else None
    answers["write"]["shares"] = shares
    return answers["write"], answers["bare"]


def _floor(page: dict, bare: dict, raw: dict) -> dict:
    """The page's floor: the bare layout route's time for the same user plus the page's own statements replayed raw,
    both timed in turn with the page. The write's floor: the bare INSERT route's time and the write's own statements
    replayed raw, each timed before the write's requests."""
    if raw.get("error"):
        return {"error": raw["error"], "statement": raw.get("statement")}
    if bare.get("error"):
        return {"error": f"bare route: {bare['error']}"}
    wall = round(bare["median_ms"] + raw["median_ms"], 2)
    cpu = round(bare["server_cpu_ms"] + raw["cpu_ms"], 2)
    return {
        "bare_ms": bare["median_ms"],
        "bare_cpu_ms": bare["server_cpu_ms"],
        "raw": raw,
        "wall_ms": wall,
        "cpu_ms": cpu,
        "ratio_wall": round(page["median_ms"] / wall, 2) if wall else None,
        "ratio_cpu": round(page["server_cpu_ms"] / cpu, 2) if cpu else None,
    }


def _guarded(echo: Callable, what: str, work: Callable[[], dict]) -> dict:
    try:
        return work()
    except Exception as error:  # noqa: BLE001 (one page's failure is reported; the run goes on)
        echo(f"  {what} failed: {error!r}")
        return {"error": f"{type(error).__name__}: {str(error)[:300]}"}


def measure_size(dataset: datasets.Dataset, settings: Settings, echo: Callable) -> dict:
    """Every page, the write and the floor routes on a throwaway copy of one dataset."""
    from sqlalchemy import create_engine

    from benchmarks.floor_table import create_bare_write_table
    from trainee_portal.settings import normalise_database_url

    started = time.perf_counter()
    out: dict = {"dataset": {**asdict(dataset), "label": dataset.label}, "pages": {}, "floors": {}}
    out["dataset"].pop("url")
    with datasets.throwaway_copy(dataset.url) as url, tempfile.TemporaryDirectory(prefix="pbench-instance-") as instance:
        out["copy_s"] = round(time.perf_counter() - started, 1)
        # The copy's own writes reach the disk before anything is timed: a 1M copy leaves about a gigabyte of dirty
        # pages, whose writeback would otherwise slow the first pages and the writes measured after it.
        os.sync()
        out["copy"] = url
        engine = create_engine(normalise_database_url(url))
        create_bare_write_table(engine)
        engine.dispose()
        echo(f"  starting gunicorn and capturing each page's SQL on the copy ({out['copy_s']} s to copy)")
        server = Server(url, settings, instance)
        try:
            plan, missing, captured = pages.capture(url, settings.today, instance)
            out["missing"] = missing
            server.wait_ready()  # before the replays, which must have the machine to themselves
            echo(f"  gunicorn serves on port {server.port}; replaying each page's SQL raw")
            out["floors"]["raw"], owned = _replays(url, plan, captured, settings, echo)
            _measure_pages(server, plan, settings, out, echo, url, owned)
        finally:
            server.stop()
    out["duration_s"] = round(time.perf_counter() - started, 1)
    return out


def _replays(url: str, plan, captured: dict, settings: Settings, echo: Callable) -> tuple[dict, dict]:
    """Each captured request's own statements replayed raw (a page's less the bare layout's for its user, the write's
    less the bare INSERT route's; the floor routes' whole), and those statements by request."""
    users = {page.name: page.user for page, _ in plan}
    raw, owned = {}, {}
    for name, item in captured.items():
        if item.get("error"):
            raw[name] = {"error": item["error"]}
            continue
        own = item["statements"]
        if not name.startswith("bare"):
            framework = "bare-write" if name == pages.WRITE.name else f"bare:{users[name]}"
            own = pages.own_statements(own, captured.get(framework, {}).get("statements", []))
        owned[name] = own
        raw[name] = _guarded(echo, f"{name} replay", lambda own=own: pages.replay(url, own, settings.requests))
        if raw[name].get("error"):
            echo(f"  {name}: raw replay failed: {raw[name]['error']}")
    return raw, owned


def _measure_pages(server: Server, plan, settings: Settings, out: dict, echo: Callable, url: str, owned: dict) -> None:
    port, n, w = server.port, settings.requests, settings.warmup
    clients: dict[str, Client] = {}
    for user in dict.fromkeys([*pages.FLOOR_USERS, *pages.WRITERS, *(p.user for p, _ in plan)]):
        clients[user] = Client(port)
        clients[user].login(pages.email(user), BENCH_PASSWORD)
    floors = out["floors"]
    raw = floors["raw"]
    writers = [clients[u] for u in pages.WRITERS[: settings.concurrency]]
    any_user = clients[pages.FLOOR_USERS[0]]
    for page, path in plan:  # a fresh copy is cold (the database's buffers, the OS's cache): every page once, untimed
        if page is not pages.WRITE:  # a failure here is the page's own timed requests' to report, not the run's end
            _guarded(echo, f"{page.name} warm-up", lambda c=clients[page.user], p=path: {"status": c.request("GET", p)[0]})

    def plain():
        figures = sequential(server, any_user, "GET", pages.PLAIN, n, warmup=w)
        figures["load"] = load(port, [any_user.cookies] * settings.concurrency, "GET", pages.PLAIN, settings.load_seconds)
        return figures

    floors["plain"] = _guarded(echo, "plain route", plain)
    floors["bare"] = {
        u: _guarded(echo, f"bare route ({u})", lambda u=u: sequential(server, clients[u], "GET", pages.BARE, n, warmup=w))
        for u in pages.FLOOR_USERS
    }
    for page, path in plan:
        if page is pages.WRITE:
            continue
        echo(f"  {page.name} ({path})")
        client = clients[page.user]

        def measure(page=page, path=path, client=client):
            alone = raw.get(page.name, {"error": "not captured"})
            replayer = None if alone.get("error") else pages.Replayer(url, owned[page.name])
            try:
                figures = sequential(
                    server, client, "GET", path, n, warmup=w, beside=pages.BARE, replay=replayer and replayer.once
                )
            finally:
                if replayer is not None:
                    replayer.close()
            if figures.get("error"):
                return figures
            bare = figures.pop("beside")
            beside = figures.pop("replay", None)
            if beside is not None and not beside.get("error"):
                beside["statements"], beside["timed"] = len(owned[page.name]), "in turn with the page"
            figures["load"] = load(port, [client.cookies] * settings.concurrency, "GET", path, settings.load_seconds)
            figures["floor"] = _floor(figures, bare, alone if beside is None else beside)
            return figures

        out["pages"][page.name] = {"path": path, "user": pages.email(page.user), **_guarded(echo, page.name, measure)}
    out["transfer"] = _guarded(
        echo,
        "transfer sizes",
        lambda: transfer.transfer_sizes(
            port, {u: c.cookies for u, c in clients.items()}, [(p.name, path, p.user) for p, path in plan if p is not pages.WRITE]
        ),
    )

    def bare_write():
        figures = sequential(server, writers[0], "POST", pages.BARE_WRITE, n, bare_tokens[0], (302, 303), w)
        figures["load"] = {}  # filled by the alternating rounds below
        return figures

    echo("  bare INSERT route")
    bare_tokens = [{"csrf_token": pages.csrf_token(c.html(pages.BARE))} for c in writers]
    floors["bare_write"] = _guarded(echo, "bare INSERT route", bare_write)
    write = next((path for page, path in plan if page is pages.WRITE), None)
    if write:
        echo(f"  {pages.WRITE.name} ({write})")
        forms = [pages.write_form(c.html(write), settings.today) for c in writers]

        def measure_write():
            figures = sequential(server, writers[0], "POST", write, n, forms[0], (302, 303), w)
            if figures.get("error"):
                return figures
            figures["floor"] = _floor(figures, floors["bare_write"], raw.get(pages.WRITE.name, {"error": "not captured"}))
            return figures

        measured = _guarded(echo, "write", measure_write)
        out["pages"][pages.WRITE.name] = {"path": write, "user": pages.email(pages.WRITE.user), **measured}
        if not measured.get("error") and not floors["bare_write"].get("error"):
            echo(f"  the write and the bare INSERT route with {len(writers)} clients, {settings.write_rounds} rounds each")
            write_load, bare_load = alternating_loads(
                settings.write_rounds,
                lambda seconds: load(port, [c.cookies for c in writers], "POST", write, seconds, forms),
                lambda seconds: load(port, [c.cookies for c in writers], "POST", pages.BARE_WRITE, seconds, bare_tokens),
                settings.write_seconds,
            )
            out["pages"][pages.WRITE.name]["load"] = write_load
            floors["bare_write"]["load"] = bare_load
    elif not floors["bare_write"].get("error"):
        floors["bare_write"]["load"] = load(
            port, [c.cookies for c in writers], "POST", pages.BARE_WRITE, settings.write_seconds, bare_tokens
        )
    out["memory"] = machine.worker_memory(server.process.pid)
    for client in clients.values():
        client.close()


def bench_engine(engine: str, chosen: list[datasets.Dataset], settings: Settings, echo: Callable) -> dict:
    """Every size of one engine, smallest first, then the verdicts."""
    started = time.perf_counter()
    result: dict = {
        "engine": engine,
        "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_before": machine.load_average(),
        "machine": machine.describe(chosen[0].url),
        "settings": {**asdict(settings), "today": settings.today.isoformat()},
        "served_by": served_by(settings),
        "page_names": [p.name for p in [*pages.PAGES, pages.WRITE]],
        "page_targets": {p.name: p.target_ms for p in [*pages.PAGES, pages.WRITE]},
        "sizes": [],
    }
    for dataset in sorted(chosen, key=lambda d: d.evidence):
        echo(f"[{engine}] {dataset.label}")
        before = datasets.fingerprint(dataset.url)
        size = measure_size(dataset, settings, echo)
        size["dataset_unchanged"] = datasets.fingerprint(dataset.url) == before
        result["sizes"].append(size)
    result["missing_pages"] = sorted({name for s in result["sizes"] for name in s.get("missing", [])})
    result["load_average_after"] = machine.load_average()
    result["duration_s"] = round(time.perf_counter() - started, 1)
    result["targets"] = report.targets(result)
    return result


def run(
    chosen: dict[str, list[datasets.Dataset]], settings: Settings, out_dir: Path | None, echo: Callable = print
) -> list[dict]:
    """Measure each engine's datasets; write <engine>.json and .txt to out_dir when given."""
    results = []
    for engine, items in chosen.items():
        result = bench_engine(engine, items, settings, echo)
        results.append(result)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"{engine}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
            (out_dir / f"{engine}.txt").write_text(report.table(result) + "\n")
    return results


def _sizes(value: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in value.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter("evidence row counts separated by commas, like 100000,1000000") from None
    if not sizes or sizes[0] < 1:
        raise click.BadParameter("at least one positive evidence row count")
    return sizes


@click.command()
@click.option(
    "--engine", "engines", multiple=True, type=click.Choice(["sqlite", "postgresql"]), help="repeat for each (default both)"
)
@click.option("--sizes", default="100000,1000000", show_default=True, help="evidence rows of each dataset, comma-separated")
@click.option("--trainees", default=2000, show_default=True, type=click.IntRange(4, 100_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--cache-dir",
    default=lambda: os.environ.get("BENCHMARK_CACHE_DIR") or str(Path(tempfile.gettempdir()) / "pain-benchmark-datasets"),
    show_default="$BENCHMARK_CACHE_DIR or <tmp>/pain-benchmark-datasets",
    type=click.Path(file_okay=False, path_type=Path),
    help="where generated SQLite datasets (and every dataset's generation record) are kept",
)
@click.option(
    "--postgresql-url",
    default=lambda: os.environ.get("BENCHMARK_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    show_default="$BENCHMARK_POSTGRESQL_URL or postgresql://postgres@127.0.0.1:5432/postgres",
    help="the PostgreSQL server the generated datasets live on (any database of it)",
)
@click.option("--dataset", "named", multiple=True, help="measure this database instead of generated ones (repeat per size)")
@click.option("--fresh", is_flag=True, help="generate the datasets again even when cached")
@click.option("--port", default=0, show_default="a free port", type=click.IntRange(0, 65535))
@click.option("--requests", default=40, show_default=True, type=click.IntRange(3, 1000), help="sequential requests per page")
@click.option("--load-seconds", default=8.0, show_default=True, type=click.FloatRange(0.2, 60), help="concurrent load per page")
@click.option(
    "--write-seconds",
    default=12.0,
    show_default=True,
    type=click.FloatRange(0.2, 60),
    help="concurrent writes (each, all rounds)",
)
@click.option(
    "--write-rounds",
    default=Settings.write_rounds,
    show_default=True,
    type=click.IntRange(1, 60),
    help="the write's and the bare INSERT route's loads alternate in this many rounds (the median round's share is judged)",
)
@click.option("--out", "out_dir", default=str(RESULTS), show_default=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-save", is_flag=True, help="print only")
def main(
    engines,
    sizes,
    trainees,
    seed,
    cache_dir,
    postgresql_url,
    named,
    fresh,
    port,
    requests,
    load_seconds,
    write_seconds,
    write_rounds,
    out_dir,
    no_save,
):
    """Measure every key page at each dataset size on each engine and judge every target."""
    # A run stopped with `kill` unwinds as Ctrl+C does: gunicorn stopped, the throwaway copy dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    started = time.perf_counter()
    settings = Settings(
        requests=requests, load_seconds=load_seconds, write_seconds=write_seconds, write_rounds=write_rounds, port=port
    )

    def echo(message):
        click.echo(f"[{report.duration(time.perf_counter() - started):>12}] {message}", err=True)

    chosen: dict[str, list[datasets.Dataset]] = {}
    try:
        if named:
            for url in named:
                dataset = datasets.named(url)
                chosen.setdefault(dataset.engine, []).append(dataset)
        else:
            for engine in engines or ("sqlite", "postgresql"):
                chosen[engine] = [
                    datasets.cached(engine, trainees, size, seed, settings.today, cache_dir, postgresql_url, echo, fresh)
                    for size in _sizes(sizes)
                ]
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    results = run(chosen, settings, None if no_save else out_dir, echo)
    for result in results:
        click.echo(report.table(result) + "\n")
    click.echo(report.markdown(results))
    click.echo(f"\nThe whole run, generation included, took {report.duration(time.perf_counter() - started)}.")


if __name__ == "__main__":
    sys.exit(main())
