"""Drivers connect sessions to a network: the sandbox or WhatsApp."""
