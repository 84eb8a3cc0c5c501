"""Tickets and the interaction history."""
