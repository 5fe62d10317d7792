#!/usr/bin/env python3
"""CDK entry point (`cdk synth`, `cdk deploy`): the platform stack built from `declaration`."""

from stacks.application import build_app

app, _stack = build_app()
app.synth()
