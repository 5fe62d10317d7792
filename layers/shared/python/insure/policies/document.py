"""The policy as a PDF (fpdf2): number, insured, items (each with its risk identification tag: a QR code of the
tag's web report page, made with segno), premium, dates, terms, and the officer's signature image where the state
requires it. fpdf2 and segno are imported on use: only the functions rendering documents pay for them."""

from __future__ import annotations

import io
import json
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

from insure.policies.models import PolicyVersion

DATA = Path(__file__).resolve().parent / "data"
SIGNATURE_PNG = DATA / "officer_signature.png"
OFFICER = "J. Q. Underwood, Chief Underwriting Officer"
TERMS = (
    "Coverage runs from the effective date to the expiry date shown above, for the items listed. The premium is "
    "fully earned at issuance and refunded pro rata on cancellation with 30 days' written notice. Statements in "
    "the application are the basis of this insurance; material misstatements void it. Report losses promptly and "
    "no later than 30 days after they occur."
)


@cache
def signature_states() -> frozenset[str]:
    """States whose policies carry the officer's signature (kept as data)."""
    return frozenset(json.loads((DATA / "signature_states.json").read_text())["states"])


def requires_signature(state: str) -> bool:
    return state.upper() in signature_states()


def _ascii(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _item_line(index: int, item: dict[str, object]) -> str:
    hidden = {"description", "notes", "coverage", "value", "medical_history", "address", "item_id"}
    parts = [f"{k.replace('_', ' ')}: {v}" for k, v in item.items() if k not in hidden and v not in (None, "", [])]
    return f"{index}. {item.get('coverage', '')} - " + "; ".join(parts) + f"  (insured value {item.get('value')} USD)"


def _paragraph(pdf: Any, text: str, *, height: float, width_chars: int = 100) -> None:
    """Lines wrapped up front (fpdf's multi_cell measures every character of every candidate line: slow)."""
    for line in textwrap.wrap(_ascii(text), width=width_chars, subsequent_indent="   "):
        pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")


QR_SIZE_MM = 24.0


def qr_png(content: str) -> io.BytesIO:
    """A QR code holding `content`, as PNG (error correction M, the standard quiet zone of 4 modules)."""
    import segno

    buffer = io.BytesIO()
    segno.make(content, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    buffer.seek(0)
    return buffer


def _tag(pdf: Any, tag_id: str, url: str) -> None:
    """The item's tag: its QR code, with the tag id and the address it opens beside it."""
    if pdf.will_page_break(QR_SIZE_MM + 2):
        pdf.add_page()
    top, left = pdf.get_y(), pdf.l_margin
    pdf.image(qr_png(url), x=left + 4, y=top, w=QR_SIZE_MM, h=QR_SIZE_MM)
    pdf.set_xy(left + QR_SIZE_MM + 8, top + 5)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, _ascii(f"Risk identification tag {tag_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(left + QR_SIZE_MM + 8)
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, _ascii(f"Found it, or had a loss? Scan the code or open {url}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + QR_SIZE_MM + 2)
    pdf.set_font("Helvetica", "", 10)


def render(policy: PolicyVersion, *, web_address: str | None = None) -> bytes:
    """The PDF bytes of `policy`; tags link to `web_address` (the platform's public web address by default)."""
    from fpdf import FPDF

    from insure.risk.policy_tags import items_with_ids, tag_id_for, tag_url

    pdf = FPDF(format="Letter")
    pdf.set_title(f"Policy {policy.policy_number}")
    pdf.set_author("Insurance platform")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, "Certificate of Insurance", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    rows = [
        ("Policy number", policy.policy_number),
        ("Insured", policy.insured),
        ("Product", policy.product),
        ("State", policy.state),
        ("Effective", policy.effective_date),
        ("Expires", policy.expiry_date),
        ("Annual premium", f"{policy.premium.amount} {policy.premium.currency}"),
        ("Issued", policy.issued_at),
        ("Version", f"{policy.version} ({policy.change}), in force from {policy.in_force_from}"),
    ]
    if policy.status != "active":
        rows.append(("Status", policy.status.replace("_", " ")))
    if policy.cancellation is not None:
        cancelled = policy.cancellation
        rows.append(("Cancelled from", f"{cancelled.effective_date} ({cancelled.reason})"))
        rows.append(("Refund", f"{cancelled.refund.amount} {cancelled.refund.currency}"))
    if policy.referrer:
        rows.append(("Referred by", policy.referrer))
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(45, 7, label)
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 7, _ascii(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Covered items", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for index, (item_id, item) in enumerate(items_with_ids(policy), start=1):
        _paragraph(pdf, _item_line(index, item), height=6)
        if policy.status == "active":
            tag_id = tag_id_for(policy.policy_number, item_id)
            _tag(pdf, tag_id, tag_url(tag_id, web_address))
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Terms", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    _paragraph(pdf, TERMS, height=5)
    if policy.signed_by_officer:
        pdf.ln(6)
        pdf.image(str(SIGNATURE_PNG), w=70)
        pdf.set_font("Helvetica", "I", 10)
        pdf.cell(0, 6, OFFICER, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
