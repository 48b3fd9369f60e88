"""The error raised when the media of an outgoing message cannot be obtained."""

from __future__ import annotations


class MediaUnavailableError(Exception):
    """The media of a send could not be read or fetched.

    A ``permanent`` error fails the message for good. Otherwise, for example
    when the broker did not respond, the send is retried like after a network
    error.
    """

    def __init__(self, reason: str, *, permanent: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
