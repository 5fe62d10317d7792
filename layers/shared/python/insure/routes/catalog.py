"""Catalog routes: the products on sale and preliminary quotes."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict, Field

from insure.billing.models import PaymentPlanView
from insure.http.access import Access, access, services
from insure.products.models import ProductSummary, QuoteRequest
from insure.routes.responses import IdempotencyKey, problem
from insure.types import Money, Timestamp
from insure.underwriting.models import BreakdownLine, Reason

router = Router()


class ProductsResponse(BaseModel):
    products: list[ProductSummary]


class QuoteResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on the first quote, not when products are listed

    quote_id: str = Field(description="Send it as `quote_id` with `POST /applications` while the quote holds")
    product: str
    state: str
    premium: Money = Field(description="Annual premium")
    multiplier: str
    expires_at: Timestamp
    breakdown: list[BreakdownLine]
    reasons: list[Reason] = Field(description="The rate factors that applied, each with its rule id")
    rulebook_version: str
    payment_plans: list[PaymentPlanView] = Field(
        default_factory=list,
        description="The ways to pay the premium (annual, quarterly, monthly as the product offers), each with its "
        "fee and its schedule if the policy started today",
    )


@router.get(
    "/products",
    summary="Products on sale, each with its approved states, limits and input schema",
    tags=["issuance"],
)
@access(Access.PUBLIC)
def get_products() -> ProductsResponse:
    from insure.underwriting import products

    return ProductsResponse(products=products())


@router.post(
    "/quotes",
    summary="A preliminary premium from the same stored criteria as the final one (Idempotency-Key honoured)",
    tags=["issuance"],
    responses={
        200: {"description": "The quote", "content": {"application/json": {"model": QuoteResponse}}},
        404: problem("No rulebook of this product is on sale"),
    },
)
@access(Access.PUBLIC)
def post_quote(request: QuoteRequest, idempotency_key: IdempotencyKey = None) -> QuoteResponse:
    from insure.underwriting.quotes import issue_quote

    stored = issue_quote(request, services(router).idempotency, idempotency_key=idempotency_key)
    result = stored.result
    from insure import timestamps
    from insure.billing.catalog import offered_plans

    plans = offered_plans(result.rulebook_version, result.premium.decimal, timestamps.today())
    return QuoteResponse(
        quote_id=stored.quote_id,
        product=request.product,
        state=request.state,
        premium=result.premium,
        multiplier=result.multiplier,
        expires_at=stored.expires_at,
        breakdown=result.breakdown,
        reasons=result.reasons,
        rulebook_version=result.rulebook_version,
        payment_plans=plans,  # type: ignore[arg-type]
    )
