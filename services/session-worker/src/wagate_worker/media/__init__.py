"""Media and link previews of outgoing messages, and the ``media`` object store."""
