"""Wire schemas shared between processes."""
