"""A small keep-alive HTTP client for localhost only: a browser's headers, cookies, CSRF tokens from forms, and raw
(still compressed) bodies, so sizes are the bytes that cross the wire."""

from __future__ import annotations

import gzip
import re
import time
import zlib
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlencode

import brotli

CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
# What a current desktop browser sends with every page request (Firefox on Linux).
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.5",
    "Accept-Encoding": "gzip, deflate, br",
}


class Client:
    def __init__(self, port: int, cookies: dict | None = None):
        self.port = port
        self.cookies: dict[str, str] = dict(cookies or {})
        self.conn = HTTPConnection("127.0.0.1", port, timeout=60)

    def request(
        self, method: str, path: str, form: dict | list | None = None, headers: dict | None = None, keep_cookies: bool = True
    ):
        """Returns (status, headers, raw body bytes, seconds). Retries once on a dropped keep-alive connection.
        `keep_cookies=False`: the cookies the answer sets are not kept (see keeps_cookies in benchmarks/run.py)."""
        body = urlencode(form, doseq=True).encode() if form is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **BROWSER_HEADERS, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders() if keep_cookies else ():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data, elapsed

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def html(self, path: str) -> bytes:
        """The page as the browser reads it (decompressed)."""
        status, headers, body, _ = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        return decoded(headers, body)

    def csrf_token(self, path: str) -> str:
        status, headers, body, _ = self.get(path)
        match = CSRF.search(decoded(headers, body))
        if not match:
            raise RuntimeError(f"no CSRF token on {path} (status {status})")
        return match.group(1).decode()

    def login(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        status, headers, body, _ = self.request("POST", "/login", {"email": email, "password": password, "csrf_token": token})
        if status != 302:
            raise RuntimeError(f"could not sign in as {email}: status {status}")

    def close(self) -> None:
        self.conn.close()


def decoded(headers: dict, body: bytes) -> bytes:
    """A body as the browser reads it, from the bytes that crossed the wire."""
    encoding = headers.get("content-encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


class FormReader(HTMLParser):
    """Reads every POST form's fields and current values, as a browser would submit them untouched."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None

    def largest(self) -> dict:
        """The page's main form: the POST form with the most fields (not the header's sign-out button)."""
        return max(self.forms, key=lambda f: len(f["fields"]) + len(f["choices"]), default={"fields": [], "choices": {}})

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action"), "fields": [], "choices": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields, choices, name = self._form["fields"], self._form["choices"], a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                choices.setdefault(name, []).append(a.get("value", "y"))
                if "checked" in a:
                    fields.append((name, a.get("value", "y")))
            elif kind not in ("submit", "file", "button"):
                fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
            choices[name] = []
        elif tag == "option" and self._select:
            choices[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            fields.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None
