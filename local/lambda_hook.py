"""The one hook into moto: its Lambda backend runs our handlers in-process instead of in Docker.

moto's Step Functions interpreter invokes Lambda tasks through the Lambda API; moto then calls the private
`LambdaFunction._invoke_lambda`, which we replace. A handler's exception becomes a function error whose payload
carries `errorType` = the exception's class name, so ASL `Retry`/`Catch` match by name."""

from __future__ import annotations

import json
from typing import Any

from moto.awslambda.models import LambdaFunction

from local.functions_host import FunctionsHost

_original = LambdaFunction._invoke_lambda


def install(host: FunctionsHost) -> None:
    """Route moto's Lambda invocations to `host`, with our fixes to moto's interpreter (`local.moto_fixes`)."""
    from local import moto_fixes

    moto_fixes.install()

    def _invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        if isinstance(event, str):
            event = json.loads(event) if event else {}
        try:
            result = host.invoke(self.function_name, event if event is not None else {})
        except Exception as error:  # noqa: BLE001 - reported to the caller as Lambda does
            payload = {"errorType": type(error).__name__, "errorMessage": str(error)}
            return json.dumps(payload), True, ""
        return json.dumps(result, default=str), False, ""

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]


def uninstall() -> None:
    LambdaFunction._invoke_lambda = _original  # type: ignore[method-assign]
