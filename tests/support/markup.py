"""Comparing two renders of one page."""

from __future__ import annotations

import re

COUNTDOWN = re.compile(r'data-seconds-left="\d+"')


def without_countdown(page: str) -> str:
    """The page without the session's countdown (auth/_timeout_warning.html), which passes a second now and then
    between two requests: what is left must be the same markup when nothing else changed."""
    return COUNTDOWN.sub("", page)
