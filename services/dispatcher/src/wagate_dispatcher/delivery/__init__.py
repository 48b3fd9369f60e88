"""Sending events to webhook receivers: signatures and the HTTP request."""
