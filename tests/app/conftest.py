"""Fixtures any app test may name without importing them."""

from tests.support.mail import smtp  # noqa: F401 (a fixture, kept beside the mail sink it yields; pytest finds it here)
