"""The two layers every function carries: AWS's managed Powertools layer and our own `insure` package.

Our layer is bundled locally with pip (no Docker): the third-party runtime dependencies from requirements.txt
(minus what the Powertools layer already provides), built for Lambda's arm64 / Python 3.13, plus `python/insure`
and the repository's `data/` (rules kept as data) at `/opt/data`.

The layer ships bytecode compiled for the runtime: `/opt` is read-only in Lambda, so a layer of source only is
compiled again at every cold start (measured locally: 50 to 120 ms of a first request that imports the underwriting
code). Compiling needs an interpreter of the runtime's version (`python3.13` on PATH, or one installed by pyenv);
without one the layer ships source and the bundling says so. The `.pyc` files are checked against the source's
hash only when the source changes (`unchecked-hash`): an asset's file times are not kept."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling, Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.conventions import DATA_DIR, LAYER_DIR, POWERTOOLS_LAYER_ARN, RUNTIME_REQUIREMENTS
from stacks.plan import layer_requirements

RUNTIME_PYTHON = "3.13"


def runtime_python() -> str | None:
    """An interpreter of the functions' runtime version, to compile the layer's bytecode with (None: none here)."""
    pyenv = os.path.expanduser(f"~/.pyenv/versions/{RUNTIME_PYTHON}.*/bin/python{RUNTIME_PYTHON}")
    for candidate in [shutil.which(f"python{RUNTIME_PYTHON}"), *sorted(glob.glob(pyenv))]:
        if not candidate:
            continue
        check = f"import sys; sys.exit(sys.version_info[:2] != {tuple(map(int, RUNTIME_PYTHON.split('.')))})"
        if subprocess.run([candidate, "-c", check], capture_output=True, check=False).returncode == 0:  # noqa: S603
            return candidate
    return None


def compile_bytecode(target: Path) -> bool:
    """Compiles every module under `target` for the runtime; False (and a warning) when no such interpreter."""
    interpreter = runtime_python()
    if interpreter is None:
        print(f"warning: no Python {RUNTIME_PYTHON} here: the layer ships source, compiled at each cold start")
        return False
    subprocess.run(  # noqa: S603 (fixed argv, no shell)
        [interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)],
        check=True,
    )
    return True


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Builds the layer on this machine with pip for manylinux arm64 wheels; Docker is never needed."""

    def __init__(self, source: Path, requirements: Path, data: Path) -> None:
        self._source = source
        self._requirements = requirements
        self._data = data

    def try_bundle(self, output_dir: str, *_args: Any, **_options: Any) -> bool:
        target = Path(output_dir) / "python"
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            pinned = Path(scratch) / "requirements.txt"
            pinned.write_text("\n".join(layer_requirements(self._requirements.read_text())) + "\n")
            subprocess.run(  # noqa: S603 (fixed argv, no shell)
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--requirement",
                    str(pinned),
                    "--target",
                    str(target),
                    "--platform",
                    "manylinux2014_aarch64",
                    "--implementation",
                    "cp",
                    "--python-version",
                    "3.13",
                    "--only-binary=:all:",
                    "--upgrade",
                ],
                check=True,
            )
        for unused in ("bin", "share"):  # console scripts and data files no function can use
            shutil.rmtree(target / unused, ignore_errors=True)
        for cache in list(target.rglob("__pycache__")):
            shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(self._source / "python", target, dirs_exist_ok=True, ignore=_ignore_caches)
        compile_bytecode(target)
        if self._data.is_dir():  # rules kept as data: /opt/data, found by searching upwards from the package
            shutil.copytree(self._data, Path(output_dir) / "data", dirs_exist_ok=True)
        return True


def _ignore_caches(_directory: str, names: list[str]) -> list[str]:
    return [name for name in names if name in {"__pycache__", ".mypy_cache"} or name.endswith(".pyc")]


class Layers(Construct):
    """`powertools` (managed, by ARN) and `shared` (ours, from layers/shared)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.powertools = lambda_.LayerVersion.from_layer_version_arn(
            self, "Powertools", POWERTOOLS_LAYER_ARN.format(region=Stack.of(self).region)
        )
        self.shared = lambda_.LayerVersion(
            self,
            "Shared",
            description="The insure package and its third-party runtime dependencies",
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            code=lambda_.Code.from_asset(
                str(LAYER_DIR),
                # Hash what is bundled, so a change to requirements.txt or data/ ships a new layer version.
                asset_hash_type=AssetHashType.OUTPUT,
                bundling=BundlingOptions(
                    image=DockerImage.from_registry("unused-local-bundling-only"),
                    local=PipLayerBundling(LAYER_DIR, RUNTIME_REQUIREMENTS, DATA_DIR),
                ),
            ),
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.powertools, self.shared]
