"""The customer's history: every call, e-mail, reply, note and event, written through one path and read through one model."""
