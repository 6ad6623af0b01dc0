"""The identifier check measured on a second labelled sample of pain medicine notes.

Every labelled identifier must be found (with its kind), every labelled everyday date must be left alone, and
nothing else in the notes may be refused. Prints the counts and each failure (run with -s to see them).
"""

import tomllib
from datetime import date
from pathlib import Path

from competencies.identifiers import find_identifiers

SAMPLE = Path(__file__).parent / "data" / "identifier_notes_heldout.toml"
TODAY = date(2026, 12, 1)


def _spans(text: str, piece: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(piece)
    while start >= 0:
        spans.append((start, start + len(piece)))
        start = text.find(piece, start + 1)
    return spans


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def measure(notes: list[dict]) -> tuple[dict[str, int], list[str]]:
    counts = dict.fromkeys(
        ("identifiers", "found", "missed", "wrong_kind", "dates", "dates_kept", "dates_refused", "false_alarms"), 0
    )
    failures = []
    for number, note in enumerate(notes, 1):
        text = note["text"]
        findings = find_identifiers(text, today=TODAY)
        explained = set()
        for kind, piece in note["identifiers"]:
            counts["identifiers"] += 1
            (span,) = _spans(text, piece)[:1]
            hits = [i for i, f in enumerate(findings) if _overlaps(span, (f.start, f.end))]
            explained.update(hits)
            if not hits:
                counts["missed"] += 1
                failures.append(f"note {number}: missed {kind} {piece!r}\n    {text}")
            elif kind not in {findings[i].kind for i in hits}:
                counts["wrong_kind"] += 1
                got = ", ".join(f"{findings[i].kind} {findings[i].text!r}" for i in hits)
                failures.append(f"note {number}: {kind} {piece!r} refused as {got}\n    {text}")
            else:
                counts["found"] += 1
        for piece in note["dates"]:
            for span in _spans(text, piece):
                counts["dates"] += 1
                hits = [i for i, f in enumerate(findings) if _overlaps(span, (f.start, f.end))]
                if hits:
                    counts["dates_refused"] += 1
                    got = ", ".join(f"{findings[i].kind} {findings[i].text!r}" for i in hits)
                    failures.append(f"note {number}: everyday date {piece!r} refused as {got}\n    {text}")
                    explained.update(hits)
                else:
                    counts["dates_kept"] += 1
        for i, finding in enumerate(findings):
            if i not in explained:
                counts["false_alarms"] += 1
                failures.append(f"note {number}: false alarm {finding.kind} {finding.text!r}\n    {text}")
    return counts, failures


def test_heldout_sample_is_measured_without_misses_or_false_alarms():
    notes = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))["note"]
    counts, failures = measure(notes)
    print(f"\n{len(notes)} notes, {sum(1 for n in notes if not n['identifiers'])} without an identifier")
    print(", ".join(f"{name} {value}" for name, value in counts.items()))
    for failure in failures:
        print(failure)
    assert not failures
