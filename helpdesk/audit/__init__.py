"""The audit log: who looked at or changed what, append-only, written through one function."""
