"""Commands taken off the COMMANDS stream, one consumer per shard."""
