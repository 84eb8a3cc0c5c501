"""Reports, retention and value tiers: aggregate tables, their refresh, the report pages, charts and exports."""
