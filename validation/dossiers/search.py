"""Finding dossiers among a hundred thousand: by dossier number, phone or name, a page at a time, newest first.

Names are searched through `Candidate.search_name`: family name, given names and usual name in lower
case without accents ("TRAORÉ Awa" is "traore awa"), so that "traore", "Traoré awa" and "awa traoré"
find her. The search is a prefix range on that indexed column, never a scan of every candidate.
"""

import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from acquis import phones
from acquis.auth.models import User
from acquis.config import Settings
from validation.dossiers import access
from validation.dossiers.models import Candidate, Dossier
from validation.dossiers.status import DossierStatus

PAGE_SIZE = 25  # a phone screen or two; each row costs about 0.2 ms to serve
MAX_QUERY = 100
MAX_DOSSIER_ID = 2**63 - 1
NUMBER_LIKE = re.compile(r"[\d\s.\-()/+]+")  # a dossier number or a phone number, as people type them


def name_key(*names: str | None) -> str:
    """Lower case, accents and apostrophes dropped, other punctuation as spaces: what names are searched by."""
    text = unicodedata.normalize("NFKD", " ".join(name for name in names if name)).casefold()
    # An apostrophe joins (N'Diaye is "ndiaye", as people type it); other punctuation separates words.
    kept = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c) and c not in "'’ʼ")
    return " ".join(kept.encode("ascii", "ignore").decode().split())


@dataclass(frozen=True)
class Found:
    """One page of dossiers: those on it, and whether pages come before and after."""

    dossiers: list[Dossier]
    page: int
    more: bool

    @property
    def previous(self) -> bool:
        return self.page > 1


def dossiers(session: Session, *, user: User, settings: Settings, query: str = "",
             status: DossierStatus | None = None, page: int = 1) -> Found:
    """The dossiers this user may see matching the query (and status), newest first, PAGE_SIZE a page."""
    page = max(1, page)
    statement = select(Dossier).where(access.dossier_filter(user))
    if status is not None:
        statement = statement.where(Dossier.status == status)
    matching = _matching(query.strip()[:MAX_QUERY], settings)
    if matching is not None:
        statement = statement.where(matching)
    # One more row than the page holds tells whether a next page exists, without counting them all.
    rows = list(session.exec(statement.order_by(col(Dossier.id).desc())
                             .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return Found(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def _matching(query: str, settings: Settings) -> ColumnElement[bool] | None:
    """The WHERE clause on Dossier for a query: its number or its candidate's phone, else the candidate's name."""
    if not query:
        return None
    if NUMBER_LIKE.fullmatch(query):
        return _by_number(query, settings)
    words = name_key(query).split()
    if not words:
        return false()
    # Family name first as stored; a query written as on a passport ("Awa TRAORÉ", given names first)
    # is tried with its last word first too.
    orders = {" ".join(words), " ".join([words[-1], *words[:-1]])}
    named = or_(*(_name_starts_with(prefix) for prefix in sorted(orders)))
    # The candidates first, then their dossiers: as a join, SQLite (which has no statistics unless
    # someone runs ANALYZE) walked every dossier newest first, looking up each one's candidate:
    # 23 ms at 100,000 dossiers, against 1 ms this way.
    return col(Dossier.candidate_id).in_(select(Candidate.id).where(named))


def _by_number(query: str, settings: Settings) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    compact = query.replace(" ", "")
    if compact.isdigit() and int(compact) <= MAX_DOSSIER_ID:
        clauses.append(col(Dossier.id) == int(compact))
    with suppress(phones.PhoneInvalid):
        number = phones.normalise(query, country_code=settings.phone_country_code)
        # A single value (phones are unique), so that both databases look both up in their indexes.
        owner = select(Candidate.id).where(Candidate.phone == number).scalar_subquery()
        clauses.append(col(Dossier.candidate_id) == owner)
    return or_(*clauses) if clauses else false()


def _name_starts_with(prefix: str) -> ColumnElement[bool]:
    # A range rather than LIKE: both databases walk the index for it, whatever the column's collation
    # (SQLite's LIKE ignores case and so skips an ordinary index). The keys are lower-case ASCII
    # letters, digits and spaces, so the next string after every "prefix…" is the prefix with its last
    # character moved up by one.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    column = col(Candidate.search_name)
    return and_(column >= prefix, column < upper)
