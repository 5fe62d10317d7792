"""The policy document's layout primitives (fpdf2): the Letter page and its margins, the palette, text wrapped from
the core font's widths and placed line by line, page breaks with a continuation header, headings, rules and
tables. What goes on the pages is `insure.policies.document`'s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PAGE_WIDTH, PAGE_HEIGHT = 215.9, 279.4  # US Letter, mm
MARGIN = 16.0
WIDTH = PAGE_WIDTH - 2 * MARGIN
BOTTOM = PAGE_HEIGHT - 19.5
PT = 25.4 / 72  # mm per point
BODY = 3.95  # the leading of the policy provisions' 8.5 pt text, mm

INK = (33, 37, 41)
NAVY = (22, 50, 92)
GREY = (100, 106, 115)
RULE = (190, 197, 207)
SHADE = (230, 236, 244)
ALERT = (252, 235, 233)


def _latin1(text: str) -> str:
    """The core fonts' alphabet: typographic punctuation made plain, anything else outside Latin-1 a '?'."""
    plain = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2013: "-", 0x2014: "-"})
    return plain.encode("latin-1", "replace").decode("latin-1")


Run = tuple[str, str, float]  # text, style ("", "B", "I"), size in points


class Layout:
    """A cursor over the pages: wraps text to a width from the current font's widths, breaks pages, draws."""

    def __init__(self, pdf: Any, continuation_header: Any) -> None:
        self.pdf = pdf
        self.y = MARGIN
        self._font: tuple[str, float] | None = None
        self._color: tuple[int, int, int] | None = None
        self._continuation_header = continuation_header
        self._widths: dict[tuple[tuple[str, float], str], float] = {}

    # fonts and measuring
    def font(self, style: str = "", size: float = 9.0, color: tuple[int, int, int] = INK) -> None:
        if self._font != (style, size):
            self.pdf.set_font("Helvetica", style, size)
            self._font = (style, size)
        if self._color != color:
            self.pdf.set_text_color(*color)
            self._color = color

    def width(self, text: str) -> float:
        """The width of `text` in the current font, in mm (words recur: each is measured once per font)."""
        assert self._font is not None
        key = (self._font, text)
        found = self._widths.get(key)
        if found is None:
            widths = self.pdf.current_font.cw
            found = self._widths[key] = sum(widths.get(c, 600) for c in text) * self._font[1] / 1000 * PT
        return found

    def wrap(self, text: str, width: float, first_offset: float = 0.0) -> list[str]:
        """`text` in lines no wider than `width`, the first one starting `first_offset` in (after a lead-in)."""
        lines: list[str] = []
        space = self.width(" ")
        line: list[str] = []
        used = first_offset
        for whole in _latin1(text).split():
            word, size = whole, self.width(whole)
            if line and used + space + size > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            if line:
                used += space + size
            else:
                while size > width - used and len(word) > 1:  # wider than the column (a long address): cut it
                    cut = len(word) - 1
                    while cut > 1 and self.width(word[:cut]) > width - used:
                        cut -= 1
                    lines.append(word[:cut])
                    word, size, used = word[cut:], self.width(word[cut:]), 0.0
                used += size
            line.append(word)
        if line:
            lines.append(" ".join(line))
        return lines

    # pages
    def ensure(self, height: float) -> None:
        if self.y + height > BOTTOM:
            self.new_page()

    def new_page(self) -> None:
        """The next page, under the continuation header; the font and colour in use are kept."""
        font, color = self._font, self._color
        self.pdf.add_page()
        self._font = self._color = None
        self.y = self._continuation_header(self)
        if font is not None:
            self.font(*font, color=color or INK)

    # drawing
    def text(self, x: float, baseline: float, text: str) -> None:
        self.pdf.text(x, baseline, _latin1(text))

    def line_at(self, x: float, text: str, *, height: float, style: str = "", size: float = 9.0, **kw: Any) -> None:
        """One line of text in a box of `height` at the cursor; the cursor moves below it."""
        self.font(style, size, kw.get("color", INK))
        self.text(x, self.y + height / 2 + size * PT * 0.35, text)
        self.y += height

    def paragraph(
        self,
        text: str,
        *,
        x: float = MARGIN,
        width: float = WIDTH,
        size: float = 9.0,
        style: str = "",
        leading: float | None = None,
        run_in: str = "",
        color: tuple[int, int, int] = INK,
        together: bool = False,
    ) -> None:
        """Wrapped text at the cursor, breaking pages between lines (or before it, `together`); `run_in` is a
        bold lead-in on the first line (a condition's title)."""
        leading = leading or size * PT * 1.38
        self.font("B", size, color)
        lead = self.width(run_in + " ") if run_in else 0.0
        self.font(style, size, color)
        lines = self.wrap(text, width, first_offset=lead)
        if together:
            self.ensure(leading * len(lines))
        for number, line in enumerate(lines):
            self.ensure(leading)
            baseline = self.y + leading * 0.72
            offset = 0.0
            if number == 0 and run_in:
                self.font("B", size, color)
                self.text(x, baseline, run_in)
                offset = lead
                self.font(style, size, color)
            self.text(x + offset, baseline, line)
            self.y += leading

    def rule(
        self, *, color: tuple[int, int, int] = RULE, weight: float = 0.2, x: float = MARGIN, width: float = WIDTH
    ) -> None:
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(weight)
        self.pdf.line(x, self.y, x + width, self.y)

    def fill(self, x: float, y: float, w: float, h: float, color: tuple[int, int, int]) -> None:
        self.pdf.set_fill_color(*color)
        self.pdf.rect(x, y, w, h, style="F")

    def heading(self, title: str, *, keep: float = 20.0, form: str = "") -> None:
        """A section heading: a shaded band with the title in capitals (and a form number at the right), kept
        with `keep` mm of what follows."""
        self.y += 3.0
        self.ensure(7.0 + keep)
        self.fill(MARGIN, self.y, WIDTH, 6.2, SHADE)
        self.font("B", 9.0, NAVY)
        self.text(MARGIN + 2.0, self.y + 4.3, title.upper())
        if form:
            self.font("", 8.0, NAVY)
            label = f"Form {form}"
            self.text(MARGIN + WIDTH - 2.0 - self.width(label), self.y + 4.3, label)
        self.y += 8.2

    def subheading(self, title: str, *, keep: float = 12.0) -> None:
        self.y += 1.0
        self.ensure(5.5 + keep)
        self.line_at(MARGIN, title, height=5.5, style="B", size=9.5, color=NAVY)


