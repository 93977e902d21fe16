"""Normalised catalogue data: the knowledge tables, the normaliser, snapshots and crawls."""
