"""What the local cloud keeps across a restart: a write-ahead journal of DynamoDB items and Secrets Manager values.

Every acknowledged DynamoDB write (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) appends
the new image of each item it touched (or its deletion) to `journal.jsonl` and fsyncs it before the caller gets
its answer, so a `kill -9` loses no acknowledged write; a line cut short by the kill is ignored. Secret values are
journaled the same way. At start the journal is replayed into moto after the declared resources are created, then
rewritten compacted (one line per live item). It hooks botocore's public event system (`before-call` /
`after-call`, as moto itself hooks `before-send`), so it sees every in-process AWS call of the platform.

The state directory is 0700 and the journal 0600: it holds the secrets (admin key, signing keys, webhook
secrets). Not kept: SQS messages, Step Functions executions in flight, S3 objects (policy documents are rendered
again from the stored policy on first read)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from local.resources import ACCOUNT, REGION

JOURNAL = "journal.jsonl"
_DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_SECRET_WRITES = frozenset({"CreateSecret", "PutSecretValue", "UpdateSecret"})


def private_directory(path: Path) -> Path:
    """`path`, created if needed, readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Writes `text` to `path` (replacing it atomically), readable by its owner only."""
    private_directory(path.parent)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def wipe(directory: Path) -> None:
    """Forget everything kept in `directory` (`make reset`, `python -m local --reset`)."""
    if directory.exists():
        shutil.rmtree(directory)


def _touched_keys(operation: str, request: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None, Any]]:
    """(table, key, item) per item a DynamoDB write names: the key when the request gives it, else the item."""
    if operation in ("UpdateItem", "DeleteItem"):
        return [(request["TableName"], request["Key"], None)]
    if operation == "PutItem":
        return [(request["TableName"], None, request["Item"])]
    touched: list[tuple[str, dict[str, Any] | None, Any]] = []
    if operation == "BatchWriteItem":
        for table, writes in request.get("RequestItems", {}).items():
            for write in writes:
                if "PutRequest" in write:
                    touched.append((table, None, write["PutRequest"]["Item"]))
                elif "DeleteRequest" in write:
                    touched.append((table, write["DeleteRequest"]["Key"], None))
    elif operation == "TransactWriteItems":
        for entry in request.get("TransactItems", []):
            for kind in ("Put", "Update", "Delete"):
                if kind in entry:
                    action = entry[kind]
                    touched.append((action["TableName"], action.get("Key"), action.get("Item")))
    return touched


class Journal:
    """The journal in `directory`; `restore()` at start, then `attach()` to record every write from then on."""

    def __init__(self, directory: Path) -> None:
        self.directory = private_directory(directory)
        self.path = directory / JOURNAL
        self._lock = threading.Lock()
        self._file: Any = None
        self.restored = 0

    # start ---------------------------------------------------------------------------------------------------
    def read(self) -> tuple[dict[tuple[str, str], dict[str, Any] | None], dict[str, str]]:
        """The last image of each item by (table, key) and the last value of each secret."""
        items: dict[tuple[str, str], dict[str, Any] | None] = {}
        secrets: dict[str, str] = {}
        if not self.path.exists():
            return items, secrets
        with open(self.path, encoding="utf-8") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # the last line, cut short by a kill before it was acknowledged
                if entry["t"] == "item":
                    items[(entry["table"], json.dumps(entry["key"], sort_keys=True))] = entry["item"]
                elif entry["t"] == "secret":
                    secrets[entry["name"]] = entry["value"]
        return items, secrets

    def restore(self) -> dict[str, str]:
        """Puts every journaled item and secret value back into moto; returns the secret values restored."""
        import boto3
        from moto.dynamodb.models import dynamodb_backends

        items, secrets = self.read()
        dynamodb = dynamodb_backends[ACCOUNT][REGION]
        for (table, _), item in items.items():
            if item is not None:
                dynamodb.put_item(table, item)
                self.restored += 1
        manager = boto3.client("secretsmanager", region_name=REGION)
        for name, value in secrets.items():
            manager.put_secret_value(SecretId=name, SecretString=value)
        self._compact(items, secrets)
        return secrets

    def _compact(self, items: dict[tuple[str, str], dict[str, Any] | None], secrets: dict[str, str]) -> None:
        lines = [json.dumps({"t": "secret", "name": n, "value": v}) for n, v in secrets.items()]
        for (table, key), item in items.items():
            if item is not None:
                lines.append(json.dumps({"t": "item", "table": table, "key": json.loads(key), "item": item}))
        write_private(self.path, "".join(f"{line}\n" for line in lines))

    # from then on ----------------------------------------------------------------------------------------------
    def attach(self, current_secrets: dict[str, str]) -> None:
        """Journals `current_secrets` (what this start created or adopted), then every write that follows."""
        from botocore.handlers import BUILTIN_HANDLERS

        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(descriptor, "a", encoding="utf-8")
        self._append([{"t": "secret", "name": n, "value": v} for n, v in current_secrets.items()])
        BUILTIN_HANDLERS.append(("before-call.dynamodb", self._remember_request))
        BUILTIN_HANDLERS.append(("before-call.secrets-manager", self._remember_request))
        BUILTIN_HANDLERS.append(("after-call.dynamodb", self._record_dynamodb))
        BUILTIN_HANDLERS.append(("after-call.secrets-manager", self._record_secret))

    def detach(self) -> None:
        from botocore.handlers import BUILTIN_HANDLERS

        handlers = (self._remember_request, self._record_dynamodb, self._record_secret)
        BUILTIN_HANDLERS[:] = [(event, h) for event, h in BUILTIN_HANDLERS if h not in handlers]
        if self._file is not None:
            self._file.close()
            self._file = None

    @staticmethod
    def _remember_request(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        body = params.get("body")
        if body:
            context["journal_request"] = json.loads(body)

    def _record_dynamodb(self, http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name not in _DYNAMODB_WRITES or http_response.status_code >= 300 or self._file is None:
            return
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[ACCOUNT][REGION]
        request = context.get("journal_request", {})
        with self._lock:  # each image is read now, so a key's last line is never older than its last write
            entries = []
            for table_name, named_key, item in _touched_keys(model.name, request):
                table = backend.get_table(table_name)
                attributes = (table.hash_key_attr, table.range_key_attr)
                key = named_key or {name: item[name] for name in attributes if name is not None}
                found = backend.get_item(table_name, key)
                image = found.to_json()["Attributes"] if found is not None else None
                entries.append({"t": "item", "table": table_name, "key": key, "item": image})
            self._append_locked(entries)

    def _record_secret(self, http_response: Any, model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name not in _SECRET_WRITES or http_response.status_code >= 300 or self._file is None:
            return
        request = context.get("journal_request", {})
        name, value = request.get("SecretId") or request.get("Name"), request.get("SecretString")
        if name and value is not None:
            self._append([{"t": "secret", "name": name, "value": value}])

    def _append(self, entries: list[dict[str, Any]]) -> None:
        with self._lock:
            self._append_locked(entries)

    def _append_locked(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            return
        self._file.write("".join(json.dumps(entry) + "\n" for entry in entries))
        self._file.flush()
        os.fsync(self._file.fileno())
