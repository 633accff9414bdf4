"""Calls: ingest from Twilio, CSV import and export, queries, CRM fields."""
