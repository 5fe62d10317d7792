"""The claims desk in the insurer registry: a fixed insurer id, registered on first use (by the first policy
issued), with the platform's claims API as its base URL and a fresh webhook secret, like any insurer."""

from __future__ import annotations

from insure import timestamps
from insure.risk.insurers import Insurer, InsurerRepository, Salesperson

PLATFORM_INSURER_ID = "ins_platform"
PLATFORM_INSURER_NAME = "Platform claims desk"
CLAIMS_DESK_PATH = "/claims-desk"


def own_insurer(repo: InsurerRepository) -> Insurer:
    """The claims desk's insurer record in the registry `repo`, registered now if it is not yet (concurrent first
    calls register it once: the registry's write is conditional). Read each time (one consistent read): its secret
    signs and verifies the desk's calls, and must be the registry's."""
    return repo.get(PLATFORM_INSURER_ID) or _register(repo)


def _register(repo: InsurerRepository) -> Insurer:
    from insure.settings import get_settings
    from insure.signatures import new_secret

    settings = get_settings()
    insurer = Insurer(
        insurer_id=PLATFORM_INSURER_ID,
        name=PLATFORM_INSURER_NAME,
        base_url=settings.public_base_url.rstrip("/") + CLAIMS_DESK_PATH,
        salesperson=Salesperson(
            name=settings.platform_sales_name,
            email=settings.platform_sales_email,
            phone=settings.platform_sales_phone,
        ),
        webhook_secrets=(new_secret(),),
        created_at=timestamps.now(),
    )
    if repo.put_if_absent(insurer):
        return insurer
    registered: Insurer | None = repo.get(PLATFORM_INSURER_ID)  # another environment registered it first
    if registered is None:  # pragma: no cover - a conditional put only fails when the item exists
        raise RuntimeError("The claims desk's registration vanished.")
    return registered
