"""The webhook dispatcher: delivers events from the EVENTS stream to webhooks."""