# --- tables -------------------------------------------------------------------------------------------------------


Cell = list[Run]
PAD = 1.6


def _cell_lines(layout: Layout, cell: Cell, width: float) -> list[tuple[str, str, float]]:
    out: list[tuple[str, str, float]] = []
    for text, style, size in cell:
        layout.font(style, size)
        out += [(line, style, size) for line in layout.wrap(text, width - 2 * PAD)]
    return out


def _row_height(lines: list[list[tuple[str, str, float]]]) -> float:
    return max(sum(size * PT * 1.35 for _, _, size in cell) for cell in lines) + 2 * PAD


def _draw_row(layout: Layout, x0: float, widths: Sequence[float], lines: list[list[tuple[str, str, float]]]) -> None:
    x = x0
    for width, cell in zip(widths, lines, strict=True):
        y = layout.y + PAD
        for text, style, size in cell:
            leading = size * PT * 1.35
            layout.font(style, size, INK if style != "I" else GREY)
            layout.text(x + PAD, y + leading * 0.74, text)
            y += leading
        x += width


def table(layout: Layout, headings: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[Cell]]) -> None:
    """A table with a shaded heading row (repeated on a new page) and a rule under each row."""

    def heading_row() -> None:
        layout.fill(MARGIN, layout.y, WIDTH, 5.6, SHADE)
        x = MARGIN
        layout.font("B", 8.0, NAVY)
        for title, width in zip(headings, widths, strict=True):
            layout.text(x + PAD, layout.y + 3.9, title)
            x += width
        layout.y += 5.6

    laid = [[_cell_lines(layout, cell, w) for cell, w in zip(row, widths, strict=True)] for row in rows]
    layout.ensure(5.6 + (_row_height(laid[0]) if laid else 0))
    heading_row()
    for lines in laid:
        height = _row_height(lines)
        if layout.y + height > BOTTOM:
            layout.new_page()
            heading_row()
        _draw_row(layout, MARGIN, widths, lines)
        layout.y += height
        layout.rule()


# --- the document ----------------------------------------------------------------------------------------------
