"""Risk identification tags on the platform's own policies.

Every covered item of an active policy that is a physical object (`TAGGED_COVERAGES`: computer equipment and
buildings, in a bundle too) carries a QR tag; a business's operations, an income, a life or medical expenses have
no object to put a tag on, so their items have none (nor a tag section in their policy document). A tag's id is
derived from (policy number, item id), so a retried issuance, the policy document and `GET /policies/{n}` all name
the same tag without reading it; its QR code holds the URL of the web report page for it
(`{web address}/t/{tag_id}`). The tag is registered with the platform's claims desk as the issuing insurer and the
policy's insured as the customer (contact and private details from the application, so the customer is recognised
when they report).

`sync_tags(policy)` brings the tags in line with a policy version: issued or amended, every tagged item has its
tag (a changed description or serial number is updated), an item no longer on the policy (or no longer tagged) has
its tag retired, and a policy that is no longer active retires them all. Physical tags attached by the customer
and other insurers' policies added on the object stay with the object's tag. It is idempotent: a repeat changes
nothing.

The customer adds to an item's tag (`attach_physical_tag`, `add_policy`): a tag they already have (an RFID or
barcode id, which then reads as the object's tag) and other insurers' policies on the same object, so one scan
reaches every insurer of that object.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from insure import timestamps
from insure.errors import Conflict, FieldError, NotFound, RuleViolation
from insure.policies.models import PolicyVersion
from insure.risk.insurers import Insurer, InsurerRepository
from insure.risk.reporters import CustomerIdentity
from insure.risk.tags import InsuredObject, PhysicalTag, Tag, TagPolicy, TagRepository, snapshot

if TYPE_CHECKING:
    from insure.policies.holder import Holder

TAG_PREFIX = "QR-"
SAVE_ATTEMPTS = 8
MAX_PHYSICAL_TAGS = 10
MAX_POLICIES = 20
TAGGED_COVERAGES = frozenset({"computer", "property"})  # the coverages whose items are physical objects


def _now() -> str:
    return timestamps.now()


def tag_id_for(policy_number: str, item_id: str) -> str:
    """The QR tag of a policy's item (derived, so every reader names the same tag)."""
    digest = hashlib.sha256(f"tag:{policy_number}:{item_id}".encode()).digest()
    return TAG_PREFIX + base64.b32encode(digest).decode()[:16]


def tag_url(tag_id: str, web_address: str | None = None) -> str:
    """What the tag's QR code holds: the web report page for the tag on the platform's public web address."""
    if web_address is None:
        from insure.settings import get_settings

        web_address = get_settings().web_address
    return f"{web_address.rstrip('/')}/t/{quote(tag_id, safe='')}"


def item_id_of(item: dict[str, Any], index: int) -> str:
    """An item's id: the one stored on it, else its position (`item-1`, ...), as issuance assigns them."""
    return str(item.get("item_id") or f"item-{index + 1}")


def items_with_ids(policy: PolicyVersion) -> list[tuple[str, dict[str, Any]]]:
    return [(item_id_of(item, n), item) for n, item in enumerate(policy.items)]


def is_tagged(policy: PolicyVersion, item: dict[str, Any]) -> bool:
    """Whether the item is a physical object, which gets a tag."""
    return str(item.get("coverage") or policy.product) in TAGGED_COVERAGES


def tagged_items(policy: PolicyVersion) -> list[tuple[str, dict[str, Any]]]:
    """The items (with their ids) that carry a live tag, in item order: the physical objects of an active policy
    (none once it is cancelled, to be cancelled, lapsed or expired)."""
    if policy.status != "active":
        return []
    return [(item_id, item) for item_id, item in items_with_ids(policy) if is_tagged(policy, item)]


