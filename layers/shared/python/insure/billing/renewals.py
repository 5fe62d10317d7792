"""Renewals: `renewal_notice_days` (30) before a term ends the scheduled `renewal_run` re-underwrites the policy
against the product's current rulebook and offers the next term (premium, payment plans with their schedules from
the first day of the next term, terms document and its SHA-256), or records why it cannot renew (the decline's
reasons); the customer is told either way (`renewal_offered`, `renewal_declined`) and sees it at
`GET /policies/{n}/renewal` (and in `GET /policies/{n}`). Accepting (the terms' hash) and paying (the first
installment of the chosen plan, charged to the card kept at the processor) issues the next term as a new version
of the same policy, with its own installments. A term whose renewal was not paid by its last day ends: on that day
the run records the policy `expired` as a new version (`policy_expired`).

The renewal is kept on the policy's billing account (`BillingAccount.renewal`), indexed by the day the run must
look at the policy again (the offer day, then the term's last day)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from insure import timestamps
from insure.billing.records import BillingAccount
from insure.billing.repository import BillingRepository
from insure.callers import Caller
from insure.errors import Conflict, FieldError, NotFound, RuleViolation
from insure.policies.repository import PolicyRepository, StoredPolicy

if TYPE_CHECKING:  # the models (pydantic) are imported where a renewal is decided, shown or paid, not by a run
    # that finds nothing due
    from insure.billing.models import RenewalAccept, RenewalPayment, RenewalView
    from insure.payments.processor import CardProcessor
    from insure.policies.models import PolicyVersion
    from insure.risk.policy_tags import ItemTags
    from insure.settings import PlatformSettings


def renewal_terms(policy: PolicyVersion, offer: dict[str, Any]) -> str:
    """The renewal's terms as plain text (their SHA-256 is the offer's)."""
    from insure.applications.terms import _plans_paragraph, conditions_paragraphs, money
    from insure.policies.changes import minimum_premium

    return (
        f"Renewal of policy {policy.policy_number} (term {policy.term + 1})\n\n"
        f"We offer to renew the insurance of {policy.insured} from {offer['effective_date']} to "
        f"{offer['expiry_date']}, on the same items and answers, re-priced on the current rulebook "
        f"({offer['rulebook_version']}). The annual premium was {money(offer['previous_premium']['amount'])}; "
        f"for the next term it is {money(offer['premium']['amount'])}.\n\n"
        + _plans_paragraph(money(offer["premium"]["amount"]), offer["payment_plans"], 10)
        + "\n\nThis offer holds until the current term ends. If it is not accepted and paid by then, the policy "
        "expires at the end of its term.\n\n"
        + "\n\n".join(conditions_paragraphs(minimum_premium(offer["rulebook_version"]), offer["payment_plans"]))
        + "\n"
    )


@dataclass
class RenewalService:
    billing: BillingRepository
    policies: PolicyRepository
    processor: CardProcessor
    item_tags: ItemTags
    settings: PlatformSettings  # read once a renewal is decided or shown (a run with nothing due reads no setting)

    # -- the scheduled run ------------------------------------------------------------------------------------
    def run(self, today: dt.date | None = None) -> dict[str, int]:
        """Offer (or decline) the renewals due and expire the terms that ended unrenewed; counts."""
        day = today or timestamps.today()
        counts = {"offered": 0, "declined": 0, "expired": 0, "skipped": 0}
        for account in self.billing.renewals_due(day.isoformat()):
            stored = self.policies.get(account.policy_number)
            if stored is None:
                continue
            current = stored.current
            if current.status != "active" or current.cancellation is not None or current.term != account.term:
                self.billing.put_account(replace(account, renewal_on=None))  # nothing left to renew
                counts["skipped"] += 1
            elif day >= dt.date.fromisoformat(current.expiry_date):
                self._expire(stored, account)
                counts["expired"] += 1
            elif account.renewal is None:
                counts[self._decide(stored, account)] += 1
            else:
                counts["skipped"] += 1
        return counts

    def _decide(self, stored: StoredPolicy, account: BillingAccount) -> str:
        import uuid

        from insure.amendments.workflow import underwriting_items
        from insure.applications.repository import ApplicationRepository
        from insure.billing.catalog import offered_plans
        from insure.products.models import ApplicationInput
        from insure.underwriting import underwrite

        current = stored.current
        application = ApplicationRepository(self.settings.table_name).get(current.application_id)
        fields = {
            k: v for k, v in (application.input if application else {}).items() if k not in {"quote_id", "referrer"}
        }
        fields["items"] = underwriting_items(current.items)
        decision = underwrite(ApplicationInput.model_validate(fields))
        start = dt.date.fromisoformat(current.expiry_date)
        renewal: dict[str, Any] = {
            "term": current.term + 1,
            "decided_at": timestamps.now(),
            "rulebook_version": decision.rulebook_version,
        }
        if not decision.approved or decision.premium is None:
            renewal |= {"status": "declined", "reasons": [r.model_dump(mode="json") for r in decision.reasons]}
            template, data = (
                "renewal_declined",
                {"reasons": "; ".join(r.sentence for r in decision.reasons) or "The rulebook no longer covers it."},
            )
        else:
            offer: dict[str, Any] = {
                "offer_id": uuid.uuid4().hex,
                "premium": decision.premium.model_dump(),
                "previous_premium": current.premium.model_dump(),
                "effective_date": start.isoformat(),
                "expiry_date": _year_after(start).isoformat(),
                "rulebook_version": decision.rulebook_version,
                "expires_at": timestamps.rfc3339(dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)),
                "payment_plans": offered_plans(decision.rulebook_version, decision.premium.decimal, start),
            }
            terms = renewal_terms(current, offer)
            base_url = self.settings.public_base_url.rstrip("/")
            offer |= {
                "terms_sha256": hashlib.sha256(terms.encode()).hexdigest(),
                "terms_url": f"{base_url}/policies/{current.policy_number}/renewal/terms",
            }
            renewal |= {"status": "offered", "offer": offer, "terms": terms}
            template, data = (
                "renewal_offered",
                {
                    "premium": f"${decision.premium.amount}",
                    "effective_date": offer["effective_date"],
                },
            )
        # look at the policy again on the term's last day (to expire it unless renewed)
        self.billing.put_account(replace(account, renewal=renewal, renewal_on=current.expiry_date))
        self._tell(
            account,
            template,
            {"policy_number": current.policy_number, **data},
            key=f"{template}:{current.policy_number}:{current.term}",
        )
        return str(renewal["status"])

    def _expire(self, stored: StoredPolicy, account: BillingAccount) -> None:
        from insure.policies.changes import after_version_stored, next_version
        from insure.policies.models import Change

        current = stored.current
        version = next_version(
            current,
            change="expired",
            made_by="workflow",
            in_force_from=dt.date.fromisoformat(current.expiry_date),
            changes=[Change(kind="status", before=current.status, after="expired")],
            status="expired",
        )
        self.policies.add_version(stored, version)
        renewal = dict(account.renewal or {}) | {"status": "expired"} if account.renewal else None
        self.billing.put_account(replace(account, renewal=renewal, renewal_on=None))
        after_version_stored(version, self.item_tags)
        self._tell(
            account,
            "policy_expired",
            {"policy_number": current.policy_number, "expiry_date": current.expiry_date},
            key=f"policy-expired:{current.policy_number}:{current.term}",
        )

    # -- the customer --------------------------------------------------------------------------------------
    def _owned(self, policy_number: str, caller: Caller) -> tuple[StoredPolicy, BillingAccount]:
        from insure.callers import owned

        stored = owned(self.policies.get(policy_number), caller, missing=f"No policy {policy_number}.")
        account = self.billing.account(policy_number)
        if account is None or account.renewal is None or account.renewal.get("term") != stored.current.term + 1:
            if account is not None and account.renewal and account.renewal.get("status") in ("renewed", "expired"):
                return stored, account
            raise NotFound(
                f"Policy {policy_number} has no renewal yet: it is offered {self.settings.renewal_notice_days} days "
                "before the term ends."
            )
        return stored, account

    def view(self, policy_number: str, caller: Caller) -> RenewalView:
        _, account = self._owned(policy_number, caller)
        return _view(policy_number, account.renewal or {})

    def terms(self, policy_number: str, caller: Caller) -> str:
        _, account = self._owned(policy_number, caller)
        terms = (account.renewal or {}).get("terms")
        if not terms:
            raise NotFound("This renewal has no offer.")
        return str(terms)

    def accept(self, policy_number: str, body: RenewalAccept, caller: Caller) -> RenewalView:
        stored, account = self._owned(policy_number, caller)
        renewal = dict(account.renewal or {})
        offer = renewal.get("offer") or {}
        same = offer.get("offer_id") == body.offer_id and hmac.compare_digest(
            str(offer.get("terms_sha256", "")), body.terms_sha256.lower()
        )
        if renewal.get("status") != "offered":
            if same and renewal.get("status") in ("accepted", "renewed"):
                return _view(policy_number, renewal)
            raise Conflict(f"The renewal is {renewal.get('status')}; only an offered renewal can be accepted.")
        if offer.get("offer_id") != body.offer_id:
            message = "This is not the renewal offered on this policy."
            raise RuleViolation(message, errors=[FieldError("offer_id", message)])
        if not same:
            message = "This hash does not match the renewal terms; fetch terms_url and hash what was shown."
            raise RuleViolation(message, errors=[FieldError("terms_sha256", message)])
        if timestamps.today() >= dt.date.fromisoformat(stored.current.expiry_date):
            raise Conflict("The renewal offer ran out with the term.")
        renewal |= {"status": "accepted", "accepted_at": timestamps.now(), "terms_sha256": body.terms_sha256.lower()}
        self.billing.put_account(replace(account, renewal=renewal))
        return _view(policy_number, renewal)

    def pay(self, policy_number: str, body: RenewalPayment, caller: Caller) -> RenewalView:
        """Charge the first installment of the chosen plan to the kept card and issue the next term (once: the
        charge's idempotency key and the version's conditional write are derived from the renewal)."""
        from insure.billing.accounts import renewal_day, term_installments
        from insure.billing.models import PaymentPlanView
        from insure.billing.plans import redated
        from insure.payments.processor import SavedCard
        from insure.policies.changes import next_version
        from insure.policies.models import Change
        from insure.types import Money

        stored, account = self._owned(policy_number, caller)
        renewal = dict(account.renewal or {})
        if renewal.get("status") == "renewed":
            return _view(policy_number, renewal)
        if renewal.get("status") != "accepted":
            raise Conflict(f"The renewal is {renewal.get('status')}; accept it before paying.")
        offer = renewal["offer"]
        plan = next((p for p in offer["payment_plans"] if p["plan"] == body.payment_plan), None)
        if plan is None:
            message = f"This renewal cannot be paid {body.payment_plan}."
            raise RuleViolation(message, errors=[FieldError("payment_plan", message)])
        current = stored.current
        term = current.term + 1
        key = f"renewal:{policy_number}:{term}"
        if body.payment_token is not None:
            from insure.billing.cards import keep_new_card

            card = keep_new_card(self.processor, self.settings.table_name, policy_number, body.payment_token)
            charge_key = f"{key}:{body.payment_plan}:{card.payment_method_id}"  # another card, another charge
        elif account.customer_id and account.payment_method_id:
            card = SavedCard(account.customer_id, account.payment_method_id, account.brand, account.last4)
            charge_key = f"{key}:{body.payment_plan}"
        else:
            raise Conflict("No card is kept for this policy; pay the renewal with a payment_token.")
        result = self.processor.charge_saved(
            card,
            Money(**plan["schedule"][0]["amount"]),
            idempotency_key=charge_key,
            reference=f"{policy_number}:{term}:1",
        )
        if not result.approved:
            message = result.message or "The card was declined."
            field = "payment_token" if body.payment_token is not None else "payment_plan"
            which = "The card" if body.payment_token is not None else "The kept card"
            raise RuleViolation(message, errors=[FieldError(field, f"{which} was declined: {message}")])
        if body.payment_token is not None:  # the card that paid is kept, as the card's next version
            self.billing.keep_card(policy_number, card.customer_id, card.payment_method_id, card.brand, card.last4)
        account = replace(
            account,
            customer_id=card.customer_id,
            payment_method_id=card.payment_method_id,
            brand=card.brand,
            last4=card.last4,
        )
        start = dt.date.fromisoformat(offer["effective_date"])
        version = next_version(
            current,
            change="renewed",
            made_by="customer",
            in_force_from=start,
            changes=[Change(kind="renewed", before=current.premium.amount, after=offer["premium"]["amount"])],
            premium=Money(**offer["premium"]),
            rulebook_version=offer["rulebook_version"],
        ).model_copy(
            update={
                "term": term,
                "effective_date": offer["effective_date"],
                "expiry_date": offer["expiry_date"],
                "payment_plan": body.payment_plan,
                "payment_schedule": PaymentPlanView.model_validate(redated(plan, start)),
            }
        )
        self.policies.add_version(stored, version)
        paid_at = timestamps.now()
        paid = {"charge_id": result.charge_id, "authorization_id": result.authorization_id, "paid_at": paid_at}
        installments = term_installments(version, paid, term=term)
        for record in installments:
            self.billing.put_installment(record, only_new=True)
        from insure.policies.repository import PaymentRecord

        self.policies.put_payment(
            policy_number,
            PaymentRecord(
                record_id=f"installment:{term:02d}:01",
                kind="charge",
                amount=plan["schedule"][0]["amount"]["amount"],
                at=paid_at,
                version=version.version,
                reference=f"renewal to term {term}",
                processor_id=result.charge_id,
                card=account.card,
                installment=1,
                term=term,
                attempts=1,
                authorization_id=result.authorization_id,
                fee=installments[0].fee,
                made_by="customer",
            ),
        )
        renewal |= {"status": "renewed", "payment_plan": body.payment_plan, "renewed_version": version.version}
        self.billing.put_account(
            replace(
                account,
                plan=body.payment_plan,
                term=term,
                renewal=renewal,
                renewal_on=renewal_day(version, self.settings.renewal_notice_days),
            )
        )
        return _view(policy_number, renewal)

    def _tell(self, account: BillingAccount, template: str, data: dict[str, Any], *, key: str) -> None:
        if not account.email:
            return
        try:
            from insure.notifications import notify

            notify(account.email, "email", template, {"name": account.name or "there", **data}, key=key)
        except Exception:  # noqa: BLE001 - a notification never undoes a renewal decision
            from aws_lambda_powertools import Logger

            Logger(service="insurance-platform").exception("renewal notification", extra={"template": template})


def _year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + dt.timedelta(days=365)


def _view(policy_number: str, renewal: dict[str, Any]) -> RenewalView:
    from insure.billing.models import RenewalOfferView, RenewalView

    offer = renewal.get("offer")
    return RenewalView(
        policy_number=policy_number,
        status=renewal["status"],
        term=int(renewal["term"]),
        decided_at=renewal["decided_at"],
        rulebook_version=renewal["rulebook_version"],
        reasons=renewal.get("reasons") or [],
        offer=RenewalOfferView.model_validate(offer) if offer else None,
        accepted_at=renewal.get("accepted_at"),
        payment_plan=renewal.get("payment_plan"),
        renewed_version=renewal.get("renewed_version"),
    )
