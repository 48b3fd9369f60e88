"""MongoDB: the client, indexes and one repository per collection."""
