"""The certificate PDF (WeasyPrint): A4, French and English side by side, the QR, the credential inside."""

import base64
import multiprocessing
import os
import select
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from functools import cache

import jinja2

from acquis import dates, i18n, qr
from acquis.pdf import PdfAttachment, render_pdf
from acquis.web import TEMPLATES_DIR, make_templates

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
    # Per validated unit: (day, certificate number) when carried from an earlier decision, else None.
    origins: tuple[tuple[date, str | None] | None, ...] = ()


@cache
def _environment() -> jinja2.Environment:
    return make_templates().env


def _side(content: PdfContent, lang: str) -> str:
    """One column of the certificate, in one language, through the catalogs like every page."""
    token = i18n.current_language.set(lang)
    try:
        return _environment().get_template("certificates/_pdf_side.html").render(
            c=content, lang=lang, day=lambda d: dates.day(d, language=lang, length="long"),
            qualification=content.qualification_en if lang == "en" and content.qualification_en
            else content.qualification_fr,
            units=[(en if lang == "en" and en else fr, origin)
                   for (fr, en), origin in zip(content.units, content.origins or [None] * len(content.units),
                                               strict=True)],
            carried=any(content.origins),
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


class Rendering:
    """PDFs rendered while their caller goes on: `submit` each certificate as soon as it is sealed, then
    `pdfs` gives them back in the order submitted.

    WeasyPrint is pure CPU under the GIL, so threads would not help: a second core needs a second
    process. With `workers` > 1 the PDFs go to that many processes, kept for the next batch (_pool),
    and the caller seals the next certificate while they render. One that dies takes only its work
    with it: the pool is replaced and what was not collected is rendered again (rendering changes
    nothing). With one worker, `pdfs` renders them here, one after the other."""

    def __init__(self, *, workers: int) -> None:
        self.workers = workers
        self.contents: list[PdfContent] = []
        self.futures: list[Future[bytes]] = []

    def submit(self, content: PdfContent) -> None:
        self.contents.append(content)
        if self.workers > 1:
            self.futures.append(_pool(self.workers).submit(render, content))

    def pdfs(self, progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
        """Each PDF as soon as it and those before it are rendered, in the order submitted."""
        total, index, retried = len(self.contents), 0, False
        while index < total:
            try:
                pdf = self._next(index)
            except BrokenProcessPool:
                _discard_pool(self.workers)
                if retried:  # twice: this content may be what kills the process; stop here
                    raise
                retried = True
                self.futures[index:] = [_pool(self.workers).submit(render, c) for c in self.contents[index:]]
                continue
            index += 1
            if progress:
                progress(index, total)
            yield pdf

    def cancel(self) -> None:
        """Drop what no process has started yet (after an error the caller will not collect it)."""
        for future in self.futures:
            future.cancel()

    def _next(self, index: int) -> bytes:
        if self.workers > 1:
            return self.futures[index].result()
        return render(self.contents[index])


# --- the render processes --------------------------------------------------------------------------

# One pool per size and per process (each web worker, each command), started on the first bulk batch and
# kept: starting processes and loading WeasyPrint and its fonts costs more than rendering a few PDFs.
_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            # forkserver, not fork: a web server's threads may hold locks that a forked child would
            # inherit. The fork server imports WeasyPrint once; each process it forks starts with it.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["weasyprint", "certificates.pdf"])
            pool = _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                         initializer=_end_with, initargs=(os.getpid(),))
        return pool


def _discard_pool(workers: int) -> None:
    with _POOLS_LOCK:
        pool = _POOLS.pop(workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def _end_with(app_pid: int) -> None:
    """In each render process: end as soon as the app's process does (pool initializer).

    A server killed outright (SIGKILL, out of memory) runs no clean-up, and its render processes would
    wait for work forever: they hold the write end of their own task queue, so they never see it close.
    Their parent is the fork server, not the app, so they watch the app's process itself."""
    try:
        handle = os.pidfd_open(app_pid)  # Linux: readable once that very process has ended (no pid reuse)
    except ProcessLookupError:
        os._exit(0)
    except (AttributeError, OSError):  # elsewhere: a killed server's render processes linger
        return
    threading.Thread(target=_exit_when_readable, args=(handle,), name="end-with-app", daemon=True).start()


def _exit_when_readable(handle: int) -> None:
    select.select([handle], [], [])
    os._exit(0)
