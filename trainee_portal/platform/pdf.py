"""The one look of every PDF the portal issues (fpdf2): the DejaVu Unicode font, headings, paragraphs, tables, a footer
with page numbers, and the verification stamp.

A document someone may have to trust is issued through `trainee_portal.verify.services.issue`, which hands the
builder a `Stamp` (the document's verification code, its verify URL, when it was produced and the signed audit head
it cites). The builder makes a `Document`, calls `stamp()` on the first page and returns `finish()`:

    from trainee_portal.platform.pdf import Document
    from trainee_portal.verify import services as verify

    def build(stamp):
        # the heading, then the code, verify URL and QR code; the code in every footer; the signed head at the end
        pdf = stamped_document(f"ARCP panel pack – {trainee.name}", stamp)
        pdf.heading("Evidence at the cut-off")
        pdf.data_table(("Date", "Item"), rows, col_widths=(30, 150))
        return pdf.finish()

    export, data = verify.issue(
        kind="panel_pack", trainee_id=trainee.id, actor=current_user, covered={...}, build=build, panel_pack_id=pack.id
    )
    db.session.commit()  # the caller commits: the export row and its audit records go together or not at all

The font comes from node_modules/dejavu-fonts-ttf/ttf (scripts/install puts it there). Without it building a
document fails with FontMissing, saying so: there is no fallback to the core Latin-1 fonts, which would print
"Zoë Ó Briain – ST6" wrongly.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace

from trainee_portal.platform.stamp import Stamp

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FONT_DIR = PROJECT_ROOT / "node_modules" / "dejavu-fonts-ttf" / "ttf"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
AUTHOR = "Pain Medicine training portfolio"
HEADING_SIZES = {1: 18, 2: 14, 3: 11}
TABLE_HEADINGS = FontFace(emphasis="BOLD", fill_color=(232, 237, 238))
QR_SIZE_MM = 28


class FontMissing(RuntimeError):
    """The DejaVu font files are not where the portal expects them."""


def font_files(directory: Path | None = None) -> dict[str, Path]:
    """The font file for each style, checked to exist; FontMissing names what is missing and how to get it."""
    directory = directory or FONT_DIR
    files = {style: directory / name for style, name in FONT_FILES.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise FontMissing(
            "The DejaVu fonts for PDF documents are missing (" + ", ".join(missing) + "). Run scripts/install, "
            "which installs the npm package dejavu-fonts-ttf into node_modules."
        )
    return files


def qr_png(text: str) -> bytes:
    """A QR code of the text as PNG bytes (segno writes PNG itself)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


