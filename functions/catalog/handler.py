"""GET /products and POST /quotes.

Listing the products takes no input and returns the stored catalog as plain dicts (`product_list()`, the same JSON
as the documented `ProductsResponse`), so it is served by a resolver without validation and answers without
importing pydantic; quotes are served by the validating resolver of `insure.routes.catalog`, built on the first
other request."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.access import SERVICES, Access, access
from insure.http.api import build_resolver
from insure.roots import Lazy
from insure.roots.catalog import CatalogRoot

logger = Logger()
listing = build_resolver([], validation=False)


@listing.get("/products")
@access(Access.PUBLIC)
def get_products() -> dict:
    from insure.underwriting import product_list

    return {"products": product_list()}


def _build_api() -> APIGatewayRestResolver:
    """The validating resolver of the catalog's documented routes (quotes, and any other request)."""
    from insure.routes.catalog import router

    return build_resolver([router])


api = Lazy(_build_api)
"""The catalog's validating resolver, built on the first request that needs it, once per execution environment."""
root = Lazy(CatalogRoot.from_environment)


def __getattr__(name: str) -> APIGatewayRestResolver:
    """`app`: the resolver serving every route of the function (built when asked for, as on the first quote)."""
    if name == "app":
        return api()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    if event.get("httpMethod") == "GET" and event.get("resource") == "/products":
        return listing.resolve(event, context)
    resolver = api()
    resolver.append_context(**{SERVICES: root()})
    return resolver.resolve(event, context)
