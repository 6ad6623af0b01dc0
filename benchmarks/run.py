"""Benchmark the app under gunicorn on a generated dataset: latency, throughput, SQL per request, memory, floors.

python -m benchmarks.run --database-url sqlite:////tmp/bench.sqlite3 [--database-url postgresql://...]
Talks only to 127.0.0.1; every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import click

from benchmarks import machine, pages, report
from benchmarks.client import Client
from benchmarks.generate import BENCH_PASSWORD, RESULTS, engine_name, make_app

ROOT = Path(__file__).resolve().parent.parent
BARE = "/_benchmark/bare"


def _stats(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2), "n": len(ordered)}


CPU_PIDS: list = []  # set per engine: what to charge server CPU time to (gunicorn workers, database backends)


def _cpu_pids() -> list[int]:
    master, database = CPU_PIDS
    return machine.worker_pids(master) + machine.backend_pids(database)


def _latency(client: Client, method: str, path: str, n: int, form=None, expect=(200,)) -> tuple[dict, list[int], int]:
    """Sequential requests: wall-clock latency, and the server CPU each took (steadier on a shared machine)."""
    times, queries, size = [], [], 0
    deadline = time.monotonic() + 60
    pids = _cpu_pids() if CPU_PIDS else []
    cpu_before = machine.cpu_seconds(pids)
    for _ in range(n):
        status, headers, body, elapsed = client.request(method, path, form=form)
        if status not in expect:
            raise RuntimeError(f"{method} {path} answered {status}: {body[:300]!r}")
        times.append(elapsed)
        queries.append(int(headers.get("x-sql-queries", -1)))
        size = len(body)
        if time.monotonic() > deadline:
            break
    stats = _stats(times)
    if pids:
        stats["server_cpu_ms"] = round((machine.cpu_seconds(pids) - cpu_before) * 1000 / len(times), 2)
    return stats, queries, size


def _throughput(port: int, cookies: dict, method: str, path: str, total: int, concurrency: int, form=None) -> dict:
    """Requests per second with `concurrency` keep-alive clients sharing `total` requests (at most 30 s)."""
    remaining, done, errors = [total], [0], []
    lock = threading.Lock()
    deadline = time.monotonic() + 30

    def worker():
        client = Client(port, cookies)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                status = client.request(method, path, form=form)[0]
                with lock:
                    done[0] += 1
                    if status >= 400:
                        errors.append(status)
        except Exception as error:  # noqa: BLE001 (reported in the results, the other clients go on)
            errors.append(repr(error)[:200])
        finally:
            client.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"rps": round(done[0] / elapsed, 1), "requests": done[0], "errors": errors[:5], "error_count": len(errors)}


def _start_gunicorn(url: str, port: int, workers: int, threads: int, instance: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-secret-key-not-for-production",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PORTAL_INSTANCE_PATH": instance,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "benchmarks.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if Client(port).get(BARE)[0] == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not start within 60 s")


def _scratch_database(url: str, suffix: str) -> tuple[str, callable]:
    """An empty database beside the benchmark's: a temporary SQLite file, or a new PostgreSQL database."""
    from sqlalchemy.engine import make_url

    from tests.support.databases import is_postgres, scratch_database
    from trainee_portal.settings import normalise_database_url

    name = f"{make_url(normalise_database_url(url)).database}_{suffix}" if is_postgres(url) else ""
    return scratch_database(url, name, prefix="bench-small-")


def _small_counts(url: str, plan, today: date) -> dict[str, int]:
    """SQL statements per page on a tiny dataset of the same engine, to show the counts do not grow with data."""
    from benchmarks.generate import generate
    from trainee_portal.extensions import db

    small_url, drop = _scratch_database(url, "small")
    try:
        generate(small_url, 12, 3000, None, 1, today, echo=lambda *a, **k: None)
        app = make_app(small_url)
        app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
        captured = pages.capture_requests(app, plan, today)
        with app.app_context():
            db.engine.dispose()
        return {name: c["queries"] for name, c in captured.items()}
    finally:
        drop()


