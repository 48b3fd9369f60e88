"""``python -m wagate_api``: serve the api with uvicorn."""

from __future__ import annotations

import uvicorn

from wagate_api.app import create_app
from wagate_api.settings import ApiSettings
from wagate_common.logs import configure_logging


def main() -> None:
    """Read settings from the environment and serve until stopped."""
    settings = ApiSettings()
    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
