"""Contacts of an account: list, add, edit, delete, make primary."""
