"""Back office for customer accounts: find, unlock, history (admin)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from insure.http.access import SERVICES
from insure.http.api import build_resolver
from insure.roots import Lazy
from insure.roots.accounts import AccountsRoot
from insure.routes.accounts_backoffice import router

logger = Logger()
app = build_resolver([router])
root = Lazy(AccountsRoot.from_environment)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    app.append_context(**{SERVICES: root()})
    return app.resolve(event, context)
