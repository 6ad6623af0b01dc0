"""Password hashing (werkzeug's scrypt) and the rules a new password must meet."""

from __future__ import annotations

import re
import threading

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

# Passwords of twelve or more characters that still head public breach lists.
COMMON_PASSWORDS = frozenset(
    """
123456789012 1234567890123 12345678901234 123456789123 1234567891011 111111111111 000000000000
password1234 password12345 password123456 passwordpassword qwertyuiop12 qwertyuiopas qwertyuiop123
qwerty123456 iloveyou1234 welcome12345 letmein12345 abcdefghijkl abc123456789 1q2w3e4r5t6y
1qaz2wsx3edc zaq12wsxcde3 administrator trustno112345 princess1234 sunshine1234 football1234
baseball1234 superman1234 starwars1234 changeme1234 monkey123456 dragon123456 master123456
p@ssw0rd1234 passw0rd1234 password1! password123! qwertyqwerty asdfghjkl123 asdfasdfasdf
""".split()
)


def _guessable(password: str, email: str, name: str) -> bool:
    """zxcvbn (with its shipped lists of tens of thousands of leaked passwords, names and words) rates it weak."""
    hints = [part for part in [email, *email.split("@"), *name.replace(".", " ").split()] if part] + [
        "pain",
        "portal",
        "medicine",
    ]
    from zxcvbn import zxcvbn  # only where used: test_worker_imports

    return zxcvbn(password[:100], user_inputs=hints)["score"] < 3


# Digits and symbols people use for letters; each maps one character to one, so positions line up.
LEETSPEAK = (str.maketrans("013457@$!|", "oieastasii"), str.maketrans("013457@$!|", "oleastasll"))
TITLES = frozenset("dr mr mrs ms miss mx prof professor sir dame".split())


def personal_words(email: str, name: str) -> set[str]:
    """The user's name parts and the words of their email address, three letters or longer, case-folded."""
    local, _, domain = (email or "").casefold().partition("@")
    words = re.findall(r"[^\W\d_]{3,}", (name or "").casefold()) + re.findall(r"[^\W\d_]{3,}", local)
    words += [label for label in domain.split(".")[:-1] if len(label) >= 3]
    return {word for word in words if word not in TITLES}


def built_from(password: str, words: set[str]) -> bool:
    """True when the password is personal words with only digits, spaces or symbols added ("Priya2026!",
    "Sharma1985Sharma", "pr1ya.sharma"): nothing of its own remains once they are taken out."""
    lowered = password.casefold()
    covered = [False] * len(lowered)
    for plain in (lowered, *(lowered.translate(table) for table in LEETSPEAK)):
        for word in words:
            for match in re.finditer(re.escape(word), plain):
                covered[match.start() : match.end()] = [True] * len(word)
    rest = "".join(ch for ch, hit in zip(lowered, covered) if not hit)
    return any(covered) and not any(ch.isalpha() for ch in rest)


# One slow hash at a time in a worker process. Each scrypt takes 128·N·r bytes, 32 MiB at werkzeug's N = 2^15 and
# r = 8, for its 50 ms or so: a worker's threads all signing in at once (the sign-in form is open to anyone) would
# hold that many times 32 MiB; queued, they hold one, and the others wait a few tens of milliseconds.
_SLOW_HASH = threading.Lock()


def hash_password(password: str) -> str:
    with _SLOW_HASH:
        return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _SLOW_HASH:
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
    if built_from(password, personal_words(email, name)):
        problems.append(
            "Do not build your password from your name or email address (such as your name and a "
            "year). Choose words that have nothing to do with you."
        )
    local_part = email.split("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        problems.append("Do not use your email address in your password.")
    return problems
