"""A worker loads what its pages use: the PDF builder (fpdf2), the spreadsheet writer (openpyxl), the password
strength check (zxcvbn, with its word lists) and the task queue (Huey, with the Redis client) stay out of a worker
until a request needs them, which holds the national benchmark's peak worker memory down (about 60 MiB of the first
three, 18 MiB of Huey). Run in a fresh interpreter, as gunicorn starts a worker; the same run then asks for a PDF and
opens the queue, and shows each does load when used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_PASSWORD
from tests.factories import DirectorFactory, RegionFactory, TraineeFactory, direct
from trainee_portal.extensions import db

LAZY = ("fpdf", "openpyxl", "zxcvbn", "huey")
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from tests.conftest import make_test_config
from trainee_portal import create_app

url, instance, password, trainee, director, lazy = sys.argv[1:7]
lazy = lazy.split(",")
app = create_app(make_test_config(url, __import__("pathlib").Path(instance)))
loaded = {"app": [m for m in lazy if m in sys.modules]}
statuses = {}
for email, paths in ((trainee, ["/", "/logbook/", "/exams/"]), (director, ["/cohort", "/exams/pipeline"])):
    client = app.test_client()
    statuses[email + " /login"] = client.post("/login", data={"email": email, "password": password}).status_code
    for path in paths:
        statuses[email + " " + path] = client.get(path).status_code
loaded["pages"] = [m for m in lazy if m in sys.modules]
client = app.test_client()
client.post("/login", data={"email": trainee, "password": password})
statuses["portfolio"] = client.get("/logbook/portfolio.pdf").status_code
loaded["pdf"] = [m for m in lazy if m in sys.modules]
from trainee_portal.platform import tasks
with app.app_context():
    tasks.queue(app)
loaded["queue"] = [m for m in lazy if m in sys.modules]
print(json.dumps({"loaded": loaded, "statuses": statuses}))
"""


def test_pages_load_no_pdf_spreadsheet_or_password_library_until_one_is_used(app, database_url, instance_dir):
    region = RegionFactory()
    trainee = TraineeFactory(profile__region=region)
    director = DirectorFactory()
    direct(director, region=region)
    db.session.commit()
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            database_url,
            str(instance_dir),
            TEST_PASSWORD,
            trainee.email,
            director.email,
            ",".join(LAZY),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert all(status == 200 for key, status in result["statuses"].items() if not key.endswith("/login")), result["statuses"]
    assert all(status == 302 for key, status in result["statuses"].items() if key.endswith("/login")), result
    assert result["loaded"]["app"] == [] and result["loaded"]["pages"] == [], result["loaded"]
    assert "fpdf" in result["loaded"]["pdf"] and "huey" not in result["loaded"]["pdf"], result["loaded"]  # asked for, it loads
    assert "huey" in result["loaded"]["queue"], result["loaded"]
