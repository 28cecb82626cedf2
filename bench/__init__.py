"""Benchmarks and load tests that print figures (make bench, make loadtest)."""
