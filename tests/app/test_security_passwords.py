"""Password rules: at least 12 characters, and not a common or easily guessed password (zxcvbn's leaked-password lists)."""
from __future__ import annotations

import pytest

from trainee_portal.passwords import password_problems


@pytest.mark.parametrize("password", ["short", "elevenchars"])
def test_passwords_under_twelve_characters_are_refused(app, password):
    assert "Use at least 12 characters." in password_problems(password)


@pytest.mark.parametrize("password", [
    "password1234", "Liverpool1234", "iloveyou2026", "qwertyuiop12", "manchester123", "aaaaaaaaaaaaaa",
    "trustno1trustno1", "1q2w3e4r5t6y", "Password12345",
])
def test_common_and_guessable_passwords_are_refused(app, password):
    assert any("too common" in problem for problem in password_problems(password))


def test_passwords_built_from_the_users_own_name_are_refused(app):
    problems = password_problems("Fitzgerald2026!", email="c.fitzgerald@nhs.net", name="Dr Cara Fitzgerald")
    assert problems


@pytest.mark.parametrize("password", ["river-lantern-copper", "correct horse battery staple", "Gz7#qL0v!pR2mW"])
def test_long_unusual_passwords_are_accepted(app, password):
    assert password_problems(password, email="someone@nhs.net", name="Dr Some One") == []
