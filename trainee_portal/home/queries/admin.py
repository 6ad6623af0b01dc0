"""The administrator's home."""

from __future__ import annotations


def admin_home(user) -> dict:
    return {}
