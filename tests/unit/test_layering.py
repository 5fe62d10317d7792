"""The import layering of `.importlinter`: handlers over HTTP over services over repositories over models, and no
domain module importing HTTP code. A domain module that reaches for `insure.http` (even lazily, inside a function)
breaks this test."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_layering_contract_is_kept(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True) == 0
