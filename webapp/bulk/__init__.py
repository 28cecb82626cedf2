"""Bulk actions on the accounts list: preview a change to many accounts, then apply it."""
