"""Stacks, one per concern; stateful (keys, table, buckets, user pool) apart from stateless."""
