"""A spreadsheet from another portfolio in a browser: chosen on the import page, its columns shown with sample values
and the fields guessed from their headers, one corrected by hand, checked (nothing saved, the rejected row named by
its column), then imported by the worker; every page passes axe-core at 1280 and 360 px."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import TEST_PASSWORD
from tests.support import clock

EMAIL = "mapping.journey@example.org"


def _sheet() -> bytes:
    day = (clock.today() - timedelta(days=12)).strftime("%d/%m/%Y")
    return (
        "When,Kind,Title,Competency codes,Site,Supervised,Free comments\n"
        f"{day},Clinic,New patient clinic,S3_PM_01,Salford Royal,2b,Saw a new referral\n"
        f"{day},Ward round,Acute pain round,S3_PM_01,Salford Royal,2a,Reviewed epidurals\n"
        f"{day},Juggling,Something else,S3_PM_01,Salford Royal,2b,\n"
    ).encode()


def test_trainee_maps_checks_and_imports_a_spreadsheet(browsing, live_server):
    from tests.factories import TraineeFactory
    from trainee_portal.platform import tasks

    with live_server.app.app_context():
        TraineeFactory(email=EMAIL, name="Dr Mapping Journey")
    consumer = tasks.consumer(live_server.app)
    tab = browsing.open("trainee (mapping)")
    tab.goto("/login")
    tab.page.get_by_label("Email address").fill(EMAIL)
    tab.page.get_by_label("Password").fill(TEST_PASSWORD)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_load_state("load")
    try:
        tab.goto("/imports/new")
        tab.check("import page with its formats")
        tab.page.get_by_label("Another spreadsheet (CSV or Excel .xlsx)").check()
        tab.page.get_by_label("CSV file or spreadsheet").set_input_files(
            {"name": "my-portfolio.csv", "mimeType": "text/csv", "buffer": _sheet()}
        )
        tab.page.get_by_role("button", name="Upload and import").click()
        tab.page.wait_for_load_state("load")
        assert tab.path.startswith("/imports/map/"), tab.path
        main = tab.page.locator("main")
        assert "New patient clinic" in main.inner_text() and "Salford Royal" in main.inner_text()
        assert tab.page.get_by_label("Logbook field for the column When").input_value() == "date"
        assert tab.page.get_by_label("Logbook field for the column Free comments").input_value() == ""
        tab.check("mapping page")

        tab.page.get_by_label("Logbook field for the column Free comments").select_option("notes")
        tab.page.get_by_role("button", name="Check").click()
        tab.page.wait_for_load_state("load")
        text = main.inner_text()
        assert "2 would be imported" in text and "1 rejected" in text and "Nothing was saved" in text
        assert "“Juggling” is not a value this field allows" in text
        assert tab.page.get_by_label("Logbook field for the column Free comments").input_value() == "notes"
        tab.check("mapping page checked")

        consumer.start()
        tab.page.get_by_role("button", name="Import", exact=True).click()
        tab.page.get_by_text("2 imported", exact=True).wait_for(timeout=60_000)
        assert "1 rejected" in main.inner_text()
        tab.check("mapped import finished")
        tab.goto("/logbook?status=draft")
        assert "New patient clinic" in main.inner_text() and "Acute pain round" in main.inner_text()
    finally:
        if consumer.scheduler.is_alive():
            consumer.stop(graceful=True)
