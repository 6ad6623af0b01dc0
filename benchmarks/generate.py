"""Generate a national-scale dataset into an empty SQLite or PostgreSQL database, reproducibly from a seed.

python -m benchmarks.generate --trainees 2000 --evidence 1000000 --seed 1 --database-url sqlite:////tmp/bench.sqlite3
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import date

import click
from sqlalchemy import func, select

from benchmarks.datasets import engine_name

BENCH_PASSWORD = "pain-bench-2026"  # every generated account; the runner signs in with it


def make_app(database_url: str):
    from trainee_portal import create_app
    from trainee_portal.settings import normalise_database_url

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-generator-key"),
            "TESTING": True,
        }
    )


def generate(database_url: str, trainees: int, evidence: int, signoffs: int | None, seed: int, today: date, echo=print) -> dict:
    """Migrate, load every table in bulk, rebuild the progress summaries; returns the counts and timings."""
    from flask_migrate import upgrade

    from benchmarks.dataset import DatasetBuilder, Sizes
    from benchmarks.loader import BulkLoader, analyze
    from trainee_portal import curricula
    from trainee_portal.extensions import db
    from trainee_portal.models import User
    from trainee_portal.platform.passwords import hash_password
    from trainee_portal.summaries import progress

    app = make_app(database_url)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        timings["migrate_s"] = time.perf_counter() - started
        if db.session.scalar(select(func.count()).select_from(User)):
            raise click.ClickException("the database already has users: generate into an empty database")
        db.session.remove()
        sizes = Sizes(
            trainees=trainees, evidence=evidence, signoffs=evidence // 5 if signoffs is None else signoffs, seed=seed, today=today
        )
        builder = DatasetBuilder(sizes, curricula.registry(), hash_password(BENCH_PASSWORD))
        loader = BulkLoader(db.engine)
        step = time.perf_counter()
        _write(loader, builder.people())
        exams = builder.exams_and_reviews()
        _write(loader, {"exam_sitting": exams.pop("exam_sitting")})
        done = 0
        for batch in builder.evidence_batches():
            _write(loader, batch)
            loader.commit()
            done += len(batch["evidence_entry"])
            echo(f"  evidence {done:,}/{evidence:,}", err=True)
        _write(loader, exams)
        for batch in builder.audit_batches():
            _write(loader, batch)
        loader.finish()
        timings["load_s"] = time.perf_counter() - step
        step = time.perf_counter()
        progress.recompute_all()
        db.session.commit()
        timings["recompute_progress_s"] = time.perf_counter() - step
        step = time.perf_counter()
        analyze(db.engine)
        timings["analyze_s"] = time.perf_counter() - step
        db.session.remove()
        db.engine.dispose()  # no session left open on it: the database may be renamed or copied next
    timings["total_s"] = time.perf_counter() - started
    return {
        "engine": engine_name(database_url),
        "seed": seed,
        "today": today.isoformat(),
        "sizes": {"trainees": trainees, "evidence": evidence, "signoffs": sizes.signoffs},
        "rows": loader.counts,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "python": platform.python_version(),
    }


def _write(loader, rows: dict[str, list[dict]]) -> None:
    for table, items in rows.items():
        loader.write(table, items)


@click.command()
@click.option("--trainees", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--evidence", default=1_000_000, show_default=True, type=click.IntRange(0, 50_000_000))
@click.option("--signoffs", default=None, type=click.IntRange(0), help="signed entries (default: a fifth of the evidence)")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--today", default="2026-11-20", show_default=True, help="the date the data ends at (YYYY-MM-DD)")
@click.option("--database-url", envvar="DATABASE_URL", required=True, help="an empty, reachable database")
@click.option("--quiet", is_flag=True)
def main(trainees, evidence, signoffs, seed, today, database_url, quiet):
    """Fill an empty database with a realistic national dataset and report how long it took."""
    try:
        day = date.fromisoformat(today)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from None
    if signoffs is not None and signoffs > evidence:
        raise click.BadParameter("cannot exceed --evidence", param_hint="--signoffs")
    echo = (lambda *a, **k: None) if quiet else click.echo
    result = generate(database_url, trainees, evidence, signoffs, seed, day, echo=echo)
    click.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
