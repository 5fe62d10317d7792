"""Fixtures shared by the integration suites: the issuance platform (rulebooks seeded, card processor simulator
running) is defined beside the issuance tests and offered to the suites built on an issued policy."""

from tests.integration.test_issuance import issuance  # noqa: F401
