"""The command palette: find an account, a page or an action from any page (Ctrl+K, /)."""