class Document(FPDF):
    """An A4 document in the portal's look. Write with heading(), paragraph(), small(), key_values() and data_table();
    stamp() on the first page for an issued document; finish() returns the bytes."""

    def __init__(self, title: str, *, produced_at: datetime | None = None):
        super().__init__(format="A4")
        for style, path in font_files().items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.title_text = title
        self.issued: Stamp | None = None
        self.set_title(title)
        self.set_author(AUTHOR)
        self.set_creator(AUTHOR)
        if produced_at is not None:
            self.set_creation_date(produced_at.replace(tzinfo=UTC))
        self.set_auto_page_break(True, margin=16)
        self.set_font(FONT_FAMILY, size=10)
        self.add_page()

    # --- page furniture -------------------------------------------------------------------------------------

    def footer(self):
        self.set_y(-12)
        self.set_font(FONT_FAMILY, size=8)
        parts = [self.title_text]
        if self.issued is not None:
            parts.append(f"verification code {self.issued.code}")
        parts.append(f"page {self.page_no()} of {{nb}}")
        self.cell(0, 8, " · ".join(parts), align="C")

    # --- writing --------------------------------------------------------------------------------------------

    def heading(self, text: str, level: int = 2) -> None:
        size = HEADING_SIZES.get(level, 11)
        if level > 1:
            self.ln(3 if level == 2 else 2)
        self.set_font(FONT_FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, size=10)

    def paragraph(self, text: str, size: float = 10, style: str = "") -> None:
        self.set_font(FONT_FAMILY, style, size)
        self.multi_cell(0, size * 0.55, _text(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT_FAMILY, size=10)

    def small(self, text: str) -> None:
        self.paragraph(text, size=8)

    def key_values(self, rows: Iterable[tuple[str, Any]], widths: tuple[float, float] = (50, 130)) -> None:
        """Label and value pairs, one a row, without a heading row."""
        self.set_font(FONT_FAMILY, size=9)
        with super().table(col_widths=widths, line_height=5, text_align="LEFT", first_row_as_headings=False) as table:
            for label, value in rows:
                row = table.row()
                row.cell(_text(label), style=FontFace(emphasis="BOLD"))
                row.cell(_text(value))
        self.set_font(FONT_FAMILY, size=10)

    def data_table(self, headings: Sequence[str], rows: Iterable[Sequence[Any]], col_widths: Sequence[float], size: float = 8):
        """A table with a shaded heading row; cells are any values (None prints as a dash)."""
        self.set_font(FONT_FAMILY, size=size)
        with super().table(
            col_widths=tuple(col_widths), line_height=size * 0.55, text_align="LEFT", headings_style=TABLE_HEADINGS
        ) as table:
            table.row([_text(h) for h in headings])
            for values in rows:
                table.row([_text(v) for v in values])
        self.set_font(FONT_FAMILY, size=10)

    # --- the verification stamp -----------------------------------------------------------------------------

    def stamp(self, stamp: Stamp) -> None:
        """Print the code, the verify URL and its QR code here (call it on the first page); from now on every
        footer carries the code, and finish() prints the signed audit head the document cites."""
        self.issued = stamp
        top = self.get_y()
        width = self.epw - QR_SIZE_MM - 4
        self.set_fill_color(240, 244, 245)
        self.set_font(FONT_FAMILY, "B", 11)
        self.multi_cell(width, 6, f"Verification code: {stamp.code}", new_x="LMARGIN", new_y="NEXT", fill=True)
        self.set_font(FONT_FAMILY, size=9)
        self.multi_cell(
            width,
            4.5,
            f"Anyone can check this document at {stamp.url}: the page says whose document it is and when it was "
            f"produced, and tells whether a PDF file is exactly this one. Produced "
            f"{stamp.produced_at:%d %B %Y at %H:%M} UTC.",
            new_x="LMARGIN",
            new_y="NEXT",
            fill=True,
        )
        self.image(io.BytesIO(qr_png(stamp.url)), x=self.l_margin + self.epw - QR_SIZE_MM, y=top, w=QR_SIZE_MM)
        self.set_y(max(self.get_y(), top + QR_SIZE_MM) + 4)
        self.set_font(FONT_FAMILY, size=10)

    def finish(self) -> bytes:
        """The document's bytes, with the signed audit head it cites at the end when it was stamped."""
        if self.issued is not None:
            head = self.issued.checkpoint
            self.heading("Audit record of this document", 3)
            self.small(
                f"The portal's audit log recorded this document's issue as record {self.issued.issue_sequence}. "
                f"The log's head was then signed: sequence {head.sequence}, signed {head.signed_at:%d %B %Y %H:%M:%S} "
                f"UTC, hash {head.last_hash}, key {head.key_id}, signature {head.signature}. A later rewrite of the log "
                "no longer matches this signed head."
            )
        return bytes(self.output())


def stamped_document(title: str, stamp: Stamp, heading: str | None = None) -> Document:
    """A new issued document: its heading (the title unless given), then the stamp; write the rest, then finish()."""
    document = Document(title, produced_at=stamp.produced_at)
    document.heading(heading or title, 1)
    document.stamp(stamp)
    return document


def _text(value) -> str:
    if value is None:
        return "–"
    return str(value)
