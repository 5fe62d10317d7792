"""What the web client writes for people, checked in Node without a browser: its helpers (web/src/ui) bundled by
esbuild as the build does. Days read "10 December 1985" and times "10:08 UTC" on every page, a state by its name,
and a terms document as the platform writes it (hard-wrapped at 100 columns) becomes paragraphs and lists that
reflow to the page, with every word kept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_offer_terms import _amendment, offer_terms

WEB = Path(__file__).resolve().parents[2] / "web"
ESBUILD = WEB / "node_modules" / ".bin" / "esbuild"


def run(imports: str, expression: str) -> Any:
    """`expression` evaluated in Node after `imports` (from web/src), as JSON."""
    node = shutil.which("node")
    if not ESBUILD.exists() or not node:
        if os.environ.get("CI"):
            pytest.fail("the web client's tools are missing: run `make web`")
        pytest.skip("the web client's tools are not installed here: run `make web`")
    entry = f"{imports}\nconsole.log(JSON.stringify({expression}));"
    bundled = subprocess.run(
        [str(ESBUILD), "--bundle", "--format=esm", "--platform=node", "--log-level=warning"],
        input=entry,
        cwd=WEB / "src",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    out = subprocess.run([node, "--input-type=module"], input=bundled, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_days_and_times_read_one_way_everywhere():
    days = run(
        'import { clock, day, inUtc } from "./ui/time";',
        '[day("1985-12-10"), day("2026-12-01T23:30:00Z"), inUtc("2026-12-03T10:08:00Z"),'
        ' clock(new Date("2026-12-03T09:05:00Z")), day("soon"), inUtc(null)]',
    )
    assert days == ["10 December 1985", "1 December 2026", "3 December 2026, 10:08 UTC", "09:05 UTC", "", ""]


def test_a_state_reads_as_its_name_and_an_address_as_on_an_envelope():
    names = run(
        'import { addressLine, stateName } from "./ui/places";',
        '[stateName("NY"), stateName("dc"), stateName("ZZ"),'
        ' addressLine({line1: "1 Main St", line2: null, city: "New York", state: "NY", zip: "10001"})]',
    )
    assert names == ["New York", "District of Columbia", "ZZ", "1 Main St, New York, NY 10001"]


def test_a_code_reads_as_words_inside_a_sentence_and_at_its_start():
    words = run(
        'import { humanize, inWords } from "./ui/dom";', '[inWords("insufficient_funds"), humanize("item_sold")]'
    )
    assert words == ["insufficient funds", "Item sold"]


def blocks(text: str) -> list[dict[str, Any]]:
    return run('import { termsBlocks } from "./ui/terms";', f"termsBlocks({json.dumps(text)})")


def words(block: dict[str, Any]) -> str:
    """The block's text as the server wrote it, list numbers included (a list shows them itself)."""
    if block["kind"] == "list":
        return " ".join(f"{block['start'] + n}. {item}" for n, item in enumerate(block["items"]))
    parts = [block.get("title"), *block.get("lines", []), block.get("lead"), block.get("text")]
    return " ".join(p for p in parts if p)


def test_offer_terms_become_paragraphs_and_a_numbered_list_with_every_word_kept():
    terms, _, _ = offer_terms()
    shown = blocks(terms)
    # The title block keeps its lines (the reference number stays on its own line)
    assert shown[0] == {
        "kind": "title",
        "title": "Terms of your insurance offer",
        "lines": ["Reference number of your application: app_1", "Terms version: 2026-12.3"],
    }
    # The covered items are a numbered list, each item one line of text however it was wrapped
    lists = [b for b in shown if b["kind"] == "list"]
    assert len(lists) == 1 and lists[0]["ordered"] and lists[0]["start"] == 1
    assert lists[0]["items"][0] == (
        "A portable Dell XPS 13 computer bought in 2025 with its monitor and external drive, insured for "
        "$1,500.00 at replacement value."
    )
    # Every paragraph is one run of text: no hard line break survives
    paragraphs = [b for b in shown if b["kind"] == "paragraph"]
    assert len(paragraphs) >= 5 and not any("\n" in b["text"] for b in paragraphs)
    assert "The annual premium is $1,302.75." in paragraphs[1]["text"]
    # The policy's conditions keep their titles as headings run into the paragraph
    leads = [b["lead"] for b in paragraphs if b["lead"]]
    assert "Changes to covered items." in leads and "Refund on cancellation." in leads
    # And nothing of the text the person accepts is lost or added
    assert " ".join(words(b) for b in shown).split() == terms.split()


def test_amendment_terms_read_the_same_way():
    terms = _amendment(Decimal("10.39"))
    shown = blocks(terms)
    assert shown[0]["title"] == "Terms of the amendment to policy POL-AB12CD34"
    assert [b["kind"] for b in shown].count("list") == 1
    assert " ".join(words(b) for b in shown).split() == terms.split()


def test_other_lists_and_windows_line_ends_are_kept():
    shown = blocks("Title\r\n\r\n- one\r\n  more\r\n- two\r\n\r\n3. three\r\n4. four\r\n")
    assert shown[1] == {"kind": "list", "ordered": False, "start": 1, "items": ["one more", "two"]}
    assert shown[2] == {"kind": "list", "ordered": True, "start": 3, "items": ["three", "four"]}
