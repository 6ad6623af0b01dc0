"""The demo Faculty Tutor (Pain), who supervises nobody, opens on the HALO request waiting for them at 1280 and 360
px and reaches the queue in one tap; axe clean, no console errors."""

from __future__ import annotations

import re


def test_faculty_tutor_home_leads_to_the_halo_waiting(browsing):
    tab = browsing.sign_in("faculty.tutor")
    page = tab.page
    tab.goto("/")
    tab.check("faculty tutor home")
    link = page.locator("main").get_by_role("link", name=re.compile(r"^1 HALO request to review"))
    assert link.is_visible()
    link.click()
    page.wait_for_load_state("load")
    assert tab.path == "/halo/"
    tab.check("HALO queue from home")
