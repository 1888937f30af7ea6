"""Constructs, one per logical unit, each with keyword-only props. Stacks compose them and do the grants."""
