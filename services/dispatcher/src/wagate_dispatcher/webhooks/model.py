"""A webhook subscription as the dispatcher uses it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from wagate_common.storage.database import Document
from wagate_dispatcher.delivery.signing import decode_secret
from wagate_dispatcher.errors import InvalidSecretError, InvalidWebhookError

ALL_EVENTS = "*"


class Webhook(BaseModel):
    """One document of the ``webhooks`` collection, validated for delivery."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    id: str = Field(alias="_id")
    url: str
    events: frozenset[str]
    session_id: str | None = Field(default=None, alias="sessionId")
    # SecretStr keeps the secret out of reprs and log lines.
    secret: SecretStr
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True


def parse_webhook(document: Document) -> Webhook:
    """Validate a stored webhook document.

    Raises:
        InvalidWebhookError: a field is missing or malformed, or the secret does
            not decode to an HMAC key.
    """
    webhook_id = document.get("_id")
    try:
        webhook = Webhook.model_validate(document)
        decode_secret(webhook.secret.get_secret_value())
    except ValidationError as error:
        fields = sorted({".".join(map(str, item["loc"])) for item in error.errors()})
        raise InvalidWebhookError(webhook_id, f"bad fields {fields}") from error
    except InvalidSecretError as error:
        raise InvalidWebhookError(webhook_id, error.reason) from error
    return webhook
