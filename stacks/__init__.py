"""The AWS side of the platform: a CDK app whose every resource is built from `declaration`.

`build_app()` is the single entry point used by `app.py`, `scripts/synth_check.py` and the infrastructure tests.
"""

from stacks.application import build_app, offline_context
from stacks.platform_stack import PlatformStack

__all__ = ["PlatformStack", "build_app", "offline_context"]
