"""Files to import and the upload as the browser sends it."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from tests.app.logbook.helpers import CLINIC, PROCEDURES
from tests.support import clock
from trainee_portal.extensions import db
from trainee_portal.models import EvidenceEntry, ImportJob

DAY = (clock.today() - timedelta(days=10)).strftime("%d/%m/%Y")
HEADER = "date,type,title,competencies,setting,hospital,supervision_level,technique,guidance,notes,reflection\n"
CLINIC_ROW = f"{DAY},Clinic,Follow-up clinic,{CLINIC},outpatient,Salford Royal,2b,,,Reviewed pacing plan,\n"
DOPS_ROW = (
    f"{DAY},DOPS,Lumbar medial branch block,{PROCEDURES},theatre,Salford Royal,2a,Medial branch block,X-ray (fluoroscopy),,\n"
)
REFLECTION_ROW = f"{DAY},reflection,On breaking bad news,S3_PM_02,,,,,,,I would pause sooner next time\n"


def clinic_rows(count: int, start: int = 0) -> str:
    return "".join(
        f"{(clock.today() - timedelta(days=n % 700 + 1)).isoformat()},logbook.clinic,Clinic {n},{CLINIC},outpatient,,2b,,,,\n"
        for n in range(start, start + count)
    )


def upload(client, text: str | bytes, name: str = "logbook.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/imports/new", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def entries(trainee) -> int:
    return db.session.scalar(select(func.count()).select_from(EvidenceEntry).where(EvidenceEntry.trainee_id == trainee.id))


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)