def bench_engine(url: str, port: int, requests: int, concurrency: int, today: date, skip_small: bool) -> dict:
    engine = engine_name(url)
    app = make_app(url)
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    missing = [p.name for p in pages.PAGES + [pages.WRITE] if p.endpoint not in app.view_functions]
    plan = [(p, pages.path_for(app, p)) for p in pages.PAGES + [pages.WRITE] if p.endpoint in app.view_functions]
    click.echo(f"[{engine}] measuring {', '.join(p.name for p, _ in plan)}; missing: {', '.join(missing) or 'none'}", err=True)
    captured = pages.capture_requests(app, plan, today)
    from trainee_portal.extensions import db

    with app.app_context():
        db.engine.dispose()
    instance = tempfile.mkdtemp(prefix="bench-instance-")
    server = _start_gunicorn(url, port, 2, 4, instance)
    CPU_PIDS[:] = [server.pid, None if engine == "sqlite" else url.rsplit("/", 1)[1].split("?")[0]]
    results: dict = {"engine": engine, "pages": {}, "missing_pages": missing}
    try:
        clients = {}
        for page, _ in plan:
            if page.user not in clients:
                clients[page.user] = Client(port)
                clients[page.user].login(pages.email(page.user), BENCH_PASSWORD)
        any_client = next(iter(clients.values())) if clients else Client(port)
        results["bare"] = bare = {}
        bare["get"], _, _ = _latency(any_client, "GET", BARE, requests)
        bare["get"]["throughput"] = _throughput(port, any_client.cookies, "GET", BARE, requests * 4, concurrency)
        bare["get"]["rps"] = bare["get"]["throughput"]["rps"]
        for page, path in plan:
            click.echo(f"[{engine}] {page.name} ({path})", err=True)
            client = clients[page.user]
            raw_conn, dialect = pages.raw_connection(url)
            capture = captured[page.name]
            if page is pages.WRITE:
                form = pages.write_form(client.get(path)[2], today)
                _latency(client, "POST", path, 3, form=form, expect=(302, 303))
                stats, queries, size = _latency(client, "POST", path, requests, form=form, expect=(302, 303))
                stats["throughput"] = _throughput(port, client.cookies, "POST", path, requests * 2, concurrency, form)
                bare["post"], _, _ = _latency(client, "POST", BARE, requests, form=form)
                bare["post"]["throughput"] = _throughput(port, client.cookies, "POST", BARE, requests * 4, concurrency, form)
                bare["post"]["rps"] = bare["post"]["throughput"]["rps"]
                floor = pages.replay(
                    raw_conn, dialect, capture["statements"], requests, write=True, created_id=capture.get("created_id")
                )
            else:
                _latency(client, "GET", path, 3)
                stats, queries, size = _latency(client, "GET", path, requests)
                stats["throughput"] = _throughput(port, client.cookies, "GET", path, requests * 2, concurrency)
                floor = pages.replay(raw_conn, dialect, capture["statements"], requests, write=False)
            stats["rps"] = stats["throughput"]["rps"]
            raw_conn.close()
            results["pages"][page.name] = {
                "path": path,
                "user": pages.email(page.user),
                **stats,
                "bytes": size,
                "sql_queries": sorted(set(queries)),
                "sql_queries_mode": statistics.mode(queries),
                "raw_sql_floor": {**_stats(floor[0]), "cpu_ms": round(floor[1] * 1000, 2)},
            }
        results["memory"] = machine.worker_memory(server.pid)
        results["transfer"] = report.transfer_sizes(port, clients, plan)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not skip_small:
        small = _small_counts(url, plan, today)
        for name, count in small.items():
            results["pages"][name]["sql_queries_small_dataset"] = count
    return results


@click.command()
@click.option(
    "--database-url",
    "urls",
    multiple=True,
    required=True,
    help="a database filled by benchmarks.generate (repeat for each engine)",
)
@click.option("--port", default=5070, show_default=True, type=click.IntRange(1024, 65535))
@click.option("--requests", default=60, show_default=True, type=click.IntRange(5, 1000), help="timed requests per page")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 16))
@click.option("--skip-small", is_flag=True, help="skip the tiny-dataset SQL count comparison")
@click.option("--no-save", is_flag=True, help="print only; do not write benchmarks/results/<engine>.json")
def main(urls, port, requests, concurrency, skip_small, no_save):
    """Measure every key page on each database and compare with the targets."""
    today = date(2026, 11, 20)
    for url in urls:
        result = bench_engine(url, port, requests, concurrency, today, skip_small)
        result["machine"] = machine.describe(url)
        generated = RESULTS / f"generate-{result['engine']}.json"
        if generated.exists():
            result["generation"] = json.loads(generated.read_text())
        result["targets"] = report.targets(result)
        click.echo(report.table(result))
        if not no_save:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"{result['engine']}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
            (RESULTS / f"{result['engine']}.txt").write_text(report.table(result) + "\n")


if __name__ == "__main__":
    sys.exit(main())
