"""The base of every request body model."""

from __future__ import annotations

from pydantic import ConfigDict

from wagate_common.schemas.base import WireModel


class RequestModel(WireModel):
    """A request body: a field the route does not know is rejected, not ignored.

    Rejecting unknown fields makes a misspelt optional field (``replyto``) or
    one a route does not take (``replyTo`` on a poll) an error instead of a
    silent no-op.
    """

    model_config = ConfigDict(extra="forbid")
