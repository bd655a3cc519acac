"""PDF rendering (WeasyPrint) that loads nothing from the network: the one way Acquis makes PDFs."""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from acquis.web import STATIC_DIR, TEMPLATES_DIR

# Local files a PDF may load: Debian's fonts and the project's own templates and static files.
ALLOWED_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), TEMPLATES_DIR, STATIC_DIR)


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (for example the credential JSON beside the certificate)."""

    content: str
    name: str
    description: str


@cache
def _weasyprint() -> tuple[Any, Any]:
    # Imported on first use: WeasyPrint takes about a second to load (Pango, fonts), and only code
    # that renders a PDF should pay for it, not every command and worker start.
    import weasyprint
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Refuses every URL but data: and files in the allowed folders: a PDF fetches nothing."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = local_path(url)
            if path is not None and any(path.is_relative_to(folder) for folder in ALLOWED_DIRS):
                # Fetch the very path checked, not the URL: its escapes are decoded once, here.
                return super().fetch(path.as_uri(), headers)
            raise ValueError("Acquis PDFs load nothing from the network or outside their own folders")

    return weasyprint, LocalOnlyFetcher


def local_path(url: str) -> Path | None:
    """The absolute, normalised local file a file: URL names, or None for any other URL.

    Percent-escapes are decoded before resolving: "%2e%2e" is "..", and must not slip past the check."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    decoded = unquote(parts.path)
    if "\x00" in decoded or not decoded.startswith("/"):
        return None
    return Path(os.path.normpath(decoded)).resolve()


@cache
def _stylesheet(path: Path) -> Any:
    weasyprint, fetcher = _weasyprint()
    return weasyprint.CSS(filename=str(path), url_fetcher=fetcher())


def render_pdf(
    html: str,
    *,
    stylesheets: Sequence[Path] = (),
    attachments: Sequence[PdfAttachment] = (),
    identifier: str | None = None,
) -> bytes:
    """The PDF bytes of an HTML document; relative URLs resolve against the templates folder."""
    weasyprint, fetcher_class = _weasyprint()
    fetcher = fetcher_class()
    files = [weasyprint.Attachment(string=a.content, name=a.name, description=a.description, url_fetcher=fetcher,
                                   relationship="Data") for a in attachments]
    document = weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[_stylesheet(path) for path in stylesheets], attachments=files,
                                    pdf_identifier=identifier.encode("ascii") if identifier else None)
    return pdf
