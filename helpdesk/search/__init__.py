"""Full-text search over the history: analyzer, index, outbox and indexer."""
