"""Presence: who else has a record's edit form open, through the shared cache."""
