"""French first, English second: the request's language and gettext over the Babel catalogs."""

from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
LOCALE_DIR = Path(__file__).parent / "locale"
LANG_COOKIE = "acquis_lang"

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog for a language; French is the source language and needs none."""
    if lang == DEFAULT:
        return NullTranslations()
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    # A checkout holds the .po, and a .mo only once someone ran `make catalogs`, maybe before the .po last
    # changed: compile it here, or English pages (and the English column of PDFs issued meanwhile, which never
    # changes afterwards) would show French. The wheel ships the .mo alone, compiled when it was built.
    if po.is_file() and (not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime):
        return _compiled(po)
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def _compiled(po: Path) -> Translations:
    with po.open("rb") as source:
        catalog = read_po(source)
    mo = BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return Translations(mo, domain="messages")


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


_ = gettext


def spoken(language: str | None) -> str:
    """`language` if Acquis speaks it, else French (a text or a date for a reader whose language it lacks)."""
    return language if language in LANGUAGES else DEFAULT


def gettext_in(language: str, message: str) -> str:
    """The message in a person's own language (a text message, a letter) when Acquis speaks it, else in French."""
    return translations(spoken(language)).gettext(message)


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice if valid, else the best of Accept-Language, else French."""
    if cookie in LANGUAGES:
        return cookie
    for lang, _q in _parse_accept_language(accept_language or ""):
        if lang in LANGUAGES:
            return lang
    return DEFAULT


def _parse_accept_language(header: str) -> list[tuple[str, float]]:
    ranked = []
    for part in header.split(","):
        tag, _sep, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag:
            ranked.append((tag.split("-")[0].lower(), q))
    return sorted(ranked, key=lambda item: -item[1])
