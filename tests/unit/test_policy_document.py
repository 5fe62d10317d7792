"""The policy document reads like an insurer's declarations page for every product: the issuer, the policy
number and version, the named insured and mailing address (and the insured premises for property), the policy
period, each item with its limit and deductible in words, the premium and payment plan, the forms and the schedule
of endorsements, the officer's signature where the state requires it, each item's risk identification tag (a QR
code of the tag's web report page), then each coverage part's wording and the general conditions, with the
cancellation and refund clause that the cancellation code applies. No raw value is ever printed."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
import segno
from PIL import Image

from insure.data_files import data_dir
from insure.policies.document import DocumentContext, render, requires_signature
from insure.risk.policy_tags import tag_id_for, tag_url
from tests import document_samples as samples
from tests.pdf_text import pdf_text

WEB = "https://insure.example"

ITEMS_IN_WORDS = {
    "computer": [
        "Dell XPS 13, portable computer (laptop)",
        "Accessories included: Docking station, uninterruptible power supply and mouse",
        "Serial number: CN-0XPS13-7422",
        "$1,500.00 replacement value",
        "Apple iMac, desktop computer",
        "$2,000.00 replacement value",
        "$100 each occurrence",
    ],
    "property": [
        "Joisted masonry building, owner-occupied",
        "Insured premises: 77 Elm Road, Evanston, IL 60201",
        "Sprinkler system: No; Monitored alarm: Yes",
        "$450,000.00 replacement cost",
        "$1,000 each occurrence",
    ],
    "casualty": [
        "Business operations: electronic computer manufacturing",
        "Annual revenue: $4,200,000.00",
        "Loss control: Safety program, OSHA training and fire extinguishers",
        "$2,000,000.00 each occurrence and $2,000,000.00 aggregate",
        "$500 each occurrence, property damage only",
    ],
    "disability": [
        "Monthly disability income benefit",
        "Benefit period: 5 years",
        "$4,500.00 a month, for up to 5 years",
        "90-day elimination period",
    ],
    "accidental_death": [
        "Accidental death benefit",
        "Beneficiary: Annabella Byron",
        "Hazardous activities: Scuba diving",
        "$250,000.00 lump sum",
        "No deductible",
    ],
    "major_medical": [
        "Major medical expense benefit",
        "Dependents covered: Two dependents",
        "$1,000,000.00 each policy year",
        "$2,500.00 each policy year",
    ],
}
ITEMS_IN_WORDS["bundle"] = [
    "Building coverage part",
    *ITEMS_IN_WORDS["property"],
    "Computer equipment coverage part",
    *ITEMS_IN_WORDS["computer"][:4],
    "Commercial general liability coverage part",
    *ITEMS_IN_WORDS["casualty"],
]
COVERAGES = {
    "bundle": ["property", "computer", "casualty"],
    **{p: [p] for p in ITEMS_IN_WORDS if p != "bundle"},
}
TAGGED = {"computer", "property"}  # the coverages whose items are physical objects, which carry a tag
STATE_NAMES = {"NY": "New York", "IL": "Illinois", "TX": "Texas", "OH": "Ohio", "FL": "Florida"}
RAW = {
    "a Python literal": r"\b(?:True|False|None|null)\b",
    "an internal id": r"\b(?:item-\d+|itm_\w+|app_\w+|amd_\w+)",
    "a snake_case value": r"\b[a-z]+_[a-z_]+\b",
    "a bracket or brace": r"[\[\]{}]",
    "an ISO date or timestamp": r"\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}",
    "an amount without its currency sign": r"(?<![$\d,.])\d+\.\d\d\b|\b(?:USD|EUR)\b",
}


def _wording(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((data_dir("wording") / f"{name}.json").read_text())
    return loaded


def _document(product: str, **changes: Any) -> str:
    return pdf_text(render(samples.issued(product, **changes), context=samples.context(product), web_address=WEB))


def _raw_values(text: str) -> dict[str, list[str]]:
    found = {what: re.findall(pattern, text) for what, pattern in RAW.items()}
    return {what: hits for what, hits in found.items() if hits}


@pytest.mark.parametrize("product", list(samples.PRODUCTS))
def test_the_declarations_name_the_issuer_the_insured_the_period_and_each_item_with_its_limit_and_deductible(
    product: str,
) -> None:
    # Given a policy of the product, issued to the sample applicant
    state, applicant, _, premium, _ = samples.PRODUCTS[product]
    # When its document is rendered
    text = _document(product)
    # Then the issuer, with its address, heads it
    issuer = _wording("issuer")
    for line in [issuer["name"], *issuer["address"], f"NAIC company code {issuer['naic_code']}"]:
        assert line in text
    # And the policy number, version, period and state of issue are given in words
    assert "Policy Declarations" in text
    assert "Policy number POL-" in text and "Version 1, the policy as issued" in text
    assert "Policy period 1 December 2026 to 1 December 2027 at 12:01 a.m. standard time" in text
    assert f"State of issue {STATE_NAMES[state]}" in text
    # And the named insured with the mailing address they applied with
    name = applicant.get("company_name") or f"{applicant['first_name']} {applicant['last_name']}"
    address = applicant["address"]
    assert f"{name} " in text
    assert address["line1"] in text and f"{address['city']}, {address['state']} {address['zip']}" in text
    if "contact_name" in applicant:
        assert f"Attention: {applicant['contact_name']}" in text
    # And each covered item with its limit and deductible, in words and money
    for words in ITEMS_IN_WORDS[product]:
        assert words in text, words
    # And the premium with the payment plan (annual unless the policy says otherwise)
    assert f"Annual premium ${Decimal(premium):,.2f} for the policy period" in text
    assert "Payment plan Annual: the annual premium in one payment" in text
    # And the schedule of endorsements has the issue
    assert (
        "Schedule of endorsements Version Effective What changed Annual premium 1 1 December 2026 Policy issued."
        in text
    )
    # And no raw value anywhere
    assert _raw_values(text) == {}


@pytest.mark.parametrize("product", list(samples.PRODUCTS))
def test_each_coverage_parts_wording_and_the_general_conditions_are_printed_from_the_data(product: str) -> None:
    text = _document(product)
    for coverage in COVERAGES[product]:
        part = _wording(coverage)
        assert part["form"] in text
        assert part["insuring_agreement"] in text
        for entry in [*part["perils"], *part["exclusions"], *part["conditions"]]:
            assert entry in text, entry
    items = {"tagged" if c in TAGGED else "untagged" for c in COVERAGES[product]}
    for condition in _wording("common")["conditions"]:
        applies = "annual" in condition.get("plans", ["annual"]) and condition.get("items", "every") in {
            "every",
            *items,
        }
        assert (f"{condition['title']}. " in text) is applies, condition["title"]


def test_the_cancellation_and_refund_clause_says_what_the_cancellation_code_does() -> None:
    # Given a policy whose rulebook keeps a minimum premium, and one whose rulebook keeps none
    with_minimum = _document("computer")
    without = _document("property")
    # Then the refund is what was paid less the premium earned to the cancellation date, pro rata by day, at
    # least the minimum premium kept (insure.policies.proration.cancellation_refund), paid back to the cards
    for text in (with_minimum, without):
        assert (
            "we keep the premium earned up to the cancellation date and refund the rest of the premium you have paid "
            "for the current policy period" in text
        )
        assert "The fee of a payment plan is not premium and is never refunded" in text
        assert "counted in days" in text
        assert "to the card or cards that paid the premium" in text
        assert "not a day before you ask" in text  # no back-dating (CancellationService._effective)
        # And nothing contradicts it: no notice period, no premium wholly earned at issuance
        assert "written notice" not in text
        assert "fully earned" not in text
    assert "The minimum premium of $25.00 is earned when the policy is issued" in with_minimum
    assert "Minimum premium $25.00, kept on cancellation" in with_minimum
    assert "No minimum premium applies" in without


class _Rulebooks:
    """The rulebook store as `insure.policies.changes.minimum_premium` reads it, over the repository's files."""

    def document(self, product: str, version: str) -> str | None:
        from insure.products.rulebooks import rulebook_files

        text = rulebook_files()[product]
        return text if json.loads(text)["version"] == version else None


