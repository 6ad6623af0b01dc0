"""Run trainees logging, editing and revising evidence and supervisors signing off and returning it against gunicorn
on localhost while one worker is SIGKILLed and (PostgreSQL) the database is restarted; then compare every
acknowledged write with the database and check every stored signature against the content it covers.

Trainees edit some entries while they wait for sign-off, racing the supervisor's signature: an edit that lands
withdraws the request, a signature that lands refuses the edit, and no signature may end up over content the signer
did not see.

    python -m benchmarks.faults --engine sqlite|postgresql [--seconds 40] [--workers 4]

The last line reads "writes acknowledged N, stored N, lost 0, duplicate sign-offs 0, 5xx K"; the exit code is 1
when a write was lost, a sign-off duplicated, a 5xx fell outside a fault window or the app did not recover.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from benchmarks.faults.forms import form_fields
from benchmarks.faults.infra import (
    SEEN_HASH,
    Browser,
    Gunicorn,
    Response,
    app_environment,
    create_load_accounts,
    flask,
    port_is_free,
    private_postgres,
    sqlite_database,
    system_postgres,
)

EVIDENCE_ID = re.compile(r"^/logbook/(\d+)$")
REQUEST_ID = re.compile(r"^/signoff/requests/(\d+)$")
QUEUE_LINK = re.compile(r'href="/signoff/requests/(\d+)"')
CLINIC = "S3_PM_01"
GRACE = 3.0  # seconds after a fault during which failures count as "in flight when the fault hit"


@dataclass
class Ledger:
    """Everything the virtual users saw, shared between threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: list[tuple[str, Response]] = field(default_factory=list)
    evidence: set[int] = field(default_factory=set)  # acknowledged creations
    requests: set[int] = field(default_factory=set)  # acknowledged sign-off requests
    signoffs: set[int] = field(default_factory=set)  # request ids whose signing was acknowledged
    returns: set[int] = field(default_factory=set)  # request ids whose return to the trainee was acknowledged
    request_evidence: dict[int, int] = field(default_factory=dict)  # request id → evidence id
    edits: dict[int, str] = field(default_factory=dict)  # evidence id → title of its last acknowledged edit
    versions: dict[int, int] = field(default_factory=dict)  # signed evidence id → the new version acknowledged for it
    faults: list[tuple[str, float, float]] = field(default_factory=list)  # (what, started, ended)

    def saw(self, method: str, path: str, response: Response) -> None:
        with self.lock:
            self.responses.append((f"{method} {re.sub(r'/[0-9]+', '/<id>', path)}", response))


def trainee(browser: Browser, email: str, supervisor_id: int, ledger: Ledger, deadline: float, limit: int) -> None:
    if not browser.sign_in(email):
        return
    mine: list[int] = []
    for n in range(limit):
        if time.monotonic() > deadline:
            return
        token, page = browser.token("/logbook/new")
        if not token:
            time.sleep(0.3)
            continue
        # what the trainee fills in, over every field the blank form carries (its CSRF token, the empty optional ones)
        form = form_fields(page.body, "/logbook/new") | {
            "evidence_type": "logbook.clinic",
            "occurred_on": (date.today() - timedelta(days=n % 20)).isoformat(),
            "title": f"Pain clinic {n}",
            "setting": "outpatient",
            "supervision_level": "2b",
            "hospital": "St Thomas' Hospital",
            "competencies": [CLINIC],
            "notes": "Assessed a new referral with chronic low back pain.",
        }
        created = browser.request("POST", "/logbook/new", form)
        match = EVIDENCE_ID.match(created.location) if created.status in (302, 303) else None
        if not match:
            continue
        evidence_id = int(match.group(1))
        mine.append(evidence_id)
        with ledger.lock:
            ledger.evidence.add(evidence_id)
        if n % 4 == 1:  # a draft corrected before asking
            edit(browser, evidence_id, f"Pain clinic {n} (corrected)", ledger)
        if not ask(browser, evidence_id, supervisor_id, ledger):
            continue
        # a second thought while the supervisor may be signing: the race the guards must settle
        if n % 3 == 2 and edit(browser, evidence_id, f"Pain clinic {n} (second thoughts)", ledger):
            ask(browser, evidence_id, supervisor_id, ledger)  # the edit withdrew the request: ask again
        if n % 5 == 4:
            revise_a_signed_entry(browser, mine, ledger)


