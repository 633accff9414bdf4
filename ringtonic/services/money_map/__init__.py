"""The Money Map: callers drawn on a US map and listed in tables."""
