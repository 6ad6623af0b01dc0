"""The training director's home."""

from __future__ import annotations


def director_home(user) -> dict:
    return {}
