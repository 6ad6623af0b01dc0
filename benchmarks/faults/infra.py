"""The moving parts the fault run needs: a throwaway database (SQLite file or a private PostgreSQL cluster), the load
accounts, gunicorn on localhost, and a plain HTTP client that never retries a write."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEEN_HASH = re.compile(r'name="seen_hash"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="seen_hash"')
LOAD_PASSWORD = "load-with-faults-password"


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_for_port(port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not port_is_free(port):
            return True
        time.sleep(0.1)
    return False


# --- databases ----------------------------------------------------------------------------------


@dataclass
class Database:
    url: str
    restart: callable | None = None  # restarts the server in place; None for SQLite
    stop: callable = lambda: None


def sqlite_database(work: Path) -> Database:
    return Database(url=f"sqlite:///{work / 'portal.sqlite3'}")


def _pg_bin(name: str) -> str:
    from trainee_portal.maintenance.backup import find_pg_tool

    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0
    )
    return str(versions[-1]) if versions else find_pg_tool(name)


def private_postgres(work: Path, port: int) -> Database:
    """A PostgreSQL cluster of our own on a spare port, so restarting it disturbs nobody else's server."""
    data = work / "pgdata"
    data.mkdir(parents=True)
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(work, "postgres")
        shutil.chown(data, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        as_postgres + [_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=100"
    pg_ctl = as_postgres + [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(work / "postgres.log"), "-w", "-t", "30"]
    subprocess.run(pg_ctl + ["-o", options, "start"], check=True, capture_output=True)
    return Database(
        url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        restart=lambda: subprocess.run(pg_ctl + ["-m", "fast", "-o", options, "restart"], check=True, capture_output=True),
        stop=lambda: subprocess.run(pg_ctl + ["-m", "immediate", "stop"], capture_output=True),
    )


def system_postgres(base_url: str, name: str) -> Database:
    """A fresh database on the machine's own cluster, restarted with pg_ctlcluster (disturbs everyone using it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from trainee_portal.settings import normalise_database_url

    url = make_url(normalise_database_url(base_url))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    version = sorted(os.listdir("/etc/postgresql"))[-1]

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Database(
        url=url.set(drivername="postgresql", database=name).render_as_string(hide_password=False),
        restart=lambda: subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True, capture_output=True
        ),
        stop=drop,
    )


# --- data ---------------------------------------------------------------------------------------


def app_environment(work: Path, database_url: str) -> dict:
    instance = work / "instance"
    instance.mkdir(exist_ok=True)
    # Every virtual user signs in from 127.0.0.1: the per-address login limit would otherwise refuse them.
    (instance / "config.py").write_text('LOGIN_RATE_LIMIT = "1000 per minute"\nLOGIN_FAILURES_PER_ADDRESS = "1000 per minute"\n')
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "load-with-faults",
        "PORTAL_INSTANCE_PATH": str(instance),
        "PUBLIC_BASE_URL": "http://127.0.0.1",
    }


def flask(env: dict, *args: str) -> None:
    result = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr[-2000:]}")


@dataclass
class Accounts:
    trainees: list[tuple[int, str]] = field(default_factory=list)  # (user id, email)
    supervisors: list[tuple[int, str]] = field(default_factory=list)
    supervisor_of: dict[int, int] = field(default_factory=dict)  # trainee id -> supervisor id


def create_load_accounts(app, trainees: int, supervisors: int) -> Accounts:
    """Trainees on the 2021 curriculum at Stage 3, each with an educational supervisor, next to the demo data."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from trainee_portal.extensions import db
    from trainee_portal.models import Region, SupervisorAssignment, TraineeProfile, User

    accounts = Accounts()
    password_hash = generate_password_hash(LOAD_PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        region = db.session.scalars(select(Region).order_by(Region.id)).first()
        # every load trainee 90 days into Stage 3 of the 2021 curriculum (and with their supervisor as long), 900 days
        # into the programme, in the first region
        stage_start = date.today() - timedelta(days=90)
        programme_start = date.today() - timedelta(days=900)
        profile = {
            "curriculum_version": "2021",
            "current_stage": "higher",
            "region_id": region.id,
            "stage_started_on": stage_start,
        }
        for j in range(supervisors):
            user = User(
                email=f"load.supervisor{j}@load.example.nhs.uk", name=f"Dr Load Supervisor {j}", password_hash=password_hash
            )
            user.set_roles(["supervisor"])
            db.session.add(user)
            db.session.flush()
            accounts.supervisors.append((user.id, user.email))
        for i in range(trainees):
            user = User(email=f"load.trainee{i}@load.example.nhs.uk", name=f"Dr Load Trainee {i}", password_hash=password_hash)
            user.set_roles(["trainee"])
            db.session.add(user)
            db.session.flush()
            db.session.add(
                TraineeProfile(user_id=user.id, gmc_number=f"{8900000 + i:07d}", programme_start=programme_start, **profile)
            )
            supervisor_id = accounts.supervisors[i % supervisors][0]
            db.session.add(
                SupervisorAssignment(supervisor_id=supervisor_id, trainee_id=user.id, kind="educational", starts_on=stage_start)
            )
            accounts.trainees.append((user.id, user.email))
            accounts.supervisor_of[user.id] = supervisor_id
        db.session.commit()
    return accounts


# --- gunicorn -----------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict, port: int, workers: int, log: Path):
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--no-control-socket",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for_port(port, 60) or not self._warm_up(port, workers):
            self.stop()
            raise SystemExit(f"gunicorn did not start serving on port {port}; see {log}")

    @staticmethod
    def _warm_up(port: int, workers: int, seconds: float = 180) -> bool:
        """Workers import the app on their first request's way in; wait until every one answers quickly."""
        import concurrent.futures

        deadline = time.monotonic() + seconds
        with concurrent.futures.ThreadPoolExecutor(workers * 2) as pool:
            while time.monotonic() < deadline:
                timings = list(pool.map(lambda _: Browser(port).request("GET", "/login"), range(workers * 2)))
                if all(r.status == 200 and r.ended - r.started < 1.0 for r in timings):
                    return True
                time.sleep(0.5)
        return False

    def workers(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill_one_worker(self) -> int:
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the master stops its own workers
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int  # 0 when the connection failed
    location: str = ""
    body: str = ""
    started: float = 0.0
    ended: float = 0.0


class Browser:
    """One signed-in person: a cookie jar and one request at a time, no automatic retries (a write is sent once)."""

    def __init__(self, port: int, on_response=None):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.on_response = on_response or (lambda method, path, response: None)  # every response, for the tally

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        body = urlencode(form, doseq=True).encode() if form is not None else None
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        conn = HTTPConnection("127.0.0.1", self.port, timeout=40)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read().decode("utf-8", "replace")
        except OSError:
            response = Response(0, started=started, ended=time.monotonic())
            self.on_response(method, path, response)
            return response
        finally:
            conn.close()
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        response = Response(raw.status, urlsplit(raw.getheader("Location") or "").path, data, started, time.monotonic())
        self.on_response(method, path, response)
        return response

    def token(self, path: str) -> tuple[str | None, Response]:
        page = self.request("GET", path)
        match = TOKEN.search(page.body) if page.status == 200 else None
        return (match.group(1) if match else None), page

    def sign_in(self, email: str, attempts: int = 20) -> bool:
        for _ in range(attempts):
            token, _page = self.token("/login")
            if token:
                response = self.request("POST", "/login", {"email": email, "password": LOAD_PASSWORD, "csrf_token": token})
                if response.status == 302:
                    return True
            time.sleep(0.5)
        return False
