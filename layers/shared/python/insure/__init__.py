"""Shared code of the insurance platform: domain logic, models and data access used by every function."""
