"""Events the worker publishes on the EVENTS stream."""
