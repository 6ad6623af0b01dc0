"""A logbook import in a browser: a 50,000-row CSV uploaded from the import page, its progress page while it waits
for the worker, the worker (a real consumer of the SQLite queue) importing every row, the result, and the same file
uploaded again refused as a duplicate naming the earlier import; every page passes axe-core at both widths."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import TEST_PASSWORD
from tests.support import clock

ROWS = 50_000
EMAIL = "import.journey@example.org"
HEADER = "date,type,title,competencies,setting,hospital,supervision_level,technique,guidance,notes,reflection\n"


def _logbook_csv() -> bytes:
    lines = [HEADER]
    for n in range(ROWS):
        day = (clock.today() - timedelta(days=n % 700 + 1)).isoformat()
        lines.append(f"{day},logbook.clinic,Clinic {n},S3_PM_01,outpatient,Salford Royal,2b,,,Clinic notes {n},\n")
    return "".join(lines).encode()


def _trainee(app) -> None:
    from tests.factories import TraineeFactory

    with app.app_context():
        TraineeFactory(email=EMAIL, name="Dr Import Journey")


def _upload(tab, data: bytes) -> None:
    tab.page.get_by_label("CSV file").set_input_files({"name": "logbook.csv", "mimeType": "text/csv", "buffer": data})
    tab.page.get_by_role("button", name="Upload and import").click()
    tab.page.wait_for_load_state("load")


def test_trainee_imports_fifty_thousand_rows_and_the_same_file_again_is_refused(browsing, live_server):
    from trainee_portal.platform import tasks

    _trainee(live_server.app)
    data = _logbook_csv()
    consumer = tasks.consumer(live_server.app)  # the worker, started once the waiting page is checked
    tab = browsing.open("trainee (import)")
    tab.goto("/login")
    tab.page.get_by_label("Email address").fill(EMAIL)
    tab.page.get_by_label("Password").fill(TEST_PASSWORD)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_load_state("load")
    try:
        tab.goto("/imports/new")
        tab.check("import page")
        _upload(tab, data)
        assert tab.path.startswith("/imports/"), tab.path
        assert "Waiting for the worker to start this import." in tab.page.locator("main").inner_text()
        tab.check("import waiting for the worker")

        consumer.start()
        tab.page.get_by_text(f"{ROWS:,} imported", exact=True).wait_for(timeout=240_000)  # the page follows the job by itself
        main = tab.page.locator("main").inner_text()
        assert "Import finished" in main and "0 already imported (skipped), 0 rejected" in main
        tab.check("import finished")

        tab.goto("/imports/new")
        tab.expect_refusal(400)
        _upload(tab, data)
        summary = tab.page.locator(".nhsuk-error-summary").inner_text()
        assert "This file was not imported" in summary and "You imported this file on" in summary
        assert f"({ROWS:,} entries imported, 0 already in your logbook, 0 rejected)" in summary
        tab.check("same file refused")
    finally:
        if consumer.scheduler.is_alive():
            consumer.stop(graceful=True)
