"""Once-only effects for POSTs with an `Idempotency-Key` and for duplicate deliveries (scan ids, webhook ids),
on Powertools idempotency with its own DynamoDB table.

A repeat with the same key and payload returns the first result; the same key with a different payload is 422;
a repeat while the first is still running is 409. Every creating POST honours the header (`once_per_key`); what
is stored is the effect's small result (ids), never a secret: a replay rebuilds its response from it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from insure.errors import Conflict, RuleViolation

ONE_DAY_S = 24 * 3600
_lambda_context: list[Any] = []


def use_lambda_context(context: Any) -> None:
    """The invocation's Lambda context, so an in-progress record expires with the invocation (Powertools'
    `register_lambda_context`). The API resolver sets it for every request."""
    _lambda_context[:] = [context] if context is not None else []


class IdempotencyStore:
    """Once-only effects recorded in the idempotency table `table_name` (built once per execution environment by a
    composition root; `insure.applications.ports.Idempotency` is its interface)."""

    def __init__(self, table_name: str, dynamodb: Any = None) -> None:
        self._table_name, self._dynamodb = table_name, dynamodb

    @cached_property
    def _persistence(self) -> Any:
        """Powertools' persistence layer, built on the first effect (a request refused before one pays nothing)."""
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        dynamodb = self._dynamodb
        if dynamodb is None:
            from insure.aws import client

            dynamodb = client("dynamodb")
        return DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=dynamodb)

    def run_once(
        self,
        scope: str,
        key: str,
        payload: Any,
        effect: Callable[[], dict[str, Any]],
        *,
        expires_after_s: int = ONE_DAY_S,
    ) -> dict[str, Any]:
        """Run `effect` once per (`scope`, `key`); its JSON-serializable result is replayed on repeats."""
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_s,
            use_local_cache=False,
        )
        if _lambda_context:
            config.register_lambda_context(_lambda_context[0])

        def _effect(request: dict[str, Any]) -> dict[str, Any]:
            return effect()

        guarded = idempotent_function(
            data_keyword_argument="request", persistence_store=self._persistence, config=config, key_prefix=scope
        )(_effect)
        try:
            result: dict[str, Any] = guarded(request={"key": f"{scope}:{key}", "payload": payload})
        except IdempotencyValidationError as error:
            raise RuleViolation("This Idempotency-Key was already used with a different request body.") from error
        except IdempotencyAlreadyInProgressError as error:
            raise Conflict("A request with this Idempotency-Key is still in progress; retry shortly.") from error
        return result

    def once_per_key(
        self, scope: str, key: str | None, payload: Any, effect: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """`run_once` when the client sent an `Idempotency-Key` (a creating POST), else simply `effect()`."""
        key = (key or "").strip()
        return self.run_once(scope, key, payload, effect) if key else effect()
