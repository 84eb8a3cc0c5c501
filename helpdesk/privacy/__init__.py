"""Personal data: the separate store's tables, and the encryption and keys that protect them."""
