"""Reports built on the call rollups: periods, summaries, geo-data, the dashboard."""
