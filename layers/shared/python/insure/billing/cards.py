"""Another card for a policy's payments (a renewal, what is overdue): the customer's browser tokenizes it straight at
the processor for the policy (`client_reference` the policy number) and the platform receives the token only. The
token is bound to the policy as an application's or amendment's is (`insure.payments.tokens`: one created for, or
first presented by, anything else is refused, 422, before anything is charged), then kept at the processor as a
reusable payment method, which becomes the policy's kept card once a charge to it succeeds."""

from __future__ import annotations

from insure import timestamps
from insure.payments.processor import CardProcessor, SavedCard
from insure.payments.tokens import TokenStore, reference_of

TOKEN_KEPT_S = 3600


def keep_new_card(processor: CardProcessor, table: str, policy_number: str, payment_token: str) -> SavedCard:
    """The card behind `payment_token`, bound to `policy_number` and kept at the processor (idempotent per token:
    a repeat gets the same payment method). Raises RuleViolation for an unknown token or one of another's."""
    token = processor.describe(payment_token)
    TokenStore(table).hold(policy_number, token, session_expires_at_epoch=int(timestamps.epoch()) + TOKEN_KEPT_S)
    reference = reference_of(token.token)
    return processor.save_card(
        token.token, reference=f"policy:{policy_number}", idempotency_key=f"policy-card:{policy_number}:{reference}"
    )
