"""The start page: lookup box and the agent's own queue."""
