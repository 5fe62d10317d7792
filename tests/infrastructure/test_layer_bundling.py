"""Our layer is bundled on this machine (no Docker) into Lambda's layout: `python/` on sys.path, `data/` beside."""

from __future__ import annotations

from pathlib import Path

import pytest

from stacks.plan import layer_requirements

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]


def test_only_what_the_managed_powertools_layer_lacks_is_bundled():
    requirements = "aws-lambda-powertools[datamasking]==3.37.0\npydantic==2.13.4  # models\n-r other.txt\n\n"
    assert layer_requirements(requirements) == ["pydantic==2.13.4"]


def test_the_project_bundles_its_runtime_pins_except_powertools():
    root = Path(__file__).resolve().parents[2]
    pins = layer_requirements((root / "requirements.txt").read_text())
    assert pins and all("==" in pin for pin in pins)
    assert not [pin for pin in pins if pin.startswith("aws-lambda-powertools")]


def test_local_bundling_lays_out_package_and_data_without_caches(tmp_path):
    from stacks.layers import PipLayerBundling

    # Given a layer source with a package (and a stray cache), rules kept as data, and nothing to pip install
    source = tmp_path / "layer"
    (source / "python" / "insure" / "__pycache__").mkdir(parents=True)
    (source / "python" / "insure" / "__init__.py").write_text('"""pkg"""\n')
    (source / "python" / "insure" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "data" / "guidance").mkdir(parents=True)
    (tmp_path / "data" / "guidance" / "10_safety.json").write_text("{}")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("aws-lambda-powertools==3.37.0\n")
    output = tmp_path / "out"
    output.mkdir()
    # When CDK asks for the bundle
    done = PipLayerBundling(source, requirements, tmp_path / "data").try_bundle(str(output))
    # Then it was built locally, in the layout Lambda mounts under /opt
    assert done is True
    assert (output / "python" / "insure" / "__init__.py").is_file()
    assert (output / "data" / "guidance" / "10_safety.json").is_file()
    # And no stray cache of this machine's Python went with it: bytecode only for the runtime, if any
    compiled = [p.name for p in output.rglob("*.pyc")]
    assert all(name.endswith(".cpython-313.pyc") for name in compiled), compiled


def test_the_layer_ships_bytecode_for_the_runtime_checked_by_hash(tmp_path):
    from stacks.layers import compile_bytecode, runtime_python

    if runtime_python() is None:
        pytest.skip("no Python 3.13 on this machine: the layer ships source (the bundling warns)")
    # Given a package as the layer lays it out
    package = tmp_path / "python" / "insure"
    package.mkdir(parents=True)
    (package / "rules.py").write_text("LIMIT = 5\n")
    # When it is compiled for the runtime
    assert compile_bytecode(tmp_path / "python") is True
    # Then each module has Python 3.13 bytecode that is checked against its source's hash, not its file time
    pyc = package / "__pycache__" / "rules.cpython-313.pyc"
    header = pyc.read_bytes()[:16]
    flags = int.from_bytes(header[4:8], "little")
    assert flags == 0b01  # hash-based, not checked at import (unchecked-hash)
