"""Counts in words: the noun agrees with the number, in Python and through the `plural` Jinja filter; a label placed
after a colon reads on mid-sentence (`mid_sentence`)."""

from __future__ import annotations

import pytest
from flask import render_template_string

from trainee_portal.platform.words import mid_sentence, plural


@pytest.mark.parametrize(
    ("count", "args", "expected"),
    [
        (0, ("attempt",), "0 attempts"),
        (1, ("attempt",), "1 attempt"),
        (2, ("attempt",), "2 attempts"),
        (1, ("entry", "entries"), "1 entry"),
        (3, ("entry", "entries"), "3 entries"),
        (1, ("outside assessor's signature", "outside assessors' signatures"), "1 outside assessor's signature"),
        (2, ("outside assessor's signature", "outside assessors' signatures"), "2 outside assessors' signatures"),
    ],
)
def test_the_noun_agrees_with_the_count(count, args, expected):
    assert plural(count, *args) == expected


def test_the_noun_alone():
    assert plural(1, "row", number=False) == "row" and plural(1000, "row", number=False) == "rows"


@pytest.mark.parametrize(("count", "expected"), [(1, "1 sign-off waiting"), (2, "2 sign-offs waiting")])
def test_the_jinja_filter(app, count, expected):
    with app.test_request_context():
        assert render_template_string('{{ n | plural("sign-off") }} waiting', n=count) == expected


def test_the_sign_off_queue_counts_in_words(client, login):
    from tests.factories import SupervisorFactory

    login(SupervisorFactory())
    page = client.get("/signoff/").get_data(as_text=True)
    assert "0 requests waiting for you" in page


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("The programme's own suggestion (no published source)", "the programme's own suggestion (no published source)"),
        ("National rule [PROV-ORG]", "national rule [PROV-ORG]"),
        ("FPM curriculum", "FPM curriculum"),
        ("RCoA", "RCoA"),
        ("", ""),
    ],
)
def test_a_label_after_a_colon_reads_on_and_keeps_the_capitals_of_names(label, expected):
    assert mid_sentence(label) == expected


def test_the_thresholds_on_the_homes_read_on_after_their_colon(client, login):
    from tests.factories import DirectorFactory

    login(DirectorFactory())
    page = client.get("/").get_data(as_text=True).replace("&#39;", "'")
    assert "Where these thresholds come from: the programme's own suggestion" in page
