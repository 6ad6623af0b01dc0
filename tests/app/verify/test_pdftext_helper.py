"""The tests' PDF text reader takes a stream's bytes by its /Length: compressed data that ends in a CR (about one
stream in 256, as its checksum's last byte falls) is read whole, not cut where a CR LF before `endstream` would be."""

from __future__ import annotations

import zlib

from tests.support.pdftext import _stream


def test_a_stream_whose_compressed_bytes_end_in_a_cr_is_read_whole():
    # The checksum's last byte is the bytes' sum plus one, mod 256: one more "!" (33) moves it through every value.
    texts = (b"BT (Signed in time" + b"!" * n + b") Tj ET" for n in range(256))
    content = next(text for text in texts if zlib.compress(text)[-1] == ord("\r"))
    data = zlib.compress(content)
    body = b"<</Filter /FlateDecode /Length " + str(len(data)).encode() + b">>\nstream\n" + data + b"\nendstream\n"
    assert _stream(body) == content
    assert _stream(b"<</Length 5>>\nstream\nabcde\r\nendstream\n") == b"abcde"  # a CR LF before endstream
