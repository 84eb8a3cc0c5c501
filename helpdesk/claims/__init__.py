"""Warranty claims."""