def ask(browser: Browser, evidence_id: int, supervisor_id: int, ledger: Ledger) -> bool:
    token, _ = browser.token(f"/signoff/request/{evidence_id}")
    if not token:
        return False
    asked = browser.request(
        "POST", f"/signoff/request/{evidence_id}", {"recipient": str(supervisor_id), "assessor_email": "", "csrf_token": token}
    )
    match = REQUEST_ID.match(asked.location) if asked.status in (302, 303) else None
    if match:
        with ledger.lock:
            ledger.requests.add(int(match.group(1)))
            ledger.request_evidence[int(match.group(1))] = evidence_id
    return bool(match)


def edit(browser: Browser, evidence_id: int, title: str, ledger: Ledger) -> bool:
    """Open the edit form, change the title and save it as a browser would (every field the form carries)."""
    path = f"/logbook/{evidence_id}/edit"
    page = browser.request("GET", path)
    if page.status != 200:
        return False
    fields = form_fields(page.body, path)
    if "csrf_token" not in fields:
        return False
    saved = browser.request("POST", path, fields | {"title": title})
    acknowledged = saved.status in (302, 303) and saved.location.rstrip("/") == f"/logbook/{evidence_id}"
    if acknowledged:
        with ledger.lock:
            ledger.edits[evidence_id] = title
    return acknowledged


def revise_a_signed_entry(browser: Browser, mine: list[int], ledger: Ledger) -> None:
    """Make a new version of one of this trainee's signed entries (which voids its signature)."""
    with ledger.lock:
        signed = {ledger.request_evidence.get(r) for r in ledger.signoffs} - set(ledger.versions)
        candidates = [e for e in mine if e in signed]
    if not candidates:
        return
    old = candidates[0]
    token, _ = browser.token(f"/logbook/{old}")
    if not token:
        return
    made = browser.request("POST", f"/logbook/{old}/new-version", {"csrf_token": token})
    match = re.match(r"^/logbook/(\d+)/edit$", made.location) if made.status in (302, 303) else None
    if match:
        with ledger.lock:
            ledger.versions[old] = int(match.group(1))
            ledger.evidence.add(int(match.group(1)))


