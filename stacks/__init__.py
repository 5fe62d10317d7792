"""The AWS side of the platform: a CDK app whose every resource is built from `declaration`.

`stacks.application.build_app()` is the single entry point used by `app.py`, `scripts/synth_check.py` and the
infrastructure tests. This package imports no CDK itself, so `stacks.conventions` and `stacks.plan` stay cheap.
"""
