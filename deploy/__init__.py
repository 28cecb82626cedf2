"""Running the app as several hosts behind a proxy (``make up``)."""
