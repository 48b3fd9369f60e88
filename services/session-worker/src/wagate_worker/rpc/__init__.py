"""Live requests from the api (contacts, groups, read, presence, downloads)."""
