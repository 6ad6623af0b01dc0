"""Counts in words: "1 sign-off", "2 sign-offs", "0 attempts". The `plural` Jinja filter and its Python twin; and
`mid_sentence`, for a label that starts a sentence of its own placed after a colon."""

from __future__ import annotations

from flask import Flask


def plural(count: int, singular: str, plural_form: str | None = None, *, number: bool = True) -> str:
    """The count and the noun that agrees with it: plural(1, "attempt") is "1 attempt", plural(2, "entry",
    "entries") is "2 entries". number=False gives the noun alone ("entry" or "entries")."""
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {noun}" if number else noun


def mid_sentence(text: str) -> str:
    """The text as it reads after a colon: "The programme's own suggestion" becomes "the programme's own suggestion",
    while a name or an abbreviation keeps its capitals ("FPM curriculum", "RCoA")."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def init_app(app: Flask) -> None:
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["mid_sentence"] = mid_sentence
