"""Imports of past sales, the catalogue and customers from CSV files (the desk's format and Shopify's orders export)."""
