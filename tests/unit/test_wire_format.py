"""Repositories are the only code that knows DynamoDB's wire format: no attribute value such as `{"S": ...}` and
no expression argument (`UpdateExpression`, `ConditionExpression`, `ExpressionAttributeValues`, ...) outside a
repository module (`*repository.py`), a repository class (`*Repository`, `*Store`) or the shared repository
plumbing (`insure/storage.py`). Services say what they want through repository methods instead."""

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
