"""Underwriting against stored criteria: intake checks, decisions, quotes and the product catalog.

The public API (stable):
- `check_intake(request)` raises `RuleViolation` with field errors the person can correct;
- `underwrite(application)` returns a `Decision` (approved, reasons with rule ids, premium, rulebook version);
- `quote(request)` returns a `QuoteResult` priced by the same rulebook as the final premium;
- `products()` lists the products on sale for `GET /products`;
- `insure.underwriting.quotes.get_quote(quote_id)` finds a stored quote (None when unknown or expired).

Each product's current rulebook is read from DynamoDB, parsed once per version per execution environment and
compiled by the engine when a request is first decided or priced by it (listing the catalog reads only the
documents, so it neither imports nor runs the engine); the pointer to the current version is re-read at most every
`POINTER_TTL_S` seconds. The store and the engine are imported on first use: importing the result models
(`insure.underwriting.models`, which runs this package first) builds neither the rulebook models nor the engine.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from insure.errors import NotFound
from insure.products.models import (
    COVERAGES,
    ITEM_MODELS,
    PRODUCTS,
    ApplicationInput,
    Limits,
    ProductSummary,
    QuoteRequest,
)
from insure.types import Money
from insure.underwriting.models import BreakdownLine, Decision, QuoteResult, Reason

if TYPE_CHECKING:
    from insure.products.rulebooks import RulebookDocument, RulebookStore
    from insure.underwriting.engine import Books, CompiledRulebook

POINTER_TTL_S = 60.0

__all__ = [
    "BreakdownLine",
    "Decision",
    "QuoteResult",
    "Reason",
    "check_intake",
    "current_document",
    "current_rulebook",
    "products",
    "quote",
    "reset_cache",
    "underwrite",
]

_lock = threading.Lock()
_pointers: dict[str, tuple[str, float]] = {}
_documents: dict[tuple[str, str], RulebookDocument] = {}
_compiled: dict[tuple[str, str], CompiledRulebook] = {}
_store_override: list[RulebookStore] = []


def use_store(store: RulebookStore | None) -> None:
    """Read rulebooks from `store` instead of the configured table (tests); None restores the default."""
    _store_override.clear()
    if store is not None:
        _store_override.append(store)
    reset_cache()


def reset_cache() -> None:
    """Forget current-version pointers, parsed and compiled rulebooks (tests, or after publishing a new version)."""
    with _lock:
        _pointers.clear()
        _documents.clear()
        _compiled.clear()


def _store() -> RulebookStore:
    from insure.products.rulebooks import default_store

    return _store_override[0] if _store_override else default_store()


def _seed_from_shipped_files(product: str) -> str | None:
    """A fresh deployment has no rulebook stored yet: publish the one shipped with the code (`data/rulebooks`,
    `/opt/data` in the layer) so the table stays the single source of truth. Publishing is conditional, so
    concurrent first reads agree; a product with no shipped rulebook stays off sale."""
    from insure.products.rulebooks import rulebook_files

    text = rulebook_files().get(product)
    if text is None:
        return None
    _store().publish(text)
    return _store().current_version(product)


def current_document(product: str) -> RulebookDocument:
    """The current rulebook document of `product`, as stored. Raises NotFound when none is stored."""
    from insure.products.rulebooks import parse_document

    now = time.monotonic()
    pointer = _pointers.get(product)
    if pointer is None or now - pointer[1] > POINTER_TTL_S:
        try:
            version = _store().current_version(product)
        except Exception:
            if pointer is None:
                raise
            version = pointer[0]  # the table did not answer: keep deciding with the version we have
        if version is None and not _store_override:
            version = _seed_from_shipped_files(product)
        if version is None:
            raise NotFound(f"No rulebook is on sale for {product}.")
        pointer = (version, now)
        with _lock:
            _pointers[product] = pointer
    key = (product, pointer[0])
    document = _documents.get(key)
    if document is None:
        text = _store().document(product, pointer[0])
        if text is None:
            raise NotFound(f"Rulebook {product}@{pointer[0]} is missing.")
        document = parse_document(text)
        with _lock:
            _documents[key] = document
    return document


def current_rulebook(product: str) -> CompiledRulebook:
    """The compiled current rulebook of `product`. Raises NotFound when none is stored."""
    from insure.underwriting import engine

    document = current_document(product)
    key = (document.product, document.version)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = engine.compile_rulebook(document)
        with _lock:
            _compiled[key] = compiled
    return compiled


def _load_current(products: Sequence[str]) -> None:
    """Read the pointers due for a re-read and the documents not parsed yet of `products` in two batch reads
    (listing the catalog would otherwise take two reads per product). Whatever this cannot settle (a table that
    does not answer, a product with no rulebook stored, a missing document) is left to `current_rulebook`."""
    from insure.products.rulebooks import parse_document

    now = time.monotonic()
    stale = [p for p in products if (pointer := _pointers.get(p)) is None or now - pointer[1] > POINTER_TTL_S]
    if stale:
        try:
            versions = _store().current_versions(stale)
        except Exception:  # noqa: BLE001 - current_rulebook reads again and decides with its own fallbacks
            return
        with _lock:
            _pointers.update({product: (version, now) for product, version in versions.items() if version})
    wanted = [(p, _pointers[p][0]) for p in products if p in _pointers and (p, _pointers[p][0]) not in _documents]
    if not wanted:
        return
    try:
        texts = _store().documents_of(wanted)
    except Exception:  # noqa: BLE001 - as above
        return
    parsed = {key: parse_document(text) for key, text in texts.items() if text is not None}
    with _lock:
        _documents.update(parsed)


def _books(request: ApplicationInput | QuoteRequest) -> Books:
    from insure.underwriting import engine

    coverages = [c for c in request.coverages() if c in ITEM_MODELS]
    return engine.books_for(current_rulebook, request.product, coverages)


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def check_intake(inp: ApplicationInput | QuoteRequest) -> None:
    """Refuse, with a field error per problem, what the person must correct before underwriting: a state where
    the product is not approved (`state`), a value over the per-item limit (`items[0].value`) or the per-insured
    limit (the item that crosses it), an applicant type the product does not take, an item of another coverage,
    a missing date of birth when the premium depends on age. Raises `insure.errors.RuleViolation`."""
    from insure.underwriting import engine

    engine.check_intake(_books(inp), inp, _today())


def underwrite(inp: ApplicationInput) -> Decision:
    """Decide an application against the product's current rulebook: approved with a premium, or declined.

    Every rule that applied is a reason (bars, list matches and a non-positive multiplier first, then rate
    factors), and the decision records the rulebook version. Intake problems decline with `INTAKE-<field>`
    reasons rather than raising, so a workflow step always gets a decision."""
    from insure.underwriting import engine

    return engine.decide(_books(inp), inp)


def quote(req: QuoteRequest) -> QuoteResult:
    """A preliminary premium using the same stored criteria as the final premium. Raises RuleViolation when
    intake fails or when a bar would decline the items (each named as a field error)."""
    from insure.underwriting import engine

    return engine.price(_books(req), req, today=_today())


def _item_schema(product: str) -> dict[str, object]:
    from insure.products.schemas import item_schemas

    return item_schemas()[product]


def summary(book: RulebookDocument, coverages: Sequence[str]) -> ProductSummary:
    return ProductSummary(
        product=book.product,  # type: ignore[arg-type]
        title=book.title,
        description=book.description,
        approved_states=sorted(book.approved_states),
        applicant_types=list(book.applicant_types),  # type: ignore[arg-type]
        limits=Limits(max_item_value=Money.of(book.max_item_value), max_insured_value=Money.of(book.max_insured_value)),
        coverages=list(coverages),  # type: ignore[arg-type]
        rulebook_version=book.label,
        input_schema=_item_schema(book.product),
    )


def products() -> list[ProductSummary]:
    """The products on sale (those with a current rulebook), each with its approved states, limits and the JSON
    schema of one item."""
    _load_current(PRODUCTS)
    listed = []
    for product in PRODUCTS:
        try:
            book = current_document(product)
        except NotFound:
            continue
        coverages = list(COVERAGES) if product == "bundle" else [product]
        listed.append(summary(book, coverages))
    return listed
