"""What machine a result was measured on, and the peak memory of gunicorn's workers read from /proc."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import statistics
from pathlib import Path


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _postgres_version(url: str) -> str | None:
    if url.startswith("sqlite"):
        return None
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def describe(url: str) -> dict:
    return {
        "nproc": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(url),
        "kernel": platform.release(),
    }


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def worker_memory(master_pid: int) -> dict:
    """Peak (VmHWM) and current (VmRSS) resident memory of each gunicorn worker, in MiB."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = _status(int(entry.name))
        except OSError:
            continue
        if status.get("PPid") == str(master_pid):
            workers.append(
                {
                    "pid": int(entry.name),
                    "peak_rss_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1),
                    "rss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 1),
                }
            )
    return {
        "workers": workers,
        "peak_rss_mib_max": max((w["peak_rss_mib"] for w in workers), default=None),
        "peak_rss_mib_sum": round(sum(w["peak_rss_mib"] for w in workers), 1),
    }


def worker_pids(master_pid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if _status(int(entry.name)).get("PPid") == str(master_pid):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def backend_pids(database: str | None) -> list[int]:
    """PostgreSQL server processes serving this database (their title names it), found in /proc."""
    if not database:
        return []
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and f" {database} " in title:
                pids.append(int(entry.name))
    return pids


RUNTIME = re.compile(rb"^se\.sum_exec_runtime\s*:\s*([0-9.]+)", re.MULTILINE)


def cpu_seconds(pids: list[int]) -> float:
    """CPU time these processes have used so far: the scheduler's own runtime of each of their threads (in /proc/<pid>
    /task/<tid>/sched, to the microsecond) where the kernel shows it, else user plus system time, which the kernel
    counts in whole clock ticks (10 ms). Over the 40 requests a page is timed in, tick counts can be a fifth out either
    way, enough to move a page's CPU against its floor or between sizes across a target."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        runtime = _runtime(pid)
        if runtime is not None:
            total += runtime
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def cpu_is_precise(pids: list[int]) -> bool:
    """Whether cpu_seconds reads the scheduler's runtime for every one of these processes: then one request's CPU is
    known to the microsecond and a median of them means something; in clock ticks only a sum over many does."""
    return all(_runtime(pid) is not None for pid in pids)


def cpu_figure(seconds: list[float], precise: bool) -> float:
    """Milliseconds of CPU per request (or replay): the median of them where each is precise (as wall times are
    judged by their median, so that one pause in forty does not move it), else their mean."""
    return round((statistics.median(seconds) if precise else sum(seconds) / len(seconds)) * 1000, 2)


def _runtime(pid: int) -> float | None:
    """Seconds every thread of the process has run, from the scheduler (None where the kernel shows no such figure)."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total, seen = 0.0, False
    for tid in threads:
        try:
            found = RUNTIME.search(Path(f"/proc/{pid}/task/{tid}/sched").read_bytes())
        except OSError:
            continue
        if found:
            total += float(found.group(1)) / 1000  # milliseconds
            seen = True
    return total if seen else None


def stats(seconds: list[float]) -> dict:
    """Median and 95th percentile, in milliseconds, of request or replay times in seconds."""
    ordered = sorted(seconds)
    if not ordered:
        return {"median_ms": None, "p95_ms": None, "n": 0}
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2), "n": len(ordered)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
