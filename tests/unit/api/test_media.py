"""Base64 media decoding and the download's Content-Disposition."""

from __future__ import annotations

import base64

import pytest

from wagate_api.media import decode_media, decoded_size_estimate
from wagate_api.routes.messages.received import content_disposition
from wagate_common.errors import WagateError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5, 100, 1001])
def test_size_estimate_exact_for_valid(length: int) -> None:
    data = b"\x07" * length
    encoded = base64.b64encode(data).decode()

    assert decoded_size_estimate(encoded) == length
    assert decoded_size_estimate(encoded.rstrip("=")) == length


def test_decode_returns_bytes_and_sniffed_type() -> None:
    data, mimetype = decode_media("image", base64.b64encode(PNG).decode(), "image/jpeg")

    assert data == PNG
    assert mimetype == "image/png"


@pytest.mark.parametrize(
    ("encoded", "mimetype", "status"),
    [
        ("A" * (22 * 1024 * 1024), "image/png", 413),
        ("QUJD\n", "image/png", 400),
        ("QUJ", "image/png", 400),
        ("QU*D", "image/png", 400),
        ("", "image/png", 400),
        (base64.b64encode(b"text").decode(), "text/plain", 415),
    ],
)
def test_decode_rejects(encoded: str, mimetype: str, status: int) -> None:
    with pytest.raises(WagateError) as raised:
        decode_media("image", encoded, mimetype)

    assert raised.value.status == status


def test_disposition_plain_name() -> None:
    assert content_disposition("a.pdf") == (
        "attachment; filename=\"a.pdf\"; filename*=UTF-8''a.pdf"
    )


def test_disposition_escapes_unsafe_characters() -> None:
    header = content_disposition('we"ird\r\nname/€.txt')

    assert "\r" not in header
    assert "\n" not in header
    assert 'filename="we_ird__name__.txt"' in header
    assert "filename*=UTF-8''we_ird__name_%E2%82%AC.txt" in header
