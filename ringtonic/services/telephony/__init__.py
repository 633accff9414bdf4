"""Tracking numbers, campaigns and the Twilio credentials they run on."""
