"""Accounts: users, argon2 passwords, server-side web sessions; a domain service (imports store, errors)."""
