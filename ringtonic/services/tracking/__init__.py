"""Website tracking: the number-swap script's sessions, number pools and call attribution."""
