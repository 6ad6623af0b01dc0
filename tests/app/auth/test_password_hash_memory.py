"""Password and PIN hashes (werkzeug's scrypt, 32 MiB each while it runs) are worked out one at a time in a worker
process: threads signing in at once queue for it rather than each holding its own 32 MiB, so what anyone can send
to the open sign-in form cannot multiply a worker's memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from trainee_portal.platform import passwords

ROOT = Path(__file__).resolve().parents[3]


def test_threads_hashing_at_once_take_turns(app, monkeypatch):
    running, most = 0, 0
    counting = threading.Lock()

    def slow_check(_hash, _password):
        nonlocal running, most
        with counting:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with counting:
            running -= 1
        return True

    monkeypatch.setattr(passwords, "check_password_hash", slow_check)
    with app.app_context():
        threads = [threading.Thread(target=passwords.verify_password, args=("hash", "password")) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most == 1


def test_six_sign_ins_at_once_hold_one_scrypt_of_memory():
    """A fresh interpreter (its peak resident memory, VmHWM, is its own): six threads check a real scrypt hash at
    once; the peak grows by about one scrypt's 32 MiB, not six."""
    script = textwrap.dedent(
        """
        import threading
        from flask import Flask
        from werkzeug.security import generate_password_hash
        from trainee_portal.platform.passwords import hash_password, verify_password

        def peak():
            status = open("/proc/self/status").read()
            return int(status.split("VmHWM:")[1].split()[0]) / 1024

        stored = generate_password_hash("a long demo password", method="scrypt")  # before the baseline
        app = Flask("hashing")
        app.config["PASSWORD_HASH_METHOD"] = "scrypt"
        before = peak()
        with app.app_context():
            threads = [threading.Thread(target=verify_password, args=(stored, "a wrong guess")) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            hash_password("another long password")
        print(peak() - before)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    grown = float(run.stdout.strip().splitlines()[-1])
    assert grown < 60, f"the peak grew by {grown:.0f} MiB: more than one scrypt ran at once"
