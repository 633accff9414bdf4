"""Helpers every blueprint shares: access and workspace checks, forms, error pages, audio."""
