"""Helpers the tests share: builders, clients, servers and checks."""
