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
`POINTER_TTL_S` seconds. Importing this package imports no pydantic: `product_list()` builds the catalog from the
stored documents' text (the catalog function lists products without pydantic), and the models, the rulebook parser
and the engine are imported on first use.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from insure.errors import NotFound
from insure.products.ids import COVERAGES, PRODUCTS

if TYPE_CHECKING:
    from insure.products.models import ApplicationInput, ProductSummary, QuoteRequest
    from insure.products.rulebooks import RulebookDocument
    from insure.products.store import RulebookStore
    from insure.underwriting.engine import Books, CompiledRulebook
    from insure.underwriting.models import Decision, QuoteResult

POINTER_TTL_S = 60.0

__all__ = [
    "BreakdownLine",
    "Decision",
    "QuoteResult",
    "Reason",
    "check_intake",
    "current_document",
    "current_rulebook",
    "product_list",
    "products",
    "quote",
    "reset_cache",
    "underwrite",
]

_lock = threading.Lock()
_pointers: dict[str, tuple[str, float]] = {}
_texts: dict[tuple[str, str], str] = {}
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
        _texts.clear()
        _documents.clear()
        _compiled.clear()


def __getattr__(name: str) -> Any:
    """The result models, re-exported as before (imported on first use: they are pydantic models)."""
    if name in ("BreakdownLine", "Decision", "QuoteResult", "Reason"):
        from insure.underwriting import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _store() -> RulebookStore:
    """The table's store (`insure.products.rulebooks.default_store`, with the table's name read by
    `insure.environment` so that listing the catalog needs no pydantic)."""
    if _store_override:
        return _store_override[0]
    from insure.aws import client
    from insure.environment import table_name
    from insure.products.store import RulebookStore

    return RulebookStore(client("dynamodb"), table_name())


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


def _current_text(product: str) -> tuple[tuple[str, str], str]:
    """The (product, version) of the current rulebook of `product` and its JSON text, as stored. Raises NotFound
    when none is stored."""
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
    text = _texts.get(key)
    if text is None:
        text = _store().document(product, pointer[0])
        if text is None:
            raise NotFound(f"Rulebook {product}@{pointer[0]} is missing.")
        with _lock:
            _texts[key] = text
    return key, text


def current_document(product: str) -> RulebookDocument:
    """The current rulebook document of `product`, as stored. Raises NotFound when none is stored."""
    from insure.products.rulebooks import parse_document

    key, text = _current_text(product)
    document = _documents.get(key)
    if document is None:
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
    now = time.monotonic()
    stale = [p for p in products if (pointer := _pointers.get(p)) is None or now - pointer[1] > POINTER_TTL_S]
    if stale:
        try:
            versions = _store().current_versions(stale)
        except Exception:  # noqa: BLE001 - current_rulebook reads again and decides with its own fallbacks
            return
        with _lock:
            _pointers.update({product: (version, now) for product, version in versions.items() if version})
    wanted = [(p, _pointers[p][0]) for p in products if p in _pointers and (p, _pointers[p][0]) not in _texts]
    if not wanted:
        return
    try:
        texts = _store().documents_of(wanted)
    except Exception:  # noqa: BLE001 - as above
        return
    with _lock:
        _texts.update({key: text for key, text in texts.items() if text is not None})


def _books(request: ApplicationInput | QuoteRequest) -> Books:
    from insure.products.models import ITEM_MODELS
    from insure.underwriting import engine

    coverages = [c for c in request.coverages() if c in ITEM_MODELS]
    return engine.books_for(current_rulebook, request.product, coverages)


def _today() -> datetime.date:
    from insure import timestamps

    return timestamps.today()


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
    from insure import metrics
    from insure.underwriting import engine

    decision = engine.decide(_books(inp), inp)
    metrics.count(metrics.UNDERWRITING_DECISIONS, outcome="approved" if decision.approved else "declined")
    return decision


def quote(req: QuoteRequest) -> QuoteResult:
    """A preliminary premium using the same stored criteria as the final premium. Raises RuleViolation when
    intake fails or when a bar would decline the items (each named as a field error)."""
    from insure.underwriting import engine

    return engine.price(_books(req), req, today=_today())


def _item_schema(product: str) -> dict[str, object]:
    from insure.products.schemas import item_schemas

    return item_schemas()[product]


CENT = Decimal("0.01")


def _money(value: Any) -> dict[str, str]:
    """`Money.of` as JSON: the amount rounded half-up to the cent, in dollars."""
    return {"amount": str(Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)), "currency": "USD"}


def _summary(text: str, coverages: Sequence[str]) -> dict[str, Any]:
    """A product as `GET /products` lists it (`ProductSummary` as JSON), from its stored rulebook's text. Stored
    documents were validated when published (`RulebookStore.publish`); states are normalized as `StateCode`
    normalizes them."""
    document = json.loads(text, parse_float=Decimal)
    return {
        "product": document["product"],
        "title": document["title"],
        "description": document["description"],
        "approved_states": sorted(state.strip().upper() for state in document["approved_states"]),
        "applicant_types": list(document["applicant_types"]),
        "limits": {
            "max_item_value": _money(document["max_item_value"]),
            "max_insured_value": _money(document["max_insured_value"]),
        },
        "coverages": list(coverages),
        "rulebook_version": f"{document['product']}@{document['version']}",
        "input_schema": _item_schema(document["product"]),
    }


def product_list() -> list[dict[str, Any]]:
    """The products on sale (those with a current rulebook), each with its approved states, limits and the JSON
    schema of one item, as JSON-ready dicts (no pydantic; `products()` gives the same as models)."""
    _load_current(PRODUCTS)
    listed = []
    for product in PRODUCTS:
        try:
            _, text = _current_text(product)
        except NotFound:
            continue
        listed.append(_summary(text, list(COVERAGES) if product == "bundle" else [product]))
    return listed


def products() -> list[ProductSummary]:
    """`product_list()` as `ProductSummary` models."""
    from insure.products.models import ProductSummary

    return [ProductSummary.model_validate(summary) for summary in product_list()]
