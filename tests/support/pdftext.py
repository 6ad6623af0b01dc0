"""The text of a PDF the portal wrote (fpdf2 with embedded TrueType fonts), for tests: each font's ToUnicode map turns
the glyph codes in the page streams back into characters. Enough for fpdf2's own output, not a general PDF reader."""

from __future__ import annotations

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
STREAM = re.compile(rb"stream\r?\n", re.S)
LENGTH = re.compile(rb"/Length\s+(\d+)")
FONT_RESOURCE = re.compile(rb"/(F\d+)\s+(\d+) 0 R")
TO_UNICODE = re.compile(rb"/ToUnicode\s+(\d+) 0 R")
CMAP_PAIR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")
TOKEN = re.compile(rb"/(F\d+)\s+[\d.]+\s+Tf|\((?:\\.|[^\\)])*\)|\bBT\b", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _stream(body: bytes) -> bytes:
    """The stream's bytes, /Length of them after the `stream` line: its data may itself end in a CR (or hold
    "endstream"), so the end is never looked for in the data."""
    found = STREAM.search(body)
    length = LENGTH.search(body[: found.start()]) if found else None
    if not (found and length):
        return b""
    data = body[found.end() : found.end() + int(length.group(1))]
    if b"/FlateDecode" in body[: found.start()]:
        try:
            return zlib.decompress(data)
        except zlib.error:
            return b""
    return data


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        byte = literal[i : i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = literal[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            i += 1 + len(octal.group(0))
        else:
            out += ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The document's text in page order; text objects on separate lines."""
    objects = {int(number): body for number, body in OBJECT.findall(data)}
    cmaps: dict[int, dict[int, str]] = {}
    for number, body in objects.items():
        to_unicode = TO_UNICODE.search(body)
        if to_unicode and b"/Font" in body:
            pairs = CMAP_PAIR.findall(_stream(objects.get(int(to_unicode.group(1)), b"")))
            cmaps[number] = {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs}
    fonts = {name.decode(): cmaps.get(int(number), {}) for name, number in FONT_RESOURCE.findall(data)}
    pieces: list[str] = []
    for body in objects.values():
        if b"/Font" in body or b"/Subtype /Image" in body or b"/FontFile2" in body:
            continue
        content = _stream(body)
        if b"Tj" not in content and b"TJ" not in content:
            continue
        cmap: dict[int, str] = {}
        for match in TOKEN.finditer(content):
            token = match.group(0)
            if match.group(1):
                cmap = fonts.get(match.group(1).decode(), {})
            elif token == b"BT":
                pieces.append("\n")
            else:
                raw = _unescape(token[1:-1])
                pieces.append("".join(cmap.get(int.from_bytes(raw[i : i + 2], "big"), "?") for i in range(0, len(raw) - 1, 2)))
    return "".join(pieces)


def flat_text(data: bytes) -> str:
    """pdf_text with every run of white space (line breaks included) as one space: for phrases that wrap."""
    return " ".join(pdf_text(data).split())
