"""Notification templates, kept as data in `data/notifications/templates.json`: a category and, per channel, an
e-mail subject and body or a text message body with `{name}` placeholders filled from the notification's data."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import cache
from typing import Literal

Category = Literal["security", "service", "marketing", "business"]
CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


@dataclass(frozen=True)
class Template:
    """One template: `texts[channel]` has `body` (and `subject` for e-mail)."""

    name: str
    category: Category
    texts: dict[str, dict[str, str]]

    def fields(self, channel: str) -> set[str]:
        """The placeholders the channel's text needs."""
        names: set[str] = set()
        for text in self.texts[channel].values():
            names.update(field for _, field, _, _ in string.Formatter().parse(text) if field)
        return names

    def render(self, channel: str, data: dict[str, str]) -> Rendered:
        texts = self.texts[channel]
        subject = texts.get("subject")
        return Rendered(
            subject=subject.format_map(data) if subject is not None else None, body=texts["body"].format_map(data)
        )


@cache
def templates() -> dict[str, Template]:
    """Every template by name (read once per execution environment)."""
    from insure.data_files import data_dir

    raw = json.loads((data_dir("notifications") / "templates.json").read_text())
    found: dict[str, Template] = {}
    for name, spec in raw.items():
        if name.startswith("_"):
            continue
        texts = {channel: spec[channel] for channel in CHANNELS if channel in spec}
        found[name] = Template(name=name, category=spec["category"], texts=texts)
    return found
