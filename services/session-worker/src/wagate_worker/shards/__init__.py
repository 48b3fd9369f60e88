"""Shard leases and the shards this worker runs."""
