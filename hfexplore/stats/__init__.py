"""Aggregations: live totals through the count path, and reports over a snapshot."""
