"""The policy as a PDF (fpdf2): number, insured, items, premium, dates, terms, and the officer's signature
image where the state requires it. fpdf2 is imported on use: only the issuing function pays for it."""

from __future__ import annotations

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
    hidden = {"description", "notes", "coverage", "value", "medical_history", "address"}
    parts = [f"{k.replace('_', ' ')}: {v}" for k, v in item.items() if k not in hidden and v not in (None, "", [])]
    return f"{index}. {item.get('coverage', '')} - " + "; ".join(parts) + f"  (insured value {item.get('value')} USD)"


def _paragraph(pdf: Any, text: str, *, height: float, width_chars: int = 100) -> None:
    """Lines wrapped up front (fpdf's multi_cell measures every character of every candidate line: slow)."""
    for line in textwrap.wrap(_ascii(text), width=width_chars, subsequent_indent="   "):
        pdf.cell(0, height, line, new_x="LMARGIN", new_y="NEXT")


def render(policy: PolicyVersion) -> bytes:
    """The PDF bytes of `policy`."""
    from fpdf import FPDF

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
    ]
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
    for index, item in enumerate(policy.items, start=1):
        _paragraph(pdf, _item_line(index, item), height=6)
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
