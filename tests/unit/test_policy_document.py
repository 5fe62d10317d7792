"""The policy document carries one risk identification tag per covered item: a QR code whose content is the URL
of the tag's web report page on the platform's public web address."""

from __future__ import annotations

import io

import pytest
import segno
from PIL import Image

from insure.policies.document import render
from insure.policies.models import PolicyVersion
from insure.risk.policy_tags import tag_id_for, tag_url
from insure.types import Money

WEB = "https://insure.example"


def _policy(**changes: object) -> PolicyVersion:
    fields: dict[str, object] = {
        "policy_number": "POL-ABCDEF123456",
        "version": 1,
        "change": "issued",
        "application_id": "app_1",
        "product": "computer",
        "state": "NY",
        "insured": "Ada Lovelace",
        "applicant_type": "personal",
        "items": [
            {"item_id": "item-1", "kind": "portable", "brand": "Dell", "model": "XPS 13", "value": "1500.00"},
            {"item_id": "item-2", "kind": "desktop", "brand": "Apple", "model": "iMac", "value": "2000.00"},
        ],
        "premium": Money(amount="120.00", currency="USD"),
        "effective_date": "2026-12-01",
        "expiry_date": "2027-12-01",
        "issued_at": "2026-12-01T05:00:00Z",
        "document_key": "policies/POL-ABCDEF123456/v0001.pdf",
    }
    return PolicyVersion.model_validate({**fields, **changes})


def _modules(png: bytes, *, scale: int = 6, border: int = 4) -> list[list[bool]]:
    """The QR code's modules read back from its picture (dark = True), by sampling each module's centre."""
    image = Image.open(io.BytesIO(png)).convert("L")
    count = image.width // scale - 2 * border
    return [
        [
            image.getpixel(((border + col) * scale + scale // 2, (border + row) * scale + scale // 2)) < 128
            for col in range(count)
        ]
        for row in range(count)
    ]


@pytest.fixture
def drawn_images(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every image the renderer draws, as the bytes it hands to fpdf."""
    from fpdf import FPDF

    drawn: list[bytes] = []
    original = FPDF.image

    def spy(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(name, io.BytesIO):
            drawn.append(name.getvalue())
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(FPDF, "image", spy)
    return drawn


def test_each_item_gets_a_qr_code_of_its_tags_report_page(drawn_images: list[bytes]) -> None:
    # When the policy document is rendered
    pdf = render(_policy(), web_address=WEB)
    # Then it is a PDF with one QR code per item, each holding its tag's report page URL
    assert pdf.startswith(b"%PDF")
    expected = [tag_url(tag_id_for("POL-ABCDEF123456", item_id), WEB) for item_id in ("item-1", "item-2")]
    assert expected[0].startswith(f"{WEB}/t/QR-")
    assert len(drawn_images) == 2
    for png, url in zip(drawn_images, expected, strict=True):
        assert _modules(png) == [[bool(m) for m in row] for row in segno.make(url, error="m", micro=False).matrix]


def test_a_policy_that_is_no_longer_active_shows_no_tags(drawn_images: list[bytes]) -> None:
    render(_policy(status="cancelled"), web_address=WEB)
    assert drawn_images == []


def test_tag_ids_are_stable_per_policy_item_and_differ_between_items() -> None:
    assert tag_id_for("POL-1", "item-1") == tag_id_for("POL-1", "item-1")
    assert len({tag_id_for("POL-1", "item-1"), tag_id_for("POL-1", "item-2"), tag_id_for("POL-2", "item-1")}) == 3
