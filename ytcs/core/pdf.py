"""PDF documents (WeasyPrint): printable reports and scorecards."""

from __future__ import annotations


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML page that links nothing: the URL fetcher allows no protocol, so no URL (network or
    file) is ever opened; fonts come from the system (fontconfig: DejaVu Sans covers Vietnamese)."""
    import weasyprint  # loaded only when a PDF is asked for

    return weasyprint.HTML(string=html, url_fetcher=weasyprint.URLFetcher(allowed_protocols=())).write_pdf()
