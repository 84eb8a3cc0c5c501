"""Agents, sign-in and sessions."""
