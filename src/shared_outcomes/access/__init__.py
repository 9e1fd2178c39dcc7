"""Who may do what: roles and the permission table, accounts, sign-in, audited access."""
