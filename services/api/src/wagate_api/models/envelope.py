"""Typed envelopes, so the OpenAPI document shows what each route returns."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

from wagate_common.schemas.base import WireModel

DataT = TypeVar("DataT")


class Envelope(BaseModel, Generic[DataT]):
    """A successful response."""

    success: Literal[True] = True
    data: DataT


class PageInfo(WireModel):
    """The cursor of the next page (``None`` on the last page) and the page size."""

    next: str | None
    limit: int


class ListEnvelope(BaseModel, Generic[DataT]):
    """One page of a list."""

    success: Literal[True] = True
    data: list[DataT]
    page: PageInfo


class Deleted(WireModel):
    """The response to a DELETE."""

    id: str
    deleted: bool = True
