"""demo area."""
