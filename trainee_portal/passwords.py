"""Password hashing (werkzeug's scrypt) and the rules a new password must meet."""
from __future__ import annotations

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# Passwords of twelve or more characters that still head public breach lists.
COMMON_PASSWORDS = frozenset("""
123456789012 1234567890123 12345678901234 123456789123 1234567891011 111111111111 000000000000
password1234 password12345 password123456 passwordpassword qwertyuiop12 qwertyuiopas qwertyuiop123
qwerty123456 iloveyou1234 welcome12345 letmein12345 abcdefghijkl abc123456789 1q2w3e4r5t6y
1qaz2wsx3edc zaq12wsxcde3 administrator trustno112345 princess1234 sunshine1234 football1234
baseball1234 superman1234 starwars1234 changeme1234 monkey123456 dragon123456 master123456
p@ssw0rd1234 passw0rd1234 password1! password123! qwertyqwerty asdfghjkl123 asdfasdfasdf
""".split())


def _guessable(password: str, email: str, name: str) -> bool:
    """zxcvbn (with its shipped lists of tens of thousands of leaked passwords, names and words) rates it weak."""
    from zxcvbn import zxcvbn
    hints = [part for part in [email, *email.split("@"), *name.replace(".", " ").split()] if part] + ["pain", "portal", "medicine"]
    return zxcvbn(password[:100], user_inputs=hints)["score"] < 3


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return check_password_hash(password_hash, password)
    except (ValueError, TypeError):
        return False


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Every reason a proposed password is refused, in plain words."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    problems = []
    if len(password) < minimum:
        problems.append(f"Use at least {minimum} characters.")
    if len(password) > 256:
        problems.append("Use at most 256 characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2 or _guessable(password, email, name):
        problems.append("This password is too common or too easy to guess. Choose another.")
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append("Do not use your email address in your password.")
    return problems
