"""The platform's deployment in moto, created once per test process and emptied after each test.

Creating every declared resource through moto's API took seconds per test (most of the integration suite's setup).
A test now gets the deployment as the previous one left it, emptied: no item in a table, no message in a queue, no
object in a bucket, no execution of a state machine, and every other service (SNS, SES, ...) as new. moto is active
only while a test that uses the platform runs, as before; a test that starts its own `mock_aws()` wipes every
backend, and the next platform test then finds the deployment gone and creates it again.

What is emptied is moto's own storage (moto is pinned: local/moto_fixes.py); tests/integration/test_shared_deployment.py
checks that an emptied deployment answers every read as a new one does, so a moto upgrade that moves any of it
fails there first."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from moto import mock_aws
from moto.core.base_backend import BackendDict

from local.functions_host import FunctionsHost
from local.resources import ACCOUNT, REGION, Deployment, create_all

# The services the deployment's resources live in: emptied resource by resource. Every other service is reset.
KEPT = ("dynamodb", "sqs", "s3", "secretsmanager", "lambda", "iam", "stepfunctions")
QUIET_TIMEOUT_S = 15.0
T = TypeVar("T")


def _backend(service: str, region: str = REGION) -> Any:
    if service == "dynamodb":
        from moto.dynamodb.models import dynamodb_backends as backends
    elif service == "sqs":
        from moto.sqs.models import sqs_backends as backends
    elif service == "s3":
        from moto.s3.models import s3_backends as backends
    elif service == "secretsmanager":
        from moto.secretsmanager.models import secretsmanager_backends as backends
    elif service == "lambda":
        from moto.awslambda.models import lambda_backends as backends
    elif service == "stepfunctions":
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends as backends
    else:
        raise ValueError(service)
    return backends[ACCOUNT][region]


class SharedDeployment:
    """`open()` before a test (moto started, the deployment there), `close(host)` after it (emptied, moto stopped)."""

    def __init__(self, admin_key: str) -> None:
        self.admin_key = admin_key
        self.deployment: Deployment | None = None
        self.builds = 0  # how many times the deployment was created (once, unless a test wiped moto)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._objects: tuple[Any, ...] = ()
        self._prepared: dict[str, tuple[Any, dict[str, Any]]] = {}  # name -> (what prepare returned, items)

    def open(self) -> Deployment:
        import boto3

        self._mock.start(reset=False)
        if self.deployment is None or not self._intact():
            BackendDict.reset()  # whatever was left (a wiped or altered deployment): moto as new
            self.deployment = create_all(boto3, admin_key=self.admin_key)
            self._objects = self._current()
            self.builds += 1
        return self.deployment

    def prepared(self, name: str, prepare: Callable[[], T]) -> T:
        """What `prepare()` writes into the new deployment's tables (rulebooks...), written by it the first time
        and copied in afterwards; its answer is kept too. A preparation that leaves anything but items in tables
        (or that finds them not empty) runs every time."""
        tables = self._objects[0]
        if name in self._prepared:
            answer, items = self._prepared[name]
            for table_name, stored in items.items():
                table = tables[table_name]
                if table.range_key_attr:
                    for hash_key, by_range in copy.deepcopy(stored).items():
                        table.items[hash_key].update(by_range)
                else:
                    table.items.update(copy.deepcopy(stored))
            return answer
        fresh = self._is_new()
        answer = prepare()
        if fresh and self._only_items_written():
            self._prepared[name] = (answer, {n: copy.deepcopy(t.items) for n, t in tables.items()})
        return answer

    def _is_new(self) -> bool:
        return all(not t.items for t in self._objects[0].values()) and self._only_items_written()

    def _only_items_written(self) -> bool:
        _, queues, buckets, _, _, machines = self._objects
        return (
            all(not q._messages for q in queues.values())
            and all(not b.keys for b in buckets.values())
            and all(not m.executions for m in machines)
        )

    def close(self, host: FunctionsHost) -> None:
        try:
            if self.deployment is not None and self._intact():
                self._quiet(host)
                self._empty()
            else:
                self.deployment = None  # created again by the next open()
        finally:
            self._mock.stop(remove_data=False)

    def _current(self) -> tuple[Any, ...]:
        """What moto holds for the platform: its resources' objects (identity tells a kept deployment from one
        created again) and every resource's name (a test that added or removed one leaves a changed deployment)."""
        dynamodb, sqs, s3 = _backend("dynamodb"), _backend("sqs"), _backend("s3", "global")
        secrets, functions, machines = _backend("secretsmanager"), _backend("lambda"), _backend("stepfunctions")
        return (
            dict(dynamodb.tables),
            dict(sqs.queues),
            dict(s3.buckets),
            {name: tuple(secrets.secrets[name].versions) for name in list(secrets.secrets)},
            sorted(functions._lambdas._functions),
            list(machines.state_machines),
        )

    def _intact(self) -> bool:
        try:
            current = self._current()
        except KeyError:  # a backend made new
            return False
        kept = self._objects
        return (
            all(current[i].keys() == kept[i].keys() for i in range(3))
            and all(current[i][name] is kept[i][name] for i in range(3) for name in kept[i])
            and current[3] == kept[3]
            and current[4] == kept[4]
            and len(current[5]) == len(kept[5])
            and all(a is b for a, b in zip(current[5], kept[5], strict=True))
        )

    def _executions(self) -> list[Any]:
        return [execution for machine in self._objects[5] for execution in machine.executions]

    def _quiet(self, host: FunctionsHost) -> None:
        """End what the test left running: its executions are stopped (a workflow waiting for a callback is
        answered with a failure, as a stopped execution's waiting task is never resumed), then their threads and
        any handler still running are waited for. Nothing of a test reaches the next one's tables."""
        from moto.core.utils import utcnow
        from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackOutcomeFailure
        from moto.stepfunctions.parser.utils import TMP_THREADS

        for execution in self._executions():
            if execution.status == "RUNNING":
                execution.stop(stop_date=utcnow(), error="TestEnded", cause="the test ended")
            worker = execution.exec_worker
            if worker is not None:
                pool = worker.env.callback_pool_manager
                for token in list(pool._pool):
                    endpoint = pool.get(token)
                    if endpoint is not None and endpoint.get_outcome() is None:
                        endpoint.notify(CallbackOutcomeFailure(callback_id=token, error="TestEnded", cause=""))
        deadline = time.monotonic() + QUIET_TIMEOUT_S
        for thread in list(TMP_THREADS):
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
            if not thread.is_alive():
                TMP_THREADS.remove(thread)
        while not host.idle() and time.monotonic() < deadline:
            time.sleep(0.01)
        if time.monotonic() >= deadline:
            raise RuntimeError(f"the test left work running after {QUIET_TIMEOUT_S} s: {TMP_THREADS}")

    def _empty(self) -> None:
        tables, queues, buckets, _, _, machines = self._objects
        for table in tables.values():
            table.items.clear()
        for queue in queues.values():
            with queue._messages_lock:
                queue._messages = []
                queue._pending_messages = set()
                queue.deleted_messages = set()
        for bucket in buckets.values():
            for name in list(bucket.keys):
                for key in bucket.keys.getlist(name):
                    key.dispose()
            bucket.keys.clear()
            bucket.multiparts.clear()
        for machine in machines:
            machine.executions.clear()
        for backends in list(BackendDict._instances):
            if backends.service_name not in KEPT:
                for account in backends.values():
                    for backend in list(account.values()):
                        backend.reset()
