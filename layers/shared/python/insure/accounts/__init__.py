"""Customer accounts: created with the session token of an application or policy, signed in with e-mail and
password (argon2id), locked after repeated failures, a customer record kept as numbered versions, password reset by
a one-time code sent through the notifications, and a customer's access token accepted wherever the session tokens
of their own applications and policies are (`insure.sessions`)."""
