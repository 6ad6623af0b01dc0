"""The registry of send-time body renderers: features fill it at import, the sender asks it by category."""

from __future__ import annotations

from datetime import datetime

import pytest

from trainee_portal.auth import reset
from trainee_portal.models import OutboxMessage
from trainee_portal.notifications import renderers
from trainee_portal.signoff import links


def test_the_features_register_their_one_time_link_renderers(app):
    assert renderers.renderer_for("signoff.assessor_link") is links.prepare_link_body
    assert renderers.renderer_for(reset.CATEGORY) is reset.prepare_reset_body
    assert renderers.renderer_for("signoff.assessor") is None  # a prefix matches whole dotted parts only
    assert renderers.renderer_for("signoff.decided") is None


def test_the_longest_registered_prefix_renders_and_other_bodies_go_as_stored(monkeypatch):
    monkeypatch.setattr(renderers, "RENDERERS", {})
    renderers.register_renderer("demo", lambda message, now: "any demo")
    renderers.register_renderer("demo.special", lambda message, now: None)
    now = datetime(2026, 1, 1)
    assert renderers.render_body(OutboxMessage(category="demo.plain", body="stored"), now) == "any demo"
    assert renderers.render_body(OutboxMessage(category="demo.special.one", body="stored"), now) is None
    assert renderers.render_body(OutboxMessage(category="other", body="stored"), now) == "stored"


def test_a_category_has_one_renderer(monkeypatch):
    monkeypatch.setattr(renderers, "RENDERERS", {})

    def render(message, now):
        return message.body

    renderers.register_renderer("demo", render)
    renderers.register_renderer("demo", render)  # importing a module twice registers the same function again
    with pytest.raises(ValueError):
        renderers.register_renderer("demo", lambda message, now: "")
