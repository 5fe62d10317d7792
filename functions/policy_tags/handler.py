"""The customer's item tags: read an item's tag, attach a physical tag, add another insurer's policy on the object."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.access import SERVICES
from insure.http.api import build_resolver
from insure.roots import Lazy
from insure.roots.policy_tags import PolicyTagsRoot
from insure.routes.policy_tags import router

logger = Logger()
app = build_resolver([router])
root = Lazy(PolicyTagsRoot.from_environment)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    app.append_context(**{SERVICES: root()})
    return app.resolve(event, context)
