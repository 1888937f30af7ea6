"""Writes. Plain functions with keyword-only arguments and the acting user passed in; each commits its
change, its audit entry and its events in one transaction."""
