"""The text of a PDF as a reader's copy-and-paste would give it (pypdf), for tests about what a document says."""

from __future__ import annotations

import io
import re


def pdf_text(pdf: bytes) -> str:
    """Every page's text, lines joined by spaces and runs of white space made one (a phrase wrapped over two lines
    is still found)."""
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    return re.sub(r"\s+", " ", " ".join(pages))


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
