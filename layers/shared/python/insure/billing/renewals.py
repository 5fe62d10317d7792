"""Renewals: `renewal_notice_days` (30) before a term ends the scheduled `renewal_run` re-underwrites the policy
against the product's current rulebook and offers the next term (premium, payment plans with their schedules from
the first day of the next term, terms document and its SHA-256), or records why it cannot renew (the decline's
reasons); the customer is told either way (`renewal_offered`, `renewal_declined`) and sees it at
`GET /policies/{n}/renewal` (and in `GET /policies/{n}`). Accepting (the terms' hash) and paying (the first
installment of the chosen plan, charged to the card kept at the processor) issues the next term as a new version
of the same policy, with its own installments. A term whose renewal was not paid by its last day ends: on that day
the run records the policy `expired` as a new version (`policy_expired`). A policy cancelled (or its cancellation
scheduled) or lapsed is no longer renewable: its pending renewal is withdrawn (`withdraw_renewal`, called by the
cancellation and the lapse; and whenever it is read or acted on), and accepting or paying it is 409.

Paying claims the policy (`PolicyRepository.claim`: one change at a time, none once it is cancelled), checks it is
still renewable, and charges once per `Idempotency-Key` (`insure.payments.outcome.pay_once`; a declined card is
402, as for every payment), under a processor key per renewal attempt: a repeat, or a second payment at once,
never charges twice.

A renewal is decided against the policy's version of that moment (`base_version`). When the policy gets a newer
version while its renewal awaits the customer (an amendment issued), that offer no longer describes the policy:
it is replaced by one decided again against the policy as it now stands (`reoffer`, called when the amendment is
issued, and whenever the renewal is read or acted on), the customer told of the new offer; an acceptance of the
old terms does not carry over (the new terms have their own hash). The replaced offers are kept, in order, under
`superseded`.

The renewal is kept on the policy's billing account (`BillingAccount.renewal`), indexed by the day the run must
look at the policy again (the offer day, then the term's last day)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Callable
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
    from insure.applications.ports import Idempotency
    from insure.billing.models import RenewalAccept, RenewalPayment, RenewalView
    from insure.payments.outcome import Outcome
    from insure.payments.processor import CardProcessor, ChargeResult, SavedCard
    from insure.policies.models import PolicyVersion
    from insure.risk.policy_tags import ItemTags
    from insure.settings import PlatformSettings


PENDING = ("offered", "accepted")  # a renewal awaiting the customer, which a cancellation or lapse withdraws


def rulebook_in_words(rulebook_version: str) -> str:
    """`computer@2026.12.2` as a person reads it: `the computer equipment insurance rulebook, version 2026.12.2`."""
    from insure.applications.terms import PRODUCT_NAMES

    product, _, version = rulebook_version.partition("@")
    name = PRODUCT_NAMES.get(product, product.replace("_", " "))
    return f"the {name} rulebook, version {version}" if version else f"the {name} rulebook"


def renewal_terms(policy: PolicyVersion, offer: dict[str, Any], grace_days: int) -> str:
    """The renewal's terms as plain text (their SHA-256 is the offer's); `grace_days` as the billing run applies
    them (`billing_grace_days`)."""
    from insure.applications.terms import _plans_paragraph, conditions_paragraphs, money
    from insure.policies.changes import minimum_premium
    from insure.policies.wording import long_date

    return (
        f"Renewal of policy {policy.policy_number} (term {policy.term + 1})\n\n"
        f"We offer to renew the insurance of {policy.insured} from {long_date(offer['effective_date'])} to "
        f"{long_date(offer['expiry_date'])}, on the same items and answers, re-priced on the current rulebook "
        f"({rulebook_in_words(offer['rulebook_version'])}). The annual premium was "
        f"{money(offer['previous_premium']['amount'])}; for the next term it is "
        f"{money(offer['premium']['amount'])}.\n\n"
        + _plans_paragraph(money(offer["premium"]["amount"]), offer["payment_plans"], grace_days)
        + "\n\nThis offer holds until the current term ends. If it is not accepted and paid by then, the policy "
        "expires at the end of its term.\n\n"
        + "\n\n".join(conditions_paragraphs(minimum_premium(offer["rulebook_version"]), offer["payment_plans"]))
        + "\n"
    )


WITHDRAWN_BECAUSE = {
    "pending_cancellation": "the policy's cancellation is scheduled",
    "cancelled": "the policy is cancelled",
    "lapsed": "the policy lapsed",
}


def withdrawn_because(policy: PolicyVersion, today: dt.date) -> str | None:
    """Why a pending renewal of `policy` is withdrawn, in words: it is cancelled (or its cancellation scheduled)
    or it lapsed; None otherwise."""
    from insure.policies.service import status_on

    return WITHDRAWN_BECAUSE.get(status_on(policy, today))


def not_renewable(policy: PolicyVersion, today: dt.date) -> str | None:
    """Why the renewal of `policy`'s term can no longer go ahead, in words (None while it can): withdrawn
    (`withdrawn_because`), or its term has ended."""
    from insure.policies.service import status_on

    if status_on(policy, today) == "active":
        return None
    return withdrawn_because(policy, today) or "the policy's term has ended"


def withdraw_renewal(billing: BillingRepository, policy_number: str, because: str) -> bool:
    """Withdraw the renewal awaiting the customer (offered or accepted) of a policy no longer renewable
    (`because`, in words); False when none awaited."""
    account = billing.account(policy_number)
    renewal = dict(account.renewal or {}) if account is not None else {}
    if account is None or renewal.get("status") not in PENDING:
        return False
    renewal |= {"status": "withdrawn", "withdrawn_at": timestamps.now(), "withdrawn_because": because}
    billing.put_account(replace(account, renewal=renewal, renewal_on=None))
    return True


@dataclass
class RenewalService:
    billing: BillingRepository
    policies: PolicyRepository
    processor: CardProcessor
    item_tags: ItemTags
    settings: PlatformSettings  # read once a renewal is decided or shown (a run with nothing due reads no setting)
    idempotency: Idempotency | None = None  # paying (the API's root; the scheduled run pays nothing)
    fingerprint_key: Callable[[], bytes] | None = None

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
                because = withdrawn_because(current, day)
                if not (because and withdraw_renewal(self.billing, account.policy_number, because)):
                    self.billing.put_account(replace(account, renewal_on=None))  # nothing left to renew
                counts["skipped"] += 1
            elif day >= dt.date.fromisoformat(current.expiry_date):
                counts[self._expire(stored, account)] += 1
            elif account.renewal is None:
                counts[self._decide(stored, account)] += 1
            else:
                counts["skipped"] += 1
        return counts

    def reoffer(self, stored: StoredPolicy) -> BillingAccount | None:
        """Replace a renewal awaiting the customer that was decided against an earlier version of the policy than
        `stored`'s current one (the policy amended since) by one decided against the policy as it now stands; the
        billing account as it then stands (None when the policy has none)."""
        account = self.billing.account(stored.current.policy_number)
        return self._reoffered(stored, account) if account is not None else None

    def _reoffered(self, stored: StoredPolicy, account: BillingAccount) -> BillingAccount:
        current = stored.current
        renewal = account.renewal or {}
        if (
            renewal.get("status") not in PENDING
            or renewal.get("term") != current.term + 1
            or int(renewal.get("base_version", current.version)) == current.version
            or not_renewable(current, timestamps.today())
        ):
            return account
        replaced = {k: v for k, v in renewal.items() if k != "superseded"} | {
            "status": "superseded",
            "superseded_at": timestamps.now(),
            "superseded_because": f"the policy was changed (version {current.version})",
        }
        self._decide(stored, account, superseded=[*renewal.get("superseded", []), replaced])
        return self.billing.account(current.policy_number) or account

    def _decide(
        self, stored: StoredPolicy, account: BillingAccount, *, superseded: list[dict[str, Any]] | None = None
    ) -> str:
        from insure.amendments.workflow import underwriting_items
        from insure.applications.repository import ApplicationRepository
        from insure.billing.catalog import offered_plans
        from insure.policies.wording import long_date, money
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
            "base_version": current.version,
            **({"superseded": superseded} if superseded else {}),
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
            terms = renewal_terms(current, offer, self.settings.billing_grace_days)
            base_url = self.settings.public_base_url.rstrip("/")
            offer |= {
                "terms_sha256": hashlib.sha256(terms.encode()).hexdigest(),
                "terms_url": f"{base_url}/policies/{current.policy_number}/renewal/terms",
            }
            renewal |= {"status": "offered", "offer": offer, "terms": terms}
            template, data = (
                "renewal_offered",
                {
                    "premium": money(decision.premium.amount),
                    "effective_date": long_date(offer["effective_date"]),
                },
            )
        # look at the policy again on the term's last day (to expire it unless renewed)
        self.billing.put_account(replace(account, renewal=renewal, renewal_on=current.expiry_date))
        self._tell(
            account,
            template,
            {"policy_number": current.policy_number, **data},
            # a renewal decided again (the policy changed) is told again, once per version it was decided on
            key=f"{template}:{current.policy_number}:{current.term}" + (f":v{current.version}" if superseded else ""),
        )
        return str(renewal["status"])

    def _expire(self, stored: StoredPolicy, account: BillingAccount) -> str:
        """End the unrenewed term: a new version `expired`, under the policy's claim (a renewal paid at the same
        moment, or a change in flight, leaves it to the next run)."""
        from insure.policies.changes import after_version_stored, next_version
        from insure.policies.models import Change
        from insure.policies.wording import long_date

        number = stored.current.policy_number
        holder = f"expiry_{uuid.uuid4().hex}"
        try:
            self.policies.claim(number, holder)
        except Conflict:
            return "skipped"
        try:
            stored = self.policies.get(number) or stored  # as it stands now that no one else may change it
            current = stored.current
            if current.status != "active" or current.cancellation is not None or current.term != account.term:
                return "skipped"
            version = next_version(
                current,
                change="expired",
                made_by="workflow",
                in_force_from=dt.date.fromisoformat(current.expiry_date),
                changes=[Change(kind="status", before=current.status, after="expired")],
                status="expired",
            )
            if not self.policies.add_version(stored, version):
                return "skipped"
        finally:
            self.policies.release(number, holder)
        renewal = dict(account.renewal or {}) | {"status": "expired"} if account.renewal else None
        self.billing.put_account(replace(account, renewal=renewal, renewal_on=None))
        after_version_stored(version, self.item_tags)
        self._tell(
            account,
            "policy_expired",
            {"policy_number": number, "expiry_date": long_date(current.expiry_date)},
            key=f"policy-expired:{number}:{current.term}",
        )
        return "expired"

    # -- the customer --------------------------------------------------------------------------------------
    def _owned(self, policy_number: str, caller: Caller) -> tuple[StoredPolicy, BillingAccount]:
        from insure.callers import owned

        stored = owned(self.policies.get(policy_number), caller, missing=f"No policy {policy_number}.")
        return stored, self._renewal_of(stored)

    def _renewal_of(self, stored: StoredPolicy) -> BillingAccount:
        """The billing account holding the renewal of `stored`'s current term (or the one that renewed, expired
        or was withdrawn); a pending renewal of a policy no longer renewable is withdrawn here."""
        policy_number = stored.current.policy_number
        account = self.billing.account(policy_number)
        renewal = (account.renewal if account is not None else None) or {}
        if account is None or renewal.get("term") != stored.current.term + 1:
            if account is not None and renewal.get("status") in ("renewed", "expired"):
                return account
            raise NotFound(
                f"Policy {policy_number} has no renewal yet: it is offered {self.settings.renewal_notice_days} days "
                "before the term ends."
            )
        because = withdrawn_because(stored.current, timestamps.today())
        if renewal.get("status") in PENDING and because:
            withdraw_renewal(self.billing, policy_number, because)
            account = self.billing.account(policy_number) or account
        return self._reoffered(stored, account)

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
            raise Conflict(_not_open(renewal, "accepted"))
        if offer.get("offer_id") != body.offer_id:
            message = "This is not the renewal offered on this policy."
            raise RuleViolation(message, errors=[FieldError("offer_id", message)])
        if not same:
            message = "This hash does not match the renewal terms; fetch terms_url and hash what was shown."
            raise RuleViolation(message, errors=[FieldError("terms_sha256", message)])
        if not_renewable(stored.current, timestamps.today()):
            raise Conflict("The renewal offer ran out with the term.")
        renewal |= {"status": "accepted", "accepted_at": timestamps.now(), "terms_sha256": body.terms_sha256.lower()}
        self.billing.put_account(replace(account, renewal=renewal))
        return _view(policy_number, renewal)

    def pay(self, policy_number: str, body: RenewalPayment, idempotency_key: str | None, caller: Caller) -> Outcome:
        """Charge the first installment of the chosen plan and issue the next term, once per Idempotency-Key (a
        repeat gets the first outcome, another body with the same key is 422); a declined card is 402."""
        from insure.payments.outcome import pay_once, required_key

        required_key(idempotency_key)
        stored, account = self._owned(policy_number, caller)
        assert self.idempotency is not None and self.fingerprint_key is not None, "paying needs the API's root"
        term = int((account.renewal or {}).get("term") or stored.current.term + 1)
        return pay_once(
            self.idempotency,
            f"renewal-payment:{policy_number}:{term}",
            idempotency_key=idempotency_key,
            body=body,
            fingerprint_key=self.fingerprint_key,
            pay=lambda: self._pay_claimed(policy_number, body),
        )

    def _pay_claimed(self, policy_number: str, body: RenewalPayment) -> Outcome:
        """`_pay` holding the policy's claim: one change at a time (409 while an amendment or another payment is
        under way, or once the policy is cancelled)."""
        holder = f"renewal_{uuid.uuid4().hex}"
        self.policies.claim(policy_number, holder)
        try:
            return self._pay(policy_number, body)
        finally:
            self.policies.release(policy_number, holder)

    def _pay(self, policy_number: str, body: RenewalPayment) -> Outcome:
        from insure.billing.accounts import renewal_day
        from insure.payments.outcome import Outcome
        from insure.payments.processor import SavedCard
        from insure.types import Money

        stored = self.policies.get(policy_number)
        if stored is None:
            raise NotFound(f"No policy {policy_number}.")
        account = self._renewal_of(stored)  # as it stands now that no one else may change the policy
        renewal = dict(account.renewal or {})
        if renewal.get("status") == "renewed":
            return Outcome(200, _view(policy_number, renewal).model_dump(mode="json"))
        if renewal.get("status") != "accepted":
            raise Conflict(_not_open(renewal, "paid", once="accepted"))
        if not_renewable(stored.current, timestamps.today()):
            raise Conflict("The renewal offer ran out with the term.")
        offer = renewal["offer"]
        plan = next((p for p in offer["payment_plans"] if p["plan"] == body.payment_plan), None)
        if plan is None:
            message = f"This renewal cannot be paid {body.payment_plan}."
            raise RuleViolation(message, errors=[FieldError("payment_plan", message)])
        current = stored.current
        term = current.term + 1
        attempt = int(renewal.get("payment_attempts") or 0) + 1
        key = f"renewal:{policy_number}:{term}:{body.payment_plan}"
        if body.payment_token is not None:
            from insure.billing.cards import keep_new_card

            card = keep_new_card(self.processor, self.settings.table_name, policy_number, body.payment_token)
            key += f":{card.payment_method_id}"  # another card, another charge
        elif account.customer_id and account.payment_method_id:
            card = SavedCard(account.customer_id, account.payment_method_id, account.brand, account.last4)
        else:
            raise Conflict("No card is kept for this policy; pay the renewal with a payment_token.")
        amount = Money(**plan["schedule"][0]["amount"])
        # One processor key per attempt: a retried request (after a crash) gets the same charge back; a try
        # after a decline is a new attempt, so a card the bank fixed meanwhile is charged
        charge_key = f"{key}:{attempt}"
        result = self.processor.charge_saved(
            card, amount, idempotency_key=charge_key, reference=f"{policy_number}:{term}:1"
        )
        if not result.approved:
            renewal["payment_attempts"] = attempt
            self.billing.put_account(replace(account, renewal=renewal))
            detail = result.message or "The card was declined."
            return Outcome(
                402,
                {"detail": detail, "decline_code": result.decline_code, "term": term, "installment": 1},
                refused="declined",
            )
        if body.payment_token is not None:  # the card that paid is kept, as the card's next version
            self.billing.keep_card(policy_number, card.customer_id, card.payment_method_id, card.brand, card.last4)
        version = self._next_term(stored, offer, plan, body.payment_plan)
        if not self.policies.add_version(stored, version):
            # another change wrote this version meanwhile (none should while the policy is claimed): give the
            # money back rather than keep a charge for a term never issued
            self.processor.refund(
                result.charge_id, amount, idempotency_key=f"{charge_key}:undone", reason="renewal not issued"
            )
            raise Conflict("The policy changed while the renewal was paid; the charge was refunded. Look again.")
        self._record_payment(version, plan, result, card)
        renewal |= {
            "status": "renewed",
            "payment_plan": body.payment_plan,
            "renewed_version": version.version,
            "payment_attempts": attempt,
        }
        self.billing.put_account(
            replace(
                account,
                customer_id=card.customer_id,
                payment_method_id=card.payment_method_id,
                brand=card.brand,
                last4=card.last4,
                plan=body.payment_plan,
                term=term,
                renewal=renewal,
                renewal_on=renewal_day(version, self.settings.renewal_notice_days),
            )
        )
        return Outcome(200, _view(policy_number, renewal).model_dump(mode="json"))

    @staticmethod
    def _next_term(stored: StoredPolicy, offer: dict[str, Any], plan: dict[str, Any], name: str) -> PolicyVersion:
        """The next term as the new version of the policy: the offer's premium and rulebook, the chosen plan."""
        from insure.billing.models import PaymentPlanView
        from insure.billing.plans import redated
        from insure.policies.changes import next_version
        from insure.policies.models import Change
        from insure.types import Money

        current = stored.current
        start = dt.date.fromisoformat(offer["effective_date"])
        return next_version(
            current,
            change="renewed",
            made_by="customer",
            in_force_from=start,
            changes=[Change(kind="renewed", before=current.premium.amount, after=offer["premium"]["amount"])],
            premium=Money(**offer["premium"]),
            rulebook_version=offer["rulebook_version"],
        ).model_copy(
            update={
                "term": current.term + 1,
                "effective_date": offer["effective_date"],
                "expiry_date": offer["expiry_date"],
                "payment_plan": name,
                "payment_schedule": PaymentPlanView.model_validate(redated(plan, start)),
            }
        )

    def _record_payment(
        self, version: PolicyVersion, plan: dict[str, Any], result: ChargeResult, card: SavedCard
    ) -> None:
        """The new term's installments (the first paid) and the policy's payment record of the first."""
        from insure.billing.accounts import term_installments
        from insure.policies.repository import PaymentRecord

        term, paid_at = version.term, timestamps.now()
        paid = {"charge_id": result.charge_id, "authorization_id": result.authorization_id, "paid_at": paid_at}
        installments = term_installments(version, paid, term=term)
        for record in installments:
            self.billing.put_installment(record, only_new=True)
        self.policies.put_payment(
            version.policy_number,
            PaymentRecord(
                record_id=f"installment:{term:02d}:01",
                kind="charge",
                amount=plan["schedule"][0]["amount"]["amount"],
                at=paid_at,
                version=version.version,
                reference=f"renewal to term {term}",
                processor_id=result.charge_id,
                card={k: v for k, v in (("brand", card.brand), ("last4", card.last4)) if v},
                installment=1,
                term=term,
                attempts=1,
                authorization_id=result.authorization_id,
                fee=installments[0].fee,
                made_by="customer",
            ),
        )

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


def _not_open(renewal: dict[str, Any], done: str, once: str = "offered") -> str:
    """Why a renewal cannot be `done` (accepted, paid) before it is `once` (offered, accepted), in words."""
    if renewal.get("status") == "withdrawn":
        return f"The renewal was withdrawn: {renewal.get('withdrawn_because') or 'the policy is no longer renewable'}."
    if renewal.get("status") == "offered" and once == "accepted":
        return "The renewal is offered: accept its terms before paying it."
    return f"The renewal is {renewal.get('status') or 'not offered'}; only an {once} renewal can be {done}."


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
        withdrawn_because=renewal.get("withdrawn_because"),
    )
