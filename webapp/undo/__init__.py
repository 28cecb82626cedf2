"""Undo: reverse a recorded action within a short window, if nothing changed since."""
