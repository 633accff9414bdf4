"""The database: engine tuning (engines) and the one read gateway for hot reads (reads)."""
