"""One synthesis of the real app per test session (about 4 s): every infrastructure test reads this template.

Tests locate resources through the stack object (declared name -> construct -> logical id) and then assert the
template's properties, so nothing here lists the platform's functions, queues or machines by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass
class Synthesized:
    """The stack object and its template, with a few lookups the tests share."""

    stack: Any
    template: Any  # aws_cdk.assertions.Template

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.to_json()["Resources"]

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))

    def properties(self, construct: Any) -> dict:
        return dict(self.resources[self.logical_id(construct)].get("Properties", {}))

    def role_statements(self, construct: Any) -> list[dict]:
        """Every statement of the inline policies attached to the role of a function or state machine."""
        role_id = self.logical_id(construct.role)
        statements: list[dict] = []
        for resource in self.resources.values():
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            if {"Ref": role_id} in resource["Properties"].get("Roles", []):
                statements += resource["Properties"]["PolicyDocument"]["Statement"]
        return statements


def synthesize(**context: Any) -> Synthesized:
    from aws_cdk.assertions import Template

    from stacks.application import build_app, offline_context

    _app, stack = build_app({**offline_context(), **context}, nag=False)
    return Synthesized(stack=stack, template=Template.from_stack(stack))


@pytest.fixture(scope="session")
def synthesized() -> Synthesized:
    return synthesize()


def getatt_targets(value: Any) -> set[str]:
    """Logical ids referenced by `Fn::GetAtt` anywhere inside a CloudFormation value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Fn::GetAtt":
                found.add(inner[0])
            else:
                found |= getatt_targets(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= getatt_targets(inner)
    return found


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]
