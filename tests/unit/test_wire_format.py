"""Repositories are the only code that knows DynamoDB's wire format: no attribute value such as `{"S": ...}`, no
read of one (`item["status"]["S"]`, `item.get("poll_seq", {}).get("N")`) and no expression argument
(`UpdateExpression`, `ConditionExpression`, `ExpressionAttributeValues`, ...) outside a repository module
(`*repository.py`), a repository class (`*Repository`, `*Store`) or the shared repository plumbing
(`insure/storage.py`). Services say what they want through repository methods instead."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "insure"
ATTRIBUTE_TYPES = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"}
EXPRESSION_ARGUMENTS = {
    "UpdateExpression",
    "ConditionExpression",
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
    "ExpressionAttributeValues",
    "ExpressionAttributeNames",
}


def _repository_module(path: Path) -> bool:
    return path.name.endswith("repository.py") or path == LAYER / "storage.py"


def wire_format_outside_repositories(source: str, path: Path) -> list[str]:
    """`file:line (enclosing class)` of each wire-format use that no repository owns."""
    found: list[str] = []
    owners: list[str] = []

    class Visitor(ast.NodeVisitor):
        def visit_ClassDef(self, node: ast.ClassDef) -> None:
            owners.append(node.name)
            self.generic_visit(node)
            owners.pop()

        def _report(self, node: ast.AST, what: str) -> None:
            in_repository = any(o.endswith(("Repository", "Store")) for o in owners)
            if not in_repository and not _repository_module(path):
                found.append(f"{path.relative_to(LAYER)}:{getattr(node, 'lineno', 0)} {what}")

        def visit_Dict(self, node: ast.Dict) -> None:
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len(node.keys) == 1 and keys and keys[0] in ATTRIBUTE_TYPES:
                self._report(node, f"attribute value {{{keys[0]!r}: ...}}")
            self.generic_visit(node)

        def visit_Subscript(self, node: ast.Subscript) -> None:
            if isinstance(node.slice, ast.Constant) and node.slice.value in ATTRIBUTE_TYPES:
                self._report(node, f"attribute value read [{node.slice.value!r}]")
            self.generic_visit(node)

        def visit_Call(self, node: ast.Call) -> None:
            first = node.args[0] if node.args else None
            is_get = isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            if is_get and isinstance(first, ast.Constant) and first.value in ATTRIBUTE_TYPES:
                self._report(node, f"attribute value read .get({first.value!r})")
            self.generic_visit(node)

        def visit_keyword(self, node: ast.keyword) -> None:
            if node.arg in EXPRESSION_ARGUMENTS:
                self._report(node, node.arg)
            self.generic_visit(node)

    Visitor().visit(ast.parse(source))
    return found


def test_only_repositories_know_the_dynamodb_wire_format() -> None:
    found = [
        use for path in sorted(LAYER.rglob("*.py")) for use in wire_format_outside_repositories(path.read_text(), path)
    ]
    assert found == []


def test_the_check_finds_an_expression_passed_in_from_a_service() -> None:
    service = """
class ApplicationService:
    def pay(self, token):
        self.applications.change("a-1", when=("task_token = :t", {":t": {"S": token}}))
        self.db.update_item(ConditionExpression="attribute_exists(pk)")
"""
    found = wire_format_outside_repositories(service, LAYER / "applications" / "service.py")
    assert found == [
        "applications/service.py:4 attribute value {'S': ...}",
        "applications/service.py:5 ConditionExpression",
    ]
    assert wire_format_outside_repositories(service.replace("Service", "Repository"), LAYER / "x.py") == []


def test_the_check_finds_a_stored_item_read_outside_its_repository() -> None:
    worker = """
class FilingWorker:
    def poll(self, item):
        if item["status"]["S"] in FINAL or item.get("poll_seq", {}).get("N") != "1":
            return int(item["facts"]["M"]["revision"]["N"]), item["flags"]["BOOL"], item["ids"]["SS"], item["x"]["NULL"]
        return item["history"]["L"], item["name"]
"""
    found = wire_format_outside_repositories(worker, LAYER / "risk" / "filing.py")
    assert found == [
        "risk/filing.py:4 attribute value read ['S']",
        "risk/filing.py:4 attribute value read .get('N')",
        "risk/filing.py:5 attribute value read ['N']",
        "risk/filing.py:5 attribute value read ['M']",
        "risk/filing.py:5 attribute value read ['BOOL']",
        "risk/filing.py:5 attribute value read ['SS']",
        "risk/filing.py:5 attribute value read ['NULL']",
        "risk/filing.py:6 attribute value read ['L']",
    ]
    assert wire_format_outside_repositories(worker, LAYER / "risk" / "progress_repository.py") == []
    assert wire_format_outside_repositories(worker.replace("FilingWorker", "ProgressStore"), LAYER / "x.py") == []
