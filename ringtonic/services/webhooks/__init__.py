"""Outbound webhooks: endpoints, the outbox of call events, signed at-least-once delivery."""
