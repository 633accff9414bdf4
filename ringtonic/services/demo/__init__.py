"""Demo data for a first look at the product."""
