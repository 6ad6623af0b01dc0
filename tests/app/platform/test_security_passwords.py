"""Password rules: at least 12 characters, and not a common or easily guessed password (zxcvbn's leaked-password lists)."""

from __future__ import annotations

import pytest

from trainee_portal.platform.passwords import password_problems


@pytest.mark.parametrize("password", ["short", "elevenchars"])
def test_passwords_under_twelve_characters_are_refused(app, password):
    assert "Use at least 12 characters." in password_problems(password)


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Liverpool1234",
        "iloveyou2026",
        "qwertyuiop12",
        "manchester123",
        "aaaaaaaaaaaaaa",
        "trustno1trustno1",
        "1q2w3e4r5t6y",
        "Password12345",
    ],
)
def test_common_and_guessable_passwords_are_refused(app, password):
    assert any("too common" in problem for problem in password_problems(password))


def test_passwords_built_from_the_users_own_name_are_refused(app):
    problems = password_problems("Fitzgerald2026!", email="c.fitzgerald@nhs.net", name="Dr Cara Fitzgerald")
    assert problems


@pytest.mark.parametrize("password", ["river-lantern-copper", "correct horse battery staple", "Gz7#qL0v!pR2mW"])
def test_long_unusual_passwords_are_accepted(app, password):
    assert password_problems(password, email="someone@nhs.net", name="Dr Some One") == []


PRIYA = {"email": "priya.sharma@example.org", "name": "Dr Priya Sharma"}


def _names_refused(problems):
    return any("from your name or email address" in problem for problem in problems)


@pytest.mark.parametrize(
    "password",
    [
        "Priya2026!",
        "Priya2026!!!",
        "Sharma1985Sharma",
        "SHARMA 1985 1985",
        "pr1ya.sharma1985",
        "5harma19851985",
        "Priya-Sharma-2026",
        "example2026",
        "priyasharma!!!!",
    ],
)
def test_passwords_built_from_the_users_name_or_email_are_refused_with_a_clear_message(app, password):
    assert _names_refused(password_problems(password, **PRIYA))


@pytest.mark.parametrize("password", ["correct-horse-battery-staple", "river-lantern-copper", "Priya-loves-quiet-rivers"])
def test_a_good_passphrase_passes_the_name_rule(app, password):
    assert not _names_refused(password_problems(password, **PRIYA))
    if password != "Priya-loves-quiet-rivers":
        assert password_problems(password, **PRIYA) == []


def test_the_name_rule_holds_when_changing_a_password(client, login):
    from tests.app.auth.helpers import change_password
    from tests.factories import TraineeFactory

    user = TraineeFactory(name="Dr Priya Sharma", email="priya.sharma@nhs.net")
    login(user)
    response = change_password(client, "Sharma1985Sharma")
    assert response.status_code == 400 and "from your name or email address" in response.data.decode()
