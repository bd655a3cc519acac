"""The certificate PDF (WeasyPrint): A4, French and English side by side, the QR, the credential inside."""

import base64
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache

import jinja2
from babel.dates import format_date

from acquis import i18n
from acquis.pdf import PdfAttachment, render_pdf
from acquis.web import TEMPLATES_DIR, make_templates
from certificates import qr

STYLESHEET = TEMPLATES_DIR / "certificates" / "pdf.css"
# Below this many PDFs, starting worker processes costs more than it saves.
PARALLEL_FROM = 4
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class PdfContent:
    """Everything printed on a certificate, as plain values (picklable for worker processes)."""

    number: str
    holder_name: str
    birth_date: date
    qualification_fr: str
    qualification_en: str | None
    framework_code: str
    framework_version: int
    isco08: str | None
    units: tuple[tuple[str, str | None], ...]  # validated units: (French title, English title)
    decision: str  # "full" or "partial"
    decision_date: date
    issued_on: date
    expires_on: date | None
    issuer_fr: str
    issuer_en: str
    issuer_code: str
    qr_text: str
    verify_url: str
    credential_json: str


@cache
def _environment() -> jinja2.Environment:
    return make_templates().env


def _side(content: PdfContent, lang: str) -> str:
    """One column of the certificate, in one language, through the catalogs like every page."""
    token = i18n.current_language.set(lang)
    try:
        return _environment().get_template("certificates/_pdf_side.html").render(
            c=content, lang=lang, day=lambda d: format_date(d, format="long", locale=lang) if d else "",
            qualification=content.qualification_en if lang == "en" and content.qualification_en
            else content.qualification_fr,
            units=[en if lang == "en" and en else fr for fr, en in content.units],
            issuer=content.issuer_en if lang == "en" else content.issuer_fr,
        )
    finally:
        i18n.current_language.reset(token)


def html_of(content: PdfContent) -> str:
    """The certificate as one HTML document, French and English side by side, QR inlined."""
    svg = qr.qr_svg(content.qr_text).encode("ascii")
    return _environment().get_template("certificates/pdf.html").render(
        c=content, sides={lang: _side(content, lang) for lang in LANGUAGES},
        qr_src="data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
    )


def render(content: PdfContent) -> bytes:
    """The PDF bytes of one certificate, with its credential JSON attached."""
    html = html_of(content)
    attachment = PdfAttachment(content=content.credential_json, name=f"{content.number}.credential.json",
                               description="Open Badges 3.0 / W3C Verifiable Credential")
    return render_pdf(html, stylesheets=[STYLESHEET], attachments=[attachment], identifier=content.number)


def render_many(
    contents: Sequence[PdfContent],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes]:
    """The PDFs of many certificates, in order, rendered in parallel worker processes."""
    total = len(contents)
    if total < PARALLEL_FROM or workers == 1:
        return [_rendered(content, done, total, progress) for done, content in enumerate(contents, 1)]
    # forkserver, not fork: a web server's threads may hold locks that a forked child would inherit.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2, mp_context=context) as pool:
        results = []
        for done, pdf in enumerate(pool.map(render, contents, chunksize=4), 1):
            results.append(pdf)
            if progress:
                progress(done, total)
        return results


def _rendered(content: PdfContent, done: int, total: int, progress: Callable[[int, int], None] | None) -> bytes:
    pdf = render(content)
    if progress:
        progress(done, total)
    return pdf