def describe(product: str, item: dict[str, Any]) -> InsuredObject:
    """What the tag is on, as an insurer and a finder would recognise it."""
    make = " ".join(str(item[k]) for k in ("brand", "model") if item.get(k))
    kind = item.get("kind")
    address = item.get("address")
    if make:
        text = f"{make} ({kind})" if kind else make
    elif isinstance(address, dict) and address.get("line1"):
        text = ", ".join(str(address[k]) for k in ("line1", "city", "state") if address.get(k))
    else:
        text = str(item.get("description") or item.get("coverage") or product)
    serial = item.get("serial_number")
    return InsuredObject(
        description=text[:500],
        category=str(kind or item.get("coverage") or product)[:60],
        serial_number=str(serial)[:120] if serial else None,
    )


def customer_of(holder: Holder) -> CustomerIdentity:
    """The customer as a tag keeps them: contact and the private details that recognise them when they report."""
    return CustomerIdentity(
        name=holder.name,
        phone=holder.phone,
        email=holder.email,
        date_of_birth=holder.date_of_birth,
        postal_code=holder.postal_code,
    )


def sync_tags(
    policy: PolicyVersion,
    *,
    applicant: dict[str, Any] | None = None,
    session_hash: str | None = None,
    tags: TagRepository,
    insurers: InsurerRepository,
) -> list[Tag]:
    """Registers, updates and retires the policy's item tags to match `policy` (see the module docstring); the
    live tags, in item order. The customer on each tag is the policy's holder as the platform knows them now
    (`insure.policies.holder`: the account's customer record, else the application's applicant; `applicant` and
    `session_hash` are read from the application and the policy when not given), so a sync after `PATCH /me`
    brings the tags' contact up to date."""
    from insure.claims_desk.registration import own_insurer
    from insure.policies.holder import holder_of

    repo = tags
    desk = own_insurer(insurers)
    wanted = tagged_items(policy)
    live: list[Tag] = []
    if wanted:
        holder = holder_of(
            policy.policy_number, policy.application_id, policy.insured, session_hash=session_hash, applicant=applicant
        )
        customer = customer_of(holder)
        live = [
            _item_tag(repo, desk, policy, item_id=item_id, item=item, customer=customer) for item_id, item in wanted
        ]
    keep = {t.tag_id for t in live}
    for tag_id in repo.tag_ids_for_policy(policy.policy_number):
        if tag_id in keep:
            continue
        current = repo.get(tag_id)
        if current is not None and current.issuing_policy == policy.policy_number and not current.retired:
            _update(repo, tag_id, lambda t: {"retired_at": _now()})
    return live


def _item_tag(
    repo: TagRepository,
    desk: Insurer,
    policy: PolicyVersion,
    *,
    item_id: str,
    item: dict[str, Any],
    customer: CustomerIdentity,
) -> Tag:
    """The item's tag registered (first sync) or brought in line: the object as described now, the customer as
    the platform knows them now, live again if it was retired."""
    tag_id = tag_id_for(policy.policy_number, item_id)
    obj = describe(policy.product, item)
    found = repo.get_versioned(tag_id)
    if found is None:
        tag = Tag(
            tag_id=tag_id,
            kind="qr",
            object=obj,
            customer=customer,
            policies=[
                TagPolicy(insurer_id=desk.insurer_id, policy_number=policy.policy_number, product=policy.product)
            ],
            created_at=_now(),
            insurers=[snapshot(desk)],
            issuing_policy=policy.policy_number,
            item_id=item_id,
        )
        try:
            repo.put_new(tag)
        except Conflict:  # a concurrent sync registered it first: bring that one in line
            found = repo.get_versioned(tag_id)
            if found is None:
                raise
        else:
            return tag
    return _update(repo, tag_id, lambda t: {"object": obj, "customer": customer, "retired_at": None}, found=found)


