"""Message routes: sends, actions on earlier messages, records and received media."""

from __future__ import annotations

from fastapi import APIRouter

from wagate_api.routes.messages import actions, received, records, send

router = APIRouter()
for module in (send, received, actions, records):
    router.include_router(module.router)
