"""Finding the URL of a link preview and reading a page's preview fields."""

from __future__ import annotations

import pytest

from wagate_worker.media.preview import (
    MAX_TITLE_CHARS,
    first_url,
    parse_preview,
)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("see https://example.com/a?b=1.", "https://example.com/a?b=1"),
        ("(http://example.com/x)", "http://example.com/x"),
        ("first http://one.example then https://two.example", "http://one.example"),
        ('<a href="https://example.com/q">', "https://example.com/q"),
        ("HTTPS://EXAMPLE.COM/Up", "HTTPS://EXAMPLE.COM/Up"),
    ],
)
def test_first_url_found(text: str, url: str) -> None:
    assert first_url(text) == url


@pytest.mark.parametrize("text", ["no link here", "ftp://example.com/file", "www.x.com"])
def test_first_url_absent(text: str) -> None:
    assert first_url(text) is None


def test_open_graph_preferred() -> None:
    html = """<head><title>Plain</title>
    <meta property="og:title" content="Rich &amp; bold">
    <meta name="description" content="meta description">
    <meta property="og:description" content="og description"></head>"""

    title, description = parse_preview(html)

    assert title == "Rich & bold"
    assert description == "og description"


def test_title_and_description_fallbacks() -> None:
    html = '<title>\n  Plain\n  title </title><meta name="Description" content=" d ">'

    title, description = parse_preview(html)

    assert title == "Plain title"
    assert description == "d"


def test_page_without_fields() -> None:
    assert parse_preview("<html><body><p>text</p></body></html>") == (None, None)


def test_broken_html_tolerated() -> None:
    # A page cut at the size cap usually ends inside the body.
    title, description = parse_preview("<title>Cut off</title><p>unfinished <a href=")

    assert title == "Cut off"
    assert description is None


def test_long_title_cut() -> None:
    title, _ = parse_preview(f"<title>{'x' * (MAX_TITLE_CHARS + 50)}</title>")

    assert title is not None
    assert len(title) == MAX_TITLE_CHARS
