"""Sales: the product catalogue and purchases from the point of sale."""
