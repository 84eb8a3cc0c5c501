"""Customers: the neutral record, lookup and the single customer view."""
