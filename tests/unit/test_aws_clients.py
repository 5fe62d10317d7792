"""Code that runs in Lambda uses botocore through its public API only: the Lambda runtime brings its own botocore
(the layer does not pin it), so a subclass or override of botocore's internals could break on any runtime update."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_CODE = [ROOT / "layers" / "shared" / "python", ROOT / "functions"]
PUBLIC_BOTOCORE = {"botocore.session", "botocore.config", "botocore.exceptions"}


def _botocore_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "botocore"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "botocore":
            found.append(node.module or "")
    return found


def test_lambda_code_imports_only_botocores_public_modules():
    used = {
        f"{path.relative_to(ROOT)}: {module}"
        for base in LAMBDA_CODE
        for path in base.rglob("*.py")
        for module in _botocore_uses(path)
        if module not in PUBLIC_BOTOCORE
    }
    assert used == set()


def test_clients_come_from_botocores_own_loader(monkeypatch):
    import botocore.loaders

    from insure import aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    aws.reset_clients()
    try:
        loader = aws._session().get_component("data_loader")
        assert type(loader) is botocore.loaders.Loader
        assert aws.client("dynamodb").meta.service_model.service_name == "dynamodb"
    finally:
        aws.reset_clients()
