"""Checks and figures for operators: readiness of the backing services, shared gauges."""