def _update(repo: TagRepository, tag_id: str, change: Any, *, found: tuple[Tag, int] | None = None) -> Tag:
    """Applies `change(tag) -> fields` with optimistic locking (nothing written when nothing changes); `found`:
    the tag and its version as the caller has just read them, used on the first try (a lost race reads again)."""
    for _ in range(SAVE_ATTEMPTS):
        found = found or repo.get_versioned(tag_id)
        if found is None:
            raise NotFound(f"No tag {tag_id}.")
        tag, version = found
        updated = tag.model_copy(update=change(tag))
        if updated == tag or repo.replace(updated, version):
            return updated
        found = None
    raise Conflict("The tag is being updated concurrently; retry shortly.")


class ItemTags:
    """The customer's item tags (the `policy_tags` function): read one, attach a physical tag, add a policy."""

    def __init__(self, tags: TagRepository, insurers: InsurerRepository) -> None:
        self.tags, self.insurers = tags, insurers

    def sync(
        self, policy: PolicyVersion, *, applicant: dict[str, Any] | None = None, session_hash: str | None = None
    ) -> list[Tag]:
        """`sync_tags` over these repositories: the policy's item tags brought in line with the version."""
        return sync_tags(policy, applicant=applicant, session_hash=session_hash, tags=self.tags, insurers=self.insurers)

    def item_tag(self, policy: PolicyVersion, item_id: str) -> Tag:
        """The live QR tag of one of the policy's items (404 for an item the policy does not cover or that has no
        tag)."""
        if item_id not in dict(items_with_ids(policy)):
            raise NotFound(f"Policy {policy.policy_number} has no item {item_id}.")
        tag = self.tags.get(tag_id_for(policy.policy_number, item_id))
        if tag is None or tag.retired:
            raise NotFound(f"Item {item_id} of policy {policy.policy_number} has no tag.")
        return tag

    def attach_physical_tag(
        self, policy: PolicyVersion, item_id: str, tag_id: str, kind: Literal["rfid", "barcode"]
    ) -> Tag:
        """Attaches a tag the customer already has to a covered item: a scan of it reaches the item's insurers.
        The same tag attached again is a no-op; an id already registered elsewhere is 409."""
        repo = self.tags
        tag = self.item_tag(policy, item_id)
        if any(p.tag_id == tag_id for p in tag.physical_tags):
            return tag
        if len(tag.physical_tags) >= MAX_PHYSICAL_TAGS:
            raise RuleViolation(
                "Too many tags on this item.", errors=[FieldError("tag_id", f"At most {MAX_PHYSICAL_TAGS} per item.")]
            )
        if repo.alias_target(tag_id) != tag.tag_id:
            repo.put_alias(tag_id, tag.tag_id)
        attached = PhysicalTag(tag_id=tag_id, kind=kind, attached_at=_now())

        def with_physical(current: Tag) -> dict[str, Any]:
            if any(p.tag_id == tag_id for p in current.physical_tags):
                return {}
            return {"physical_tags": [*current.physical_tags, attached]}

        return _update(repo, tag.tag_id, with_physical)

    def add_policy(self, policy: PolicyVersion, item_id: str, added: TagPolicy) -> Tag:
        """Adds another insurer's policy on the same object (the insurer must be registered: 422 otherwise);
        adding the same policy again is a no-op."""
        repo = self.tags
        tag = self.item_tag(policy, item_id)
        insurer = self.insurers.get(added.insurer_id)
        if insurer is None:
            raise RuleViolation(
                "The insurer must be registered first.",
                errors=[FieldError("insurer_id", f"No registered insurer {added.insurer_id}.")],
            )
        if len(tag.policies) >= MAX_POLICIES and added not in tag.policies:
            raise RuleViolation(
                "Too many policies on this object.", errors=[FieldError("policy_number", f"At most {MAX_POLICIES}.")]
            )

        def with_policy(current: Tag) -> dict[str, Any]:
            if added in current.policies:
                return {}
            insurers = current.insurers
            if all(s.insurer_id != insurer.insurer_id for s in insurers):
                insurers = [*insurers, snapshot(insurer)]
            return {"policies": [*current.policies, added], "insurers": insurers}

        return _update(repo, tag.tag_id, with_policy)
