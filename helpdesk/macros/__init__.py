"""Canned replies (macros): text with placeholders, and the status, priority and tags they may set."""