def supervisor(browser: Browser, email: str, ledger: Ledger, deadline: float, trainees_done: threading.Event) -> None:
    if not browser.sign_in(email):
        return
    clicks = 0
    while time.monotonic() < deadline + 15:
        queue = browser.request("GET", "/signoff/")
        pending = sorted({int(i) for i in QUEUE_LINK.findall(queue.body)}) if queue.status == 200 else []
        if not pending:
            if trainees_done.is_set():
                return
            time.sleep(0.3)
            continue
        for request_id in pending:
            detail = browser.request("GET", f"/signoff/requests/{request_id}")
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', detail.body) if detail.status == 200 else None
            seen = SEEN_HASH.search(detail.body) if detail.status == 200 else None
            if not (token and seen):
                continue
            clicks += 1
            decision = "return" if clicks % 4 == 0 else "sign"  # every fourth request goes back to the trainee
            form = {
                "decision": decision,
                "supervision_level": "2b",
                "feedback": "Well done.",
                "reason": "Please add what you agreed with the patient." if decision == "return" else "",
                "seen_hash": seen.group(1) or seen.group(2),
                "csrf_token": token.group(1),
            }
            senders = 2 if clicks % 3 == 0 else 1  # every third decision is double-clicked: two POSTs at once
            threads = [threading.Thread(target=_decide, args=(browser, request_id, form, ledger)) for _ in range(senders)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()


def _decide(browser: Browser, request_id: int, form: dict, ledger: Ledger) -> None:
    response = browser.request("POST", f"/signoff/requests/{request_id}/decide", form)
    if response.status in (302, 303) and response.location.rstrip("/") == "/signoff":
        with ledger.lock:
            (ledger.signoffs if form["decision"] == "sign" else ledger.returns).add(request_id)


def inject_faults(server: Gunicorn, restart_database, ledger: Ledger, start: float, seconds: float, log) -> None:
    time.sleep(seconds * 0.3)
    began = time.monotonic()
    victim = server.kill_one_worker()
    ledger.faults.append(("worker killed", began, time.monotonic()))
    log(f"  t={began - start:5.1f}s  SIGKILL gunicorn worker {victim}")
    if restart_database:
        time.sleep(seconds * 0.3)
        began = time.monotonic()
        restart_database()
        ledger.faults.append(("database restarted", began, time.monotonic()))
        log(f"  t={began - start:5.1f}s  database restarted ({time.monotonic() - began:.1f}s)")


def in_fault_window(response: Response, faults) -> bool:
    return any(response.started <= ended + GRACE and response.ended >= began - 0.5 for _, began, ended in faults)


def count_database(app, accounts, ledger: Ledger) -> dict:
    """What the database holds of the acknowledged writes, and whether every signature covers what its signer saw."""
    from sqlalchemy import func, select

    from trainee_portal import audit
    from trainee_portal.extensions import db
    from trainee_portal.integrity import verify_all
    from trainee_portal.models import EvidenceEntry, SignOff, SignOffRequest

    trainee_ids = [i for i, _ in accounts.trainees]
    supervisor_ids = [i for i, _ in accounts.supervisors]
    with app.app_context():
        evidence = dict(
            db.session.execute(
                select(EvidenceEntry.id, EvidenceEntry.title).where(EvidenceEntry.trainee_id.in_(trainee_ids))
            ).all()
        )
        supersedes = dict(
            db.session.execute(
                select(EvidenceEntry.supersedes_id, EvidenceEntry.id).where(
                    EvidenceEntry.trainee_id.in_(trainee_ids), EvidenceEntry.supersedes_id.is_not(None)
                )
            ).all()
        )
        request_status = dict(
            db.session.execute(
                select(SignOffRequest.id, SignOffRequest.status).where(SignOffRequest.requested_by_id.in_(trainee_ids))
            ).all()
        )
        signed = list(db.session.scalars(select(SignOff.request_id).where(SignOff.signer_id.in_(supervisor_ids))))
        per_evidence = db.session.execute(
            select(SignOff.evidence_id, func.count())
            .where(SignOff.voided_at.is_(None), SignOff.signer_id.in_(supervisor_ids))
            .group_by(SignOff.evidence_id)
            .having(func.count() > 1)
        ).all()
        live_signatures = db.session.scalar(select(func.count()).select_from(SignOff).where(SignOff.voided_at.is_(None)))
        chain = audit.verify_chain()
        integrity = verify_all(limit=1000)
    duplicates = (len(signed) - len(set(signed))) + sum(n - 1 for _, n in per_evidence)
    lost = {
        "evidence": len(ledger.evidence - set(evidence)),
        "requests": len(ledger.requests - set(request_status)),
        "sign-offs": len(ledger.signoffs - set(signed)),
        "returns": sum(request_status.get(r) != "returned" for r in ledger.returns),
        "edits": sum(evidence.get(e) != title for e, title in ledger.edits.items()),
        "new versions": sum(supersedes.get(old) != new for old, new in ledger.versions.items()),
    }
    stored = (
        len(ledger.evidence & set(evidence))
        + len(ledger.requests & set(request_status))
        + len(set(signed))
        + sum(request_status.get(r) == "returned" for r in ledger.returns)
        + sum(evidence.get(e) == title for e, title in ledger.edits.items())
        + sum(supersedes.get(old) == new for old, new in ledger.versions.items())
    )
    return {
        "stored": stored,
        "lost": sum(lost.values()),
        "lost_by_kind": lost,
        "duplicates": duplicates,
        "chain": chain,
        "integrity": integrity,
        "live_signatures": live_signatures,
        "unseen": sum("no longer matches what was signed" in p.detail for p in integrity.problems),
        "evidence": len(evidence),
        "requests": len(request_status),
        "signed": len(set(signed)),
        "returned": sum(s == "returned" for s in request_status.values()),
        "versions": len(supersedes),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=40.0, help="how long trainees keep logging (default 40)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--trainees", type=int, default=6)
    parser.add_argument("--supervisors", type=int, default=3)
    parser.add_argument("--entries", type=int, default=30, help="at most this many entries per trainee (default 30)")
    parser.add_argument("--port", type=int, default=5081, help="gunicorn's port on 127.0.0.1 (default 5081)")
    parser.add_argument("--pg-port", type=int, default=5085, help="port of the private PostgreSQL cluster (default 5085)")
    parser.add_argument(
        "--pg-system",
        metavar="URL",
        help="use a fresh database on this server instead of a private "
        "cluster, and restart the machine's cluster with pg_ctlcluster (disturbs its other users)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, logs) afterwards")
    args = parser.parse_args(argv)
    for port in [args.port] + ([args.pg_port] if args.engine == "postgresql" and not args.pg_system else []):
        if not port_is_free(port):
            parser.error(f"port {port} is in use; choose another with --port/--pg-port")

    def log(message: str) -> None:
        print(message, flush=True)

    work = Path(tempfile.mkdtemp(prefix="load-faults-"))
    database = server = None
    try:
        if args.engine == "sqlite":
            database = sqlite_database(work)
        elif args.pg_system:
            database = system_postgres(args.pg_system, f"portal_faults_{int(time.time())}")
        else:
            database = private_postgres(work, args.pg_port)
        env = app_environment(work, database.url)
        log(f"Fresh {args.engine} database in {work}; migrating and loading demo data…")
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        import os

        os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "PORTAL_INSTANCE_PATH", "PUBLIC_BASE_URL")})
        from trainee_portal import create_app

        app = create_app()
        accounts = create_load_accounts(app, args.trainees, args.supervisors)
        server = Gunicorn(env, args.port, args.workers, work / "gunicorn.log")
        log(
            f"gunicorn with {args.workers} workers on 127.0.0.1:{args.port}; {args.trainees} trainees and "
            f"{args.supervisors} supervisors for {args.seconds:.0f}s"
        )

        ledger = Ledger()
        start = time.monotonic()
        deadline = start + args.seconds
        done = threading.Event()
        trainees = [
            threading.Thread(
                target=trainee,
                args=(Browser(args.port, ledger.saw), email, accounts.supervisor_of[uid], ledger, deadline, args.entries),
            )
            for uid, email in accounts.trainees
        ]
        supervisors = [
            threading.Thread(target=supervisor, args=(Browser(args.port, ledger.saw), email, ledger, deadline, done))
            for _, email in accounts.supervisors
        ]
        faults = threading.Thread(target=inject_faults, args=(server, database.restart, ledger, start, args.seconds, log))
        for thread in trainees + supervisors + [faults]:
            thread.start()
        for thread in trainees + [faults]:
            thread.join()
        done.set()
        for thread in supervisors:
            thread.join()
        log(f"  t={time.monotonic() - start:5.1f}s  load finished")

        # Recovery: with no help from us, every trainee can still read and write.
        recovered = 0
        for _, email in accounts.trainees:
            browser = Browser(args.port)
            token = browser.sign_in(email, attempts=3) and browser.token("/logbook/new")[0]
            page = browser.request("GET", "/logbook/")
            recovered += bool(token and page.status == 200)
        server.stop()
        server = None

        counts = count_database(app, accounts, ledger)
        statuses = [r.status for _, r in ledger.responses]
        server_errors = [(what, r) for what, r in ledger.responses if r.status >= 500]
        dropped = [(what, r) for what, r in ledger.responses if r.status == 0]
        outside = [(what, r) for what, r in server_errors + dropped if not in_fault_window(r, ledger.faults)]
        acknowledged = (
            len(ledger.evidence)
            + len(ledger.requests)
            + len(ledger.signoffs)
            + len(ledger.returns)
            + len(ledger.edits)
            + len(ledger.versions)
        )
        log(
            f"requests {len(statuses)}: 2xx {sum(200 <= s < 300 for s in statuses)}, 3xx {sum(300 <= s < 400 for s in statuses)}, "
            f"4xx {sum(400 <= s < 500 for s in statuses)}, 5xx {len(server_errors)}, connection dropped {len(dropped)}; "
            f"failures outside a fault window {len(outside)}"
        )
        codes: dict[str, dict[int, int]] = {}
        for what, response in ledger.responses:
            codes.setdefault(what, {}).setdefault(response.status, 0)
            codes[what][response.status] += 1
        for what in sorted(codes):
            slowest = max(r.ended - r.started for w, r in ledger.responses if w == what)
            log(
                f"  {what}: "
                + ", ".join(f"{status or 'dropped'}×{n}" for status, n in sorted(codes[what].items()))
                + f" (slowest {slowest:.2f}s)"
            )
        for what, response in outside[:10]:
            log(
                f"  outside a fault window: {what} -> {response.status or 'connection dropped'} at t={response.started - start:.1f}s"
            )
        log(
            f"acknowledged: {len(ledger.evidence)} evidence, {len(ledger.requests)} sign-off requests, {len(ledger.signoffs)} sign-offs, "
            f"{len(ledger.returns)} returns, {len(ledger.edits)} edited entries, {len(ledger.versions)} new versions; "
            f"in the database: {counts['evidence']}, {counts['requests']}, {counts['signed']}, {counts['returned']}, "
            f"{len(ledger.edits) - counts['lost_by_kind']['edits']}, {counts['versions']}"
        )
        lost_kinds = ", ".join(f"{kind} {n}" for kind, n in counts["lost_by_kind"].items() if n)
        if lost_kinds:
            log(f"LOST: {lost_kinds}")
        report = counts["integrity"]
        log(
            f"signatures: {counts['live_signatures']} live, each checked against the content it covers and the audit log "
            f"(verify-audit's full check): " + ("all verify" if report.ok else f"{report.problem_count} PROBLEMS")
        )
        for problem in report.problems[:10]:
            log(f"  {problem}")
        log(
            f"faults: {', '.join(what for what, _, _ in ledger.faults) or 'none'}; recovered afterwards: "
            f"{recovered}/{len(accounts.trainees)} trainees; audit chain "
            f"{'verified (' + str(counts['chain'].checked) + ' records)' if counts['chain'].ok else 'BROKEN: ' + counts['chain'].reason}"
        )
        log(
            f"writes acknowledged {acknowledged}, stored {counts['stored']}, lost {counts['lost']}, "
            f"duplicate sign-offs {counts['duplicates']}, signatures over unseen content "
            f"{counts['unseen']}, 5xx {len(server_errors)}"
        )
        healthy = (
            counts["lost"] == 0
            and counts["duplicates"] == 0
            and not outside
            and counts["chain"].ok
            and counts["integrity"].ok
            and recovered == len(accounts.trainees)
            and acknowledged > 0
        )
        return 0 if healthy else 1
    finally:
        if server is not None:
            server.stop()
        if database is not None:
            try:
                from trainee_portal.extensions import db

                db.engine.dispose() if "app" in locals() and app else None
            except Exception:  # noqa: BLE001 (best effort while tearing down)
                pass
            database.stop()
        if args.keep:
            print(f"(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
