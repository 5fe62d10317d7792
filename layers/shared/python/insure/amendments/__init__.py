"""Amendments of an issued policy: the item list after the change, re-underwritten against the current rulebook,
offered with the pro-rata premium difference, accepted, paid or refunded, and issued as a new version."""
