"""The database: engine tuning, the read gateway for hot reads, statements compiled once."""
