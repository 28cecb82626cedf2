"""Reports across accounts: billing totals by account, by day and by currency."""
