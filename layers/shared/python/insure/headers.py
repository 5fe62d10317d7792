"""Request headers read case-insensitively, on Powertools' `CaseInsensitiveDict` (what a resolver's
`current_event.headers` already is; plain mappings, as tests and the local server may pass, are wrapped)."""

from __future__ import annotations

from collections.abc import Mapping


def case_insensitive(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    """`headers` readable whatever the names' case."""
    from aws_lambda_powertools.utilities.data_classes.common import CaseInsensitiveDict

    return headers if isinstance(headers, CaseInsensitiveDict) else CaseInsensitiveDict(headers or {})


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """The value of header `name` in any case; None when it is absent or empty."""
    return case_insensitive(headers).get(name) or None
