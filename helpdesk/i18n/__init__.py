"""The customer-facing pages in Hindi and English: catalogues, the chosen language, text that translates later."""
