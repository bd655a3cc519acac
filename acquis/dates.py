"""Dates and times as people read them, for pages, PDFs and text messages: the one place that formats them.

A page formats in its own language (``acquis.i18n.current_language``); a text message or a PDF names the reader's.
A language Acquis does not speak yet gets French, like its texts.
"""

from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from babel.dates import format_date, format_datetime

from acquis import i18n

Length = Literal["medium", "long"]


def day(value: date | None, *, language: str | None = None, length: Length = "medium") -> str:
    """"7 déc. 2026" (medium: lists and pages), "7 décembre 2026" (long: certificates, letters, text messages);
    "" for no date."""
    if value is None:
        return ""
    return _day(value, _spoken(language), length)


@lru_cache(maxsize=4096)
def _day(value: date, language: str, length: Length) -> str:
    # Babel takes tens of microseconds a date: a list of dossiers shows fifty, mostly recent, days.
    return format_date(value, format=length, locale=language)


def moment(value: datetime | None, *, language: str | None = None) -> str:
    """A date and time, "7 déc. 2026, 14:05:09"; "" for none."""
    return format_datetime(value, format="medium", locale=_spoken(language)) if value else ""


def utc_minute(value: datetime | None) -> str:
    """A moment for operators, in UTC to the minute whatever the language: "2026-12-07 14:05 UTC"; "—" for none."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _spoken(language: str | None) -> str:
    return i18n.spoken(language or i18n.current_language.get())
