"""Loading rulebooks: the current version is read from the store and compiled once per version."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

import insure.underwriting as underwriting
from insure.errors import NotFound, RuleViolation
from insure.products.models import QuoteRequest
from insure.products.rulebooks import RulebookStore, rulebook_files


class InMemoryRulebooks(RulebookStore):
    """The store's interface over dictionaries, counting reads."""

    def __init__(self) -> None:
        self.current: dict[str, str] = {}
        self.documents: dict[tuple[str, str], str] = {}
        self.reads = 0

    def current_version(self, product: str) -> str | None:
        self.reads += 1
        return self.current.get(product)

    def document(self, product: str, version: str) -> str | None:
        self.reads += 1
        return self.documents.get((product, version))

    def current_versions(self, products: Sequence[str]) -> dict[str, str | None]:
        return {product: self.current_version(product) for product in products}

    def documents_of(self, versions: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str | None]:
        return {key: self.document(*key) for key in versions}

    def publish(self, text: str) -> str:
        document = json.loads(text)
        self.documents[(document["product"], document["version"])] = text
        self.current[document["product"]] = document["version"]
        return f"{document['product']}@{document['version']}"


@pytest.fixture
def store():
    fake = InMemoryRulebooks()
    for text in rulebook_files().values():
        fake.publish(text)
    underwriting.use_store(fake)
    yield fake
    underwriting.use_store(None)


QUOTE = {"product": "computer", "state": "NY", "items": [{"kind": "desktop", "brand": "HP", "value": "1000.00"}]}


def test_a_rulebook_is_read_and_compiled_once_then_served_from_memory(store):
    first = underwriting.quote(QuoteRequest.model_validate(QUOTE))
    reads = store.reads
    again = underwriting.quote(QuoteRequest.model_validate(QUOTE))
    assert again.premium == first.premium
    assert store.reads == reads


def test_a_new_version_is_used_once_the_pointer_is_read_again(store, monkeypatch):
    before = underwriting.quote(QuoteRequest.model_validate(QUOTE))
    document = json.loads(rulebook_files()["computer"])
    document["version"] = "2099.1.1"
    document["base_rate"] = "0.070"
    store.publish(json.dumps(document))
    monkeypatch.setattr(underwriting, "POINTER_TTL_S", -1.0)
    after = underwriting.quote(QuoteRequest.model_validate(QUOTE))
    assert after.rulebook_version == "computer@2099.1.1"
    assert after.premium.decimal == before.premium.decimal * 2


def test_products_lists_only_products_with_a_current_rulebook(store):
    del store.current["casualty"]
    underwriting.reset_cache()
    listed = [p.product for p in underwriting.products()]
    assert "casualty" not in listed and "computer" in listed
    with pytest.raises(NotFound):
        underwriting.quote(
            QuoteRequest.model_validate(
                {
                    "product": "casualty",
                    "state": "NY",
                    "items": [
                        {
                            "sic_code": "7372",
                            "annual_revenue": "1000000.00",
                            "employees": 10,
                            "years_in_business": 5,
                            "value": "1000000.00",
                        }
                    ],
                }
            )
        )


def test_check_intake_raises_field_errors_through_the_public_api(store):
    with pytest.raises(RuleViolation) as refused:
        underwriting.check_intake(QuoteRequest.model_validate({**QUOTE, "state": "HI"}))
    assert [e.field for e in refused.value.errors] == ["state"]


def test_a_table_that_does_not_answer_keeps_the_version_already_loaded(store, monkeypatch):
    before = underwriting.quote(QuoteRequest.model_validate(QUOTE))

    def unavailable(product: str) -> str | None:
        raise TimeoutError("table did not answer")

    monkeypatch.setattr(store, "current_version", unavailable)
    monkeypatch.setattr(underwriting, "POINTER_TTL_S", -1.0)
    assert underwriting.quote(QuoteRequest.model_validate(QUOTE)).premium == before.premium


def test_listing_the_catalog_reads_pointers_and_documents_in_one_batch_each(store, monkeypatch):
    # Given nothing read yet
    underwriting.reset_cache()
    batches: list[str] = []
    for name in ("current_versions", "documents_of"):
        method = getattr(store, name)
        monkeypatch.setattr(store, name, lambda arg, name=name, method=method: batches.append(name) or method(arg))
    # When the catalog is listed
    listed = underwriting.products()
    # Then every product came from one batch of pointers and one of documents, and quoting reads nothing more
    assert [p.product for p in listed] == list(underwriting.PRODUCTS)
    assert batches == ["current_versions", "documents_of"]
    reads = store.reads
    underwriting.quote(QuoteRequest.model_validate(QUOTE))
    assert store.reads == reads
