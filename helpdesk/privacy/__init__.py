"""Personal data: the separate store, masking, reveal audit, export and erasure."""
