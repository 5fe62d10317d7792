"""The account functions' composition root (`accounts`, `accounts_backoffice`): the account service over the single
table, with the settings' token lifetimes and sign-in limits."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from insure.roots import Root

if TYPE_CHECKING:
    from insure.accounts.service import AccountService


class AccountsRoot(Root):
    @cached_property
    def accounts(self) -> AccountService:
        from insure.accounts.repository import AccountRepository
        from insure.accounts.service import AccountService
        from insure.roots import deferred_item_tags

        settings = self.settings
        return AccountService(
            accounts=AccountRepository(settings.table_name),
            table=settings.table_name,
            item_tags=deferred_item_tags(settings),
            access_ttl_s=settings.access_token_ttl_seconds,
            refresh_ttl_s=settings.refresh_token_ttl_seconds,
            max_failures=settings.account_max_failures,
            lock_s=settings.account_lock_seconds,
            source_max_failures=settings.login_source_max_failures,
            source_window_s=settings.login_source_window_seconds,
            reset_ttl_s=settings.reset_code_ttl_seconds,
            reset_max_attempts=settings.reset_code_max_attempts,
            public_base_url=settings.public_base_url,
        )
