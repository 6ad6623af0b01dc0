"""Email bodies finished at send time (a one-time link minted just before the email goes), by message category.

The features that queue such emails register a renderer here when they are imported, so the sender imports no
feature: `register_renderer("signoff.assessor_link", prepare_link_body)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from trainee_portal.models import OutboxMessage

# A renderer returns the body to send, or None when the email must not go (its request or link is gone).
Renderer = Callable[[OutboxMessage, datetime], str | None]

RENDERERS: dict[str, Renderer] = {}


def register_renderer(category_prefix: str, render: Renderer) -> None:
    """Finish the bodies of messages whose category is `category_prefix` or starts with it and a dot."""
    known = RENDERERS.get(category_prefix)
    if known is not None and known is not render:
        raise ValueError(f"a renderer for {category_prefix!r} is already registered")
    RENDERERS[category_prefix] = render


def renderer_for(category: str) -> Renderer | None:
    """The renderer registered for the longest prefix of `category`, if any."""
    matches = [prefix for prefix in RENDERERS if category == prefix or category.startswith(prefix + ".")]
    return RENDERERS[max(matches, key=len)] if matches else None


def render_body(message: OutboxMessage, now: datetime) -> str | None:
    """The body to send now: the stored one, unless a renderer finishes (or withholds) it."""
    render = renderer_for(message.category or "")
    return message.body if render is None else render(message, now)
