"""The product list is built from the stored documents' text without pydantic, and is what the models would give."""

from __future__ import annotations

import json

import pytest

import insure.underwriting as underwriting
from insure.products.models import COVERAGES, Limits, ProductSummary
from insure.products.rulebooks import parse_document, rulebook_files
from insure.products.schemas import item_schemas
from insure.types import Money
from tests.unit.fresh_function import get, invoke_fresh


class Store:
    """The store's interface over the shipped files, with one product in lower-case states."""

    def __init__(self) -> None:
        self.texts = rulebook_files()
        document = json.loads(self.texts["computer"])
        document["approved_states"] = [f" {s.lower()}" for s in document["approved_states"]]
        self.texts["computer"] = json.dumps(document)

    def current_version(self, product: str) -> str | None:
        return json.loads(self.texts[product])["version"] if product in self.texts else None

    def document(self, product: str, version: str) -> str | None:
        return self.texts.get(product)

    def current_versions(self, products):
        return {p: self.current_version(p) for p in products}

    def documents_of(self, versions):
        return {key: self.document(*key) for key in versions}


@pytest.fixture
def store():
    fake = Store()
    underwriting.use_store(fake)  # type: ignore[arg-type]
    yield fake
    underwriting.use_store(None)


def test_the_list_is_what_the_models_give(store):
    # the summary as the models build it from each parsed document (states normalized by StateCode)
    expected = []
    for product, text in store.texts.items():
        document = parse_document(text)
        summary = ProductSummary(
            product=document.product,
            title=document.title,
            description=document.description,
            approved_states=sorted(document.approved_states),
            applicant_types=list(document.applicant_types),
            limits=Limits(
                max_item_value=Money.of(document.max_item_value),
                max_insured_value=Money.of(document.max_insured_value),
            ),
            coverages=list(COVERAGES) if product == "bundle" else [product],  # type: ignore[list-item]
            rulebook_version=document.label,
            input_schema=item_schemas()[product],
        )
        expected.append(summary.model_dump(mode="json"))
    listed = underwriting.product_list()
    assert sorted(listed, key=lambda s: s["product"]) == sorted(expected, key=lambda s: s["product"])
    assert json.dumps(listed) == json.dumps([s.model_dump(mode="json") for s in underwriting.products()])


def test_the_catalog_function_lists_products_without_pydantic():
    """Imported and asked for the product list (from an in-memory store), the catalog function stays off pydantic;
    its documented resolver (`app`, which quotes use) serves both routes."""
    setup = (
        "import json\n"
        "import insure.underwriting as underwriting\n"
        "class Store:\n"
        "    def current_versions(self, products): return {p: '1' for p in products if p == 'computer'}\n"
        "    def documents_of(self, versions): return {k: TEXT for k in versions}\n"
        "    def current_version(self, product): return None\n"
        "TEXT = json.dumps({'product': 'computer', 'version': '1', 'title': 'T', 'description': 'D',\n"
        "    'applicant_types': ['personal'], 'approved_states': ['NY'], 'max_item_value': '10.005',\n"
        "    'max_insured_value': '20.00'})\n"
        "underwriting.use_store(Store())\n"
    )
    report = (
        "[response['statusCode'], json.loads(response['body']), 'pydantic' not in sys.modules, "
        "sorted((r.method, r.path) for r in module.app._static_routes + module.app._dynamic_routes)]"
    )
    status, body, without_pydantic, routes = invoke_fresh("catalog", get("/products"), setup=setup, report=report)
    assert status == 200 and without_pydantic
    [summary] = body["products"]
    assert summary["limits"]["max_item_value"] == {"amount": "10.01", "currency": "USD"}  # half-up, as Money.of
    assert summary["rulebook_version"] == "computer@1" and summary["coverages"] == ["computer"]
    assert routes == [["GET", "/products"], ["POST", "/quotes"]]
