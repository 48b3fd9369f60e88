"""NATS JetStream: subjects, streams, buckets and the connection."""
