"""Session runtimes: one per session, with its driver and its commands."""
