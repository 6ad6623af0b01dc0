"""Counts in words: "1 sign-off", "2 sign-offs", "0 attempts". The `plural` Jinja filter and its Python twin."""

from __future__ import annotations

from flask import Flask


def plural(count: int, singular: str, plural_form: str | None = None, *, number: bool = True) -> str:
    """The count and the noun that agrees with it: plural(1, "attempt") is "1 attempt", plural(2, "entry",
    "entries") is "2 entries". number=False gives the noun alone ("entry" or "entries")."""
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {noun}" if number else noun


def init_app(app: Flask) -> None:
    app.jinja_env.filters["plural"] = plural
