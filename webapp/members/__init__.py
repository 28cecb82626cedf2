"""Members of an account: attach or invite users, change their per-account role, remove them."""
