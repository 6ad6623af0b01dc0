"""Markup in tests: two renders of one page compared, and template source rendered as a page renders it."""

from __future__ import annotations

import re

COUNTDOWN = re.compile(r'data-seconds-left="\d+"')


def without_countdown(page: str) -> str:
    """The page without the session's countdown (auth/_timeout_warning.html), which passes a second now and then
    between two requests: what is left must be the same markup when nothing else changed."""
    return COUNTDOWN.sub("", page)


def rendered(app, source: str) -> str:
    """Template source rendered with the app's templates and filters inside a request (as a page's macros are)."""
    template = app.jinja_env.from_string(source)
    with app.test_request_context():
        return template.render()
