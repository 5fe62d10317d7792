"""Applications: the session-scoped lifecycle from draft to issued policy, and the issuance workflow's tasks."""
