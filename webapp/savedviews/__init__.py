"""Saved views: a named search, filters, sort and page size of the accounts list."""
