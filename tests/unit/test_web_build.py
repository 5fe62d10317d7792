"""The web client's build is current: its API types were generated from the published OpenAPI document as it is
now (`make web` regenerates them, type-checks the client against them and records the document's SHA-256)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "layers" / "shared" / "python" / "insure" / "openapi.json"
BUILT_FROM = ROOT / "web" / "dist" / "openapi.sha256"


def test_the_built_client_was_generated_from_the_published_document():
    if not BUILT_FROM.exists():
        if os.environ.get("CI"):
            pytest.fail("web/dist is missing: `make test` builds it with `make web`")
        pytest.skip("the web client is not built here: run `make web`")
    assert BUILT_FROM.read_text().strip() == hashlib.sha256(DOCUMENT.read_bytes()).hexdigest(), (
        "the web client's API types are stale: run `make web`"
    )


def test_the_lockfile_pins_the_client_and_its_tools():
    import json

    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())
    packages = lock["packages"]
    for name in ("esbuild", "typescript", "openapi-typescript", "openapi-fetch", "axe-core"):
        assert packages[f"node_modules/{name}"]["version"], name
    manifest = json.loads((ROOT / "web" / "package.json").read_text())
    pinned = {**manifest["dependencies"], **manifest["devDependencies"]}
    assert all(version[0].isdigit() for version in pinned.values()), "exact versions only"


def test_the_shell_page_names_its_files_from_the_root():
    """The same page is served at `/`, `/t/{tag_id}` and `/account/...`: a relative address (`favicon.svg`) would be
    asked for at `/t/favicon.svg` and answered with the page instead of the file."""
    import re

    shell = (ROOT / "web" / "public" / "index.html").read_text(encoding="utf-8")
    addresses = re.findall(r'(?:href|src)="([^"#]*)"', shell)
    assert addresses, "the shell page names no file"
    assert [a for a in addresses if not a.startswith("/")] == []
