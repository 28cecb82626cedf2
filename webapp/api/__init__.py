"""The JSON API (``/api/v1``) for scripts and services, its bearer tokens and its docs page."""
