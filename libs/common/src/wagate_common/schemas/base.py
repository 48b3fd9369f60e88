"""Base model with camelCase field names on the wire."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A model serialized with camelCase names; Python code uses snake_case."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
    )

    def to_wire(self) -> bytes:
        """Serialize to JSON bytes with camelCase names."""
        return self.model_dump_json(by_alias=True).encode()
