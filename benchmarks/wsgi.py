"""The app as benchmarks/run.py serves it under gunicorn: the normal app plus the opt-in benchmark flags."""

from trainee_portal import create_app

app = create_app({"BENCHMARK_SQL_COUNT": True, "BENCHMARK_BARE_ROUTE": True})
