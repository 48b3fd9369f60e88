"""Webhook subscriptions: the stored form, matching and the in-memory cache."""
