"""Reads. Plain functions with keyword-only arguments; every user-facing one is a Query, never a Scan."""
