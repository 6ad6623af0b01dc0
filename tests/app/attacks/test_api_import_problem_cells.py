"""An imported file's own words come back in the problems CSV of its import: a mapped file's column is named there
as its header names it. A header such as =HYPERLINK(…) must stay text when the CSV is opened in a spreadsheet, in the
column cell as in the message cell."""

from __future__ import annotations

import csv
import io
import json

from tests.factories import TraineeFactory
from trainee_portal.extensions import db
from trainee_portal.models import ImportJob

HOSTILE = ('=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\t=1", "\r=1")


def test_every_cell_of_the_problems_csv_that_a_spreadsheet_would_run_is_kept_as_text(app, client, login):
    trainee = TraineeFactory()
    job = ImportJob(
        trainee_id=trainee.id,
        created_by_id=trainee.id,
        filename="sheet.csv",
        file_sha256="0" * 64,
        size_bytes=10,
        status="finished",
        source_format="generic",
        problems=json.dumps([[2, column, message] for column, message in zip(HOSTILE, reversed(HOSTILE))]),
    )
    db.session.add(job)
    db.session.commit()
    login(trainee)
    response = client.get(f"/imports/{job.id}/problems.csv")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True), newline="")))[1:]
    assert len(rows) == len(HOSTILE)
    for _row, column, message in rows:
        for cell in (column, message):
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell
            assert cell.lstrip("'") in HOSTILE
