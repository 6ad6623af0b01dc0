"""Helpers for the account tests: a password change through the real form."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def change_password(client, new: str, confirm: str | None = None, current: str = TEST_PASSWORD):
    """Post the change-password form (confirming `new` unless `confirm` says otherwise); returns the response."""
    data = {"current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm}
    return client.post("/account/password", data=data)
