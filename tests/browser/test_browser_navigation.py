"""Every page in each role's header navigation passes axe-core at desktop and phone widths and fits a 360 px screen,
so pages beyond the journeys (exams, ARCP outcomes, exam pipeline, administration) are held to the same bar."""

from __future__ import annotations

import pytest

# The director's pages are the administrator's, scoped to their regions, and the journeys already check them.
ROLES = ["trainee", "supervisor", "admin"]


@pytest.mark.parametrize("who", ROLES)
def test_every_navigation_page_is_accessible_and_fits_a_phone(browsing, who):
    tab = browsing.sign_in(who)
    links = tab.page.eval_on_selector_all(
        "a.nhsuk-header__navigation-link", "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    pages = list(dict((href, text) for text, href in links if href != "/").items())
    assert pages, f"{who} has no navigation beyond the home page"
    for href, text in pages:
        tab.goto(href)
        tab.check(f"{text} ({who})")
