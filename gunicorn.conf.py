"""How gunicorn serves the app: read by every `gunicorn wsgi:app` started in the checkout (scripts/run, production as
the README gives it, benchmarks/run.py). A command-line option, or GUNICORN_CMD_ARGS (for example "--threads 4"),
overrides a setting here.

One worker process per CPU core (WEB_CONCURRENCY, gunicorn's own variable, sets another number), each serving one
request at a time. The app's work is Python, which runs one thread at a time in a process: a second thread in a worker
adds no CPU, only waits for the interpreter around each database call and more work for the server per request. A
write pays that most: on SQLite its server CPU per request under load was 4.8-5.1 ms with 1 thread a worker and
5.9-6.7 ms with 4, the bare INSERT route's 2.4-2.6 and 2.8-3.1 ms. Measured on 4 December 2026 on a 2-core VM
(gthread workers), 4 trainees logging entries at once on the 1M-row dataset, runs of 12 alternating 1-second rounds
(four runs of 2 x 1 and of 2 x 4, two of the others):

| served by | SQLite: entries a second | share of the bare INSERT route | PostgreSQL: entries a second | share |
|---|---|---|---|---|
| 2 workers x 1 thread | 316-332 | 0.51-0.57 | 245-274 | 0.52-0.54 |
| 2 workers x 2 threads | 246-271 | 0.43-0.44 | 248-256 | 0.49-0.50 |
| 2 workers x 4 threads | 218-236 | 0.44-0.48 | 230-253 | 0.52-0.53 |
| 3 workers x 1 thread | 248-251 | 0.46-0.47 | 247-264 | 0.49-0.52 |
| 4 workers x 1 thread | 263-286 | 0.48-0.51 | 228-243 | 0.51-0.52 |

The bare INSERT route was fastest with 2 x 1 too (555-613 a second on SQLite, against 463-521 with 4 threads).

The workers are gunicorn's sync workers: a worker takes a connection only when it is free, so each request goes to a
free worker. gunicorn 27's gthread worker accepts connections while its thread is busy and keeps each kept-alive
connection to itself, so with 1 thread requests queued behind a busy worker while another stood idle: 4 clients
connecting at once to 2 such workers were split 3 and 1 in 11 tries of 16, all 4 on one worker in 2, and 2 and 2 in
only 3. Measured later on 4 December 2026 on another 2-core VM (AMD EPYC), 4 trainees logging entries at once on the
1M-row dataset, three runs of 12 alternating 1-second rounds each way, in turn, sync against gthread of 1 thread: the
same throughput (SQLite 350-464 entries a second against 324-380, PostgreSQL 250-297 against 238-308), and rounds
that vary far less (each round's share of the bare INSERT route from 0.42 to 0.61, against 0.29 to 0.81). One
client's pages took the same time either way (the bare layout 4.72 against 4.69 ms, the home page 11.8-12.3 ms).

A sync worker closes the connection after each answer, so it holds no idle connection; as gunicorn's documentation
says of sync workers, serve it behind a proxy that buffers requests and answers (nginx), so that a slow client ties up
no worker. No request waits on another service (email goes out from the outbox by `send-outbox`, imports run in the
task queue's worker); a deployment where requests do would want threads: GUNICORN_CMD_ARGS="--threads 4" (gunicorn
then serves with gthread workers).
"""

import os


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a whole number of at least 1 (it is {value!r}).")
    return int(value)


def cores() -> int:
    """The CPU cores this process may run on (fewer than the machine's when it is pinned to some)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on this platform (macOS)
        return os.cpu_count() or 1


workers = _whole_number("WEB_CONCURRENCY", max(2, cores()))  # at least 2: one restarting leaves the other serving
worker_class = "sync"  # each worker takes a connection only when free (see above)
threads = 1  # more than 1 makes gunicorn serve with gthread workers
# gunicorn 27 opens a control socket for `gunicornc` at one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl),
# so a second instance on the machine (the other engine's, the benchmark's) takes it over from the first. Nothing here
# uses it; a deployment that wants `gunicornc` starts gunicorn with a config of its own (-c) naming its own path.
control_socket_disable = True