@pytest.mark.parametrize("product", list(samples.PRODUCTS))
def test_the_minimum_premium_printed_is_the_one_the_cancellation_keeps(
    product: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document and the cancellation both take the minimum premium from the rulebook the policy was
    underwritten on (`insure.policies.changes.minimum_premium`): the bundle's is its own (none), even with a
    computer item, whose own rulebook keeps $25.00."""
    import datetime as dt

    from insure.policies.changes import minimum_premium
    from insure.policies.proration import Period, Term, cancellation_refund
    from insure.products.rulebooks import parse_document, rulebook_files

    monkeypatch.setattr("insure.products.rulebooks.default_store", _Rulebooks)
    # Given the product's policy, underwritten on the rulebook in the repository
    text = rulebook_files()[product]
    policy = samples.issued(product, rulebook_version=f"{product}@{json.loads(text)['version']}")
    minimum = minimum_premium(policy.rulebook_version)
    assert minimum == parse_document(text).minimum_premium
    # When its document is rendered as issuance renders it (the rulebook's minimum in the context)
    context = DocumentContext(applicant=samples.application(product)["applicant"], minimum_premium=minimum)
    document = pdf_text(render(policy, context=context, web_address=WEB))
    # Then it says what a cancellation on the first day keeps of the premium paid
    start = dt.date.fromisoformat(policy.effective_date)
    term = Term(start, dt.date.fromisoformat(policy.expiry_date))
    paid = policy.premium.decimal
    kept = paid - cancellation_refund(term, [Period(paid, start)], paid, start, minimum)
    if kept > 0:
        assert f"Minimum premium ${kept:,.2f}, kept on cancellation" in document
        assert f"The minimum premium of ${kept:,.2f} is earned when the policy is issued" in document
    else:
        assert "Minimum premium No minimum premium applies" in document
        assert "No minimum premium applies to this policy." in document
        assert "minimum premium of $" not in document
    assert (product == "computer") is (kept > 0)  # only the computer rulebook keeps one today


def test_an_industry_code_reads_in_words_for_every_code_the_rulebooks_name() -> None:
    from insure.policies.wording import industry
    from insure.products.rulebooks import rulebook_files

    # Every SIC code a rulebook names (and the samples') has its words
    named = set(re.findall(r'"(\d{4})"', rulebook_files()["casualty"])) | {samples.OPERATIONS["sic_code"], "7372"}
    table = _wording("industries")["codes"]
    assert named <= set(table)
    assert industry("3571") == "electronic computer manufacturing"
    assert industry("5812") == "restaurants and other eating places"
    # A code not in the table reads by its major group (its first two digits), with the code
    assert industry("7399") == "business services (industry code 7399)"
    # And only a code of no known group reads as the code alone
    assert industry("0000") == "industry code 0000"
    # As the casualty schedule shows it
    operations = {**samples.OPERATIONS, "sic_code": "7399", "item_id": "item-1"}
    text = pdf_text(render(samples.issued("casualty", items=[operations]), web_address=WEB))
    assert "Business operations: business services (industry code 7399)" in text


@pytest.mark.parametrize("product", list(samples.PRODUCTS))
def test_the_officers_signature_is_there_exactly_where_the_state_requires_it(product: str) -> None:
    state = samples.PRODUCTS[product][0]
    officer = _wording("issuer")["officer"]
    signed = f"{officer['name']}, {officer['title']}"
    text = _document(product, signed_by_officer=requires_signature(state))
    assert (signed in text) is requires_signature(state)


def test_the_schedule_of_endorsements_lists_every_version_with_what_it_changed() -> None:
    # Given a policy amended (an item added, one removed, one changed) and then cancelled
    first, second, third = samples.amended_and_cancelled()
    # When the document of the cancelled version is rendered
    text = pdf_text(render(third, context=samples.context("computer", [first, second]), web_address=WEB))
    # Then it says so at the top, with the refund
    assert "Version 3, cancelled 1 June 2027" in text
    assert "This policy is cancelled from 1 June 2027. Refund of premium: $71.40." in text
    # And every version is in the schedule, with its effective date, what it changed and its premium
    assert "1 1 December 2026 Policy issued. $137.81" in text
    assert (
        "2 15 February 2027 Amended at the named insured's request: added Apple iPhone 17, handheld device; "
        "removed Apple iMac, desktop computer; changed the accessories included and limit of Dell XPS 13, portable "
        "computer (laptop); annual premium from $137.81 to $151.20. $151.20"
    ) in text
    assert (
        "3 1 June 2027 Cancelled from 1 June 2027 at the named insured's request (the insured item was sold or "
        "lost); premium refunded: $71.40. $151.20"
    ) in text
    assert "The premium difference of each change was charged or refunded when it was made." in text
    assert _raw_values(text) == {}


def test_a_version_lists_only_the_versions_up_to_itself() -> None:
    first, second, third = samples.amended_and_cancelled()
    text = pdf_text(render(second, context=samples.context("computer", [first, second, third]), web_address=WEB))
    assert "2 15 February 2027 Amended" in text
    assert "Cancelled from" not in text and "This policy is cancelled" not in text


def test_the_payment_plan_and_its_installments_are_read_from_the_policy() -> None:
    # Given a policy paid monthly (the plan and its schedule kept on the version)
    policy = samples.monthly()
    schedule = policy.payment_schedule
    assert schedule is not None
    # When its document is rendered
    text = pdf_text(render(policy, context=samples.context("computer"), web_address=WEB))
    # Then it names the plan, its fee and total, and every installment's due date and amount
    assert "Payment plan Monthly: twelve installments, the first charged when the policy was issued" in text
    assert f"Plan fee {_money(schedule.fee)}; {_money(schedule.total)} in all" in text
    assert "Plan fee $16.13; $153.94 in all" in text  # the computer rulebook's: 3% of $137.81 and $1.00 each
    assert _installments(text) == _installments_of(schedule)
    assert _installments(text)[0] == ("1", "1 Dec 2026", "$12.92")
    assert _installments(text)[-1] == ("12", "1 Nov 2027", "$12.82")
    assert sum(i.amount.decimal for i in schedule.schedule) == schedule.total.decimal
    # And the general conditions say how installments are charged and when the policy lapses
    assert "Installments. Each later installment is charged on its due date" in text
    assert "the policy lapses from that day" in text
    # While a policy paid annually has no installments condition
    assert "Installments." not in _document("computer")


def _money(amount: Any) -> str:
    return f"${amount.decimal:,.2f}"


def _installments(text: str) -> list[tuple[str, str, str]]:
    """(number, due date, amount) of each installment the document prints."""
    return re.findall(r"\b(\d{1,2})\. (\d{1,2} [A-Z][a-z]{2} \d{4}) (\$[\d,]+\.\d\d)", text)


def _installments_of(schedule: Any) -> list[tuple[str, str, str]]:
    from insure.policies.wording import short_date

    return [(str(i.installment), short_date(i.due_date), _money(i.amount)) for i in schedule.schedule]


def test_a_lapsed_policy_says_so_and_a_renewal_starts_its_own_schedule_of_endorsements() -> None:
    first, lapsed, renewed = samples.lapsed_and_renewed()
    text = pdf_text(render(lapsed, context=samples.context("computer", [first]), web_address=WEB))
    assert "Version 2, lapsed 11 March 2027" in text
    assert "This policy lapsed on 11 March 2027: an installment was not paid within the grace period" in text
    assert "2 11 March 2027 Lapsed from 11 March 2027: an installment was not paid within the grace period." in text
    assert _raw_values(text) == {}
    text = pdf_text(render(renewed, context=samples.context("computer", [first]), web_address=WEB))
    assert "Policy period 1 December 2027 to 1 December 2028" in text
    assert "2 1 December 2027 Renewed for the policy period 1 December 2027 to 1 December 2028." in text
    assert "Policy issued." not in text  # the first term's versions belong to its own documents


def test_a_renewed_term_prints_its_own_plan_and_installments_charged_from_the_renewal() -> None:
    # Given the policy renewed for a second term on the quarterly plan (the version as the renewal stores it)
    first, _, renewed = samples.lapsed_and_renewed()
    schedule = renewed.payment_schedule
    assert schedule is not None and renewed.term == 2
    # When the renewed version's document is rendered
    text = pdf_text(render(renewed, context=samples.context("computer", [first]), web_address=WEB))
    # Then the plan says its first installment was charged at the renewal, not when the policy was issued
    assert "Payment plan Quarterly: four installments, the first charged when the policy was renewed" in text
    assert "when the policy was issued" not in text
    # And the new term's premium, fee and installments are those of the renewal, dated in the new term
    assert "Annual premium $142.60 for the policy period" in text
    assert f"Plan fee {_money(schedule.fee)}; {_money(schedule.total)} in all" in text
    assert _installments(text) == _installments_of(schedule)
    assert [due for _, due, _ in _installments(text)] == ["1 Dec 2027", "1 Mar 2028", "1 Jun 2028", "1 Sep 2028"]
    assert "Installments. Each later installment is charged on its due date" in text
    assert _raw_values(text) == {}


def test_an_expired_policy_says_so_in_the_banner_and_the_schedule_of_endorsements() -> None:
    # Given a policy left unrenewed, expired by the renewal run at the end of its term
    first, expired = samples.expired()
    # When the expired version's document is rendered
    text = pdf_text(render(expired, context=samples.context("computer", [first]), web_address=WEB))
    # Then the declarations say it expired, and the schedule of endorsements says what the version is
    assert "Version 2, expired 1 December 2027" in text
    assert (
        "This policy expired at the end of its policy period on 1 December 2027. It was not renewed, and there is "
        "no coverage from that day."
    ) in text
    assert "2 1 December 2027 Expired at the end of the policy period on 1 December 2027, not renewed." in text
    assert "Amended" not in text and "no change to the covered items" not in text
    # And it prints no tag (the platform retires them once the policy is not active), nor asks to report a loss
    # by scanning one: a loss is reported as any claim
    assert "RISK IDENTIFICATION TAGS" not in text
    assert "scan the risk identification tag" not in text
    assert "Reporting a claim. Tell us of a claim promptly" in text
    assert _raw_values(text) == {}


def test_property_without_its_own_address_is_insured_at_the_mailing_address() -> None:
    building = {k: v for k, v in samples.BUILDING.items() if k != "address"}
    policy = samples.issued("property", items=[{**building, "item_id": "item-1"}])
    text = pdf_text(render(policy, context=samples.context("property"), web_address=WEB))
    assert "Insured premises: 500 West Madison Street, Chicago, IL 60661" in text


def test_a_document_without_its_context_still_reads_in_words() -> None:
    # The applicant's record may be gone (a document rendered again on first read): the name is on the policy
    text = pdf_text(render(samples.issued("computer"), context=DocumentContext(), web_address=WEB))
    assert "Ada Lovelace" in text
    assert _raw_values(text) == {}


# --- risk identification tags ----------------------------------------------------------------------------------


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
    """Every image the renderer draws from memory (the QR codes; the signature is a file), as handed to fpdf."""
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
    policy = samples.issued("computer")
    pdf = render(policy, context=samples.context("computer"), web_address=WEB)
    # Then it is a PDF with one QR code per item, each holding its tag's report page URL, printed beside it
    assert pdf.startswith(b"%PDF")
    item_ids = [item["item_id"] for item in policy.items]
    expected = [tag_url(tag_id_for(policy.policy_number, item_id), WEB) for item_id in item_ids]
    assert expected[0].startswith(f"{WEB}/t/QR-")
    assert len(drawn_images) == 2
    for png, url in zip(drawn_images, expected, strict=True):
        assert _modules(png) == [[bool(m) for m in row] for row in segno.make(url, error="m", micro=False).matrix]
    text = pdf_text(pdf)
    for number, (item_id, url) in enumerate(zip(item_ids, expected, strict=True), start=1):
        assert f"Item {number}: " in text
        assert f"Tag {tag_id_for(policy.policy_number, item_id)}" in text and url in text


def test_a_policy_that_is_no_longer_active_shows_no_tags(drawn_images: list[bytes]) -> None:
    render(samples.issued("computer", status="cancelled"), web_address=WEB)
    assert drawn_images == []


@pytest.mark.parametrize("product", list(samples.PRODUCTS))
def test_only_physical_objects_have_tags_and_the_loss_condition_that_uses_them(
    product: str, drawn_images: list[bytes]
) -> None:
    from insure.risk.policy_tags import tagged_items

    # Given a policy of the product
    policy = samples.issued(product)
    # When its document is rendered
    text = pdf_text(render(policy, context=samples.context(product), web_address=WEB))
    # Then it prints a tag exactly for the items the platform tags (physical objects: equipment, buildings)
    tagged = tagged_items(policy)
    assert [item["item_id"] for item in policy.items if item["coverage"] in TAGGED] == [i for i, _ in tagged]
    assert len(drawn_images) == len(tagged)
    for item_id, _ in tagged:
        assert f"Tag {tag_id_for(policy.policy_number, item_id)}" in text
    assert ("RISK IDENTIFICATION TAGS" in text) is bool(tagged)
    assert ("Whoever finds a covered item" in text) is bool(tagged)
    # And the loss condition that asks for the tag, the police report and the damaged property is only on a
    # policy of physical objects; a policy with other items has a claims condition of its own
    assert ("Reporting a loss. " in text) is bool(tagged)
    assert ("scan the risk identification tag" in text) is bool(tagged)
    assert ("report a theft or vandalism to the police" in text) is bool(tagged)
    untagged = len(tagged) < len(policy.items)
    assert ("Reporting a claim. Tell us of a claim promptly" in text) is untagged


def test_tag_ids_are_stable_per_policy_item_and_differ_between_items() -> None:
    assert tag_id_for("POL-1", "item-1") == tag_id_for("POL-1", "item-1")
    assert len({tag_id_for("POL-1", "item-1"), tag_id_for("POL-1", "item-2"), tag_id_for("POL-2", "item-1")}) == 3


# --- layout --------------------------------------------------------------------------------------------------------

MM = 72 / 25.4  # points per mm


def _lines(pdf: bytes) -> list[list[tuple[str, float, float, float, float]]]:
    """Per page, every line of text drawn: (text, left, right, baseline, size), in points from the bottom left."""
    from fpdf import FPDF
    from pypdf import PdfReader

    meter = FPDF(unit="pt")
    pages: list[list[tuple[str, float, float, float, float]]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        runs: list[tuple[str, float, float, float, float]] = []

        def visit(text: str, _cm: Any, tm: Any, font: Any, size: float, runs: list[Any] = runs) -> None:
            text = text.strip()
            if not text or not font:
                return
            base = str(font["/BaseFont"]).lstrip("/")
            style = "B" if "Bold" in base else ("I" if "Oblique" in base else "")
            meter.set_font("Helvetica", style, size)
            runs.append((text, tm[4], tm[4] + meter.get_string_width(text), tm[5], size))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def _sample_document(name: str) -> bytes:
    if name == "computer cancelled":
        versions = samples.amended_and_cancelled()
        return render(versions[2], context=samples.context("computer", versions[:2]), web_address=WEB)
    if name == "computer monthly":
        return render(samples.monthly(), context=samples.context("computer"), web_address=WEB)
    return render(samples.issued(name), context=samples.context(name), web_address=WEB)


@pytest.mark.parametrize("name", [*samples.PRODUCTS, "computer cancelled", "computer monthly"])
def test_every_line_is_inside_the_margins_and_overlaps_no_other(name: str) -> None:
    from insure.policies.pdf_layout import MARGIN, PAGE_WIDTH

    pdf = _sample_document(name)
    for number, lines in enumerate(_lines(pdf), start=1):
        for text, left, right, baseline, _ in lines:
            assert left >= MARGIN * MM - 0.5, (name, number, text)
            assert right <= (PAGE_WIDTH - MARGIN) * MM + 0.5, (name, number, text)
            assert baseline >= 10 * MM, (name, number, text)  # nothing under the footer
        for index, (text, left, right, baseline, size) in enumerate(lines):
            for other, o_left, o_right, o_baseline, o_size in lines[index + 1 :]:
                apart = abs(baseline - o_baseline) >= 0.8 * min(size, o_size)
                assert apart or right <= o_left + 0.5 or o_right <= left + 0.5, (name, number, text, other)


def test_text_continued_on_a_new_page_keeps_its_font() -> None:
    # Given the bundle, whose provisions run over several pages
    pages = _lines(render(samples.issued("bundle"), context=samples.context("bundle"), web_address=WEB))
    wording_text = " ".join(
        " ".join(
            [
                _wording(c)["insuring_agreement"],
                *_wording(c)["perils"],
                *_wording(c)["exclusions"],
                *_wording(c)["conditions"],
            ]
        )
        for c in COVERAGES["bundle"]
    )
    # Then every line of the coverage parts' wording, and each entry's letter, is in the body size on every page
    sizes = {
        size
        for lines in pages[2:]
        for text, *_, size in lines
        if text in wording_text or re.fullmatch(r"[a-g]\.", text)
    }
    assert sizes == {8.5}


def test_the_qr_code_of_a_tag_is_encoded_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from insure.policies import declarations

    # Given a tag's URL whose code was never drawn, and segno counted
    url = f"{WEB}/t/QR-CACHED{id(monkeypatch)}"
    made: list[str] = []
    original = segno.make

    def counted(content: str, **kwargs: Any) -> Any:
        made.append(content)
        return original(content, **kwargs)

    monkeypatch.setattr(segno, "make", counted)
    # When the code is drawn for two documents (a policy and its amended version show the same tag)
    first, second = declarations.qr_png(url), declarations.qr_png(url)
    # Then it is encoded once, and each document gets the same picture, readable from the start
    assert made == [url]
    assert first is not second and first.read() == second.read()
    assert _modules(second.getvalue()) == [[bool(m) for m in row] for row in original(url, error="m").matrix]
