"""Short codes on printed forms: a QR and the same code in letters lead staff back to the dossier and the step
a paper belongs to, weeks later, without a name search; the code says nothing about the person."""

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, col, select

from acquis import qr
from acquis.auth.models import Role, User
from acquis.db import Row, UTCDateTime, str_enum, utcnow
from acquis.errors import NotFound
from validation.dossiers import access
from validation.dossiers.models import AccessPurpose, Candidate, Dossier, DossierAccess

# Crockford's base32 (as certificate numbers use it): no I, L, O, U, so no symbol reads as another,
# and no symbol a command line or a form would take for something else ('-' first, say).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
LENGTH = 8  # 40 random bits: never guessed by chance, short enough to key in from the paper
GROUP = 4
SEPARATORS = re.compile(r"[\s\-]+")
URL_MARK = "/F/"
ROUNDS = 3


class FormKind(StrEnum):
    CHECKLIST = "checklist"
    CONVOCATION = "convocation"
    ATTESTATION = "attestation"
    SLIP = "slip"
    SUMMARY = "summary"


class PaperCode(Row, table=True):
    """One printed form: its code, and the dossier (or candidate) and step it belongs to."""

    __tablename__ = "paper_code"

    code: str = Field(max_length=LENGTH, unique=True)  # without the hyphen it is printed with
    # kind/candidate/dossier/target in one unique text: the same form printed again keeps its code
    # (NULLs would make a unique constraint over the columns themselves let duplicates through).
    form: str = Field(max_length=100, unique=True)
    kind: FormKind = Field(sa_type=str_enum(FormKind))
    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    dossier_id: int | None = Field(default=None, foreign_key="dossier.id", index=True)
    target_id: int | None = None  # the unit of a checklist; none for forms of a whole dossier or person
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class PaperCodeNotFound(NotFound):
    """No form has this code, or its dossier is not the caller's to see: the same answer for both."""

    code = "not-found"


@dataclass(frozen=True)
class Printed:
    """What a printed form shows in its corner: the code as printed, and its QR."""

    code: str
    qr_text: str
    svg: Markup

    @property
    def data_uri(self) -> str:
        """The QR as an image URL, for PDFs (WeasyPrint draws <img>, pages inline the <svg>)."""
        return "data:image/svg+xml;base64," + base64.b64encode(str(self.svg).encode("ascii")).decode("ascii")


def grouped(code: str) -> str:
    """The code as printed and read aloud: 7KQ4-M2XD."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalise(text: str) -> str | None:
    """The stored code for what was typed or scanned (a code in any case, with spaces or hyphens, I and L for 1,
    O for 0, or the whole URL of the QR); None when it cannot be a code."""
    if not text.isascii() or len(text) > 200:
        return None
    compact = SEPARATORS.sub("", text.strip().upper().rpartition(URL_MARK)[2]).translate(ALIASES)
    if len(compact) != LENGTH or any(symbol not in ALPHABET for symbol in compact):
        return None
    return compact


def qr_text(public_url: str, code: str) -> str:
    """upper(ACQUIS_PUBLIC_URL) + "/F/" + the grouped code: QR alphanumeric, like the seal, so the QR stays small."""
    return public_url.rstrip("/").upper() + URL_MARK + grouped(code)


def issue(session: Session, *, kind: FormKind, candidate_id: int, dossier_id: int | None = None,
          target_id: int | None = None, by: User | None) -> PaperCode:
    """The form's code: the one it was printed with before, else a new random one."""
    form = f"{kind.value}/{candidate_id}/{dossier_id or ''}/{target_id or ''}"
    row = session.exec(select(PaperCode).where(PaperCode.form == form)).first()
    if row is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        row = PaperCode(code=code, form=form, kind=kind, candidate_id=candidate_id, dossier_id=dossier_id,
                        target_id=target_id, created_by_id=by.id if by else None)
        session.add(row)
        session.flush()
    return row


def printed(engine: Engine, *, public_url: str, kind: FormKind, candidate_id: int, dossier_id: int | None = None,
            target_id: int | None = None, by: User | None) -> Printed:
    """The code and QR of a form a GET request prints, issued in its own short transaction: such a request holds
    a read-only session (a form printed in answer to a POST issues its code in that POST's transaction)."""
    for attempt in range(1, ROUNDS + 1):
        with Session(engine) as session:
            try:
                code = issue(session, kind=kind, candidate_id=candidate_id, dossier_id=dossier_id,
                             target_id=target_id, by=by).code
                session.commit()
                break
            except IntegrityError:
                # Someone printed the same form at the same moment (or, once in a trillion, drew the same code):
                # the next round reads theirs back, or draws again. Anything else fails every round.
                if attempt == ROUNDS:
                    raise
    return shown(code, public_url=public_url)


def shown(code: str, *, public_url: str) -> Printed:
    """A code as a form prints it: grouped, and its QR."""
    text = qr_text(public_url, code)
    return Printed(code=grouped(code), qr_text=text, svg=Markup(qr.qr_svg(text)))


def find(session: Session, text: str, *, user: User) -> PaperCode:
    """The form behind a code, for staff who may see its dossier (or, for a person's forms, the person)."""
    code = normalise(text)
    row = session.exec(select(PaperCode).where(PaperCode.code == code)).first() if code else None
    if row is None or user.role == Role.CANDIDATE or not _visible(session, row, user):
        raise PaperCodeNotFound()
    return row


def _visible(session: Session, row: PaperCode, user: User) -> bool:
    if row.dossier_id is not None:
        query = select(Dossier.id).where(Dossier.id == row.dossier_id, access.dossier_filter(user))
    else:
        query = select(Candidate.id).where(Candidate.id == row.candidate_id, access.candidate_filter(user))
    return session.exec(query).first() is not None


def assesses(session: Session, dossier_id: int, *, user: User) -> bool:
    """Whether the user holds an open grant to assess the dossier (the assessor's pages are then theirs)."""
    return session.exec(select(DossierAccess.id).where(
        DossierAccess.dossier_id == dossier_id, DossierAccess.user_id == user.id,
        DossierAccess.purpose == AccessPurpose.ASSESS, col(DossierAccess.revoked_at).is_(None))).first() is not None
