"""The `acquis keys`, `acquis certificates` and `acquis verify` commands (wired in by acquis/cli.py)."""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlmodel import Session, col, select

from acquis import db, untrusted
from acquis.auth import service as auth_service
from acquis.auth.models import Role, User
from acquis.config import Settings, load_settings
from acquis.db import utcnow
from acquis.errors import AcquisError, Invalid
from acquis.i18n import N_, gettext
from certificates import (
    credential,
    issuing,
    keys,
    keystore,
    online_verification,
    public_documents,
    reissue,
    revocation,
    scanning,
    service,
)
from certificates.offline_verification import TrustListInvalid, VerificationResult, verify_seal_text
from certificates.scanning import Presented


class FileMissing(Invalid):
    """The named file does not exist."""

    code = "file-missing"
    default_message = N_("Fichier introuvable.")


class JsonFileUnreadable(Invalid):
    """The trust list or revocation list file is not readable JSON."""

    code = "json-file-unreadable"
    default_message = N_("Ce fichier n'est pas un JSON lisible.")


Database = Callable[..., AbstractContextManager[Session]]
Fail = Callable[..., NoReturn]
FILE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".json")
LIST_FILE_MAX_BYTES = 64 * 1024 * 1024  # a revocation list names each revoked certificate by a 64-character hash
NOT_VALID = 1


def register(app: typer.Typer, *, database: Database, fail: Fail) -> None:
    """Add the certificate commands to the `acquis` app, using its database session and error exit."""
    keys_app = typer.Typer(help="Issuer signing keys.", no_args_is_help=True)
    certificates_app = typer.Typer(help="Issued certificates.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")
    app.add_typer(certificates_app, name="certificates")

    def key_command(action: Callable[[Session, Settings], Any], message: Callable[[Any], str]) -> None:
        settings = load_settings()
        with database(settings) as session:
            outcome = action(session, settings)
            # The status and revocation lists are signed by the active key: a key event signs them again.
            public_documents.after_key_event(session, settings)
            session.commit()
            typer.echo(message(outcome))

    @keys_app.command("generate")
    def keys_generate() -> None:
        """Create the first issuer key (encrypted with ACQUIS_KEY_PASSPHRASE)."""
        key_command(lambda s, st: keystore.generate(s, settings=st), lambda k: f"generated key {k.kid} (active)")

    @keys_app.command("rotate")
    def keys_rotate() -> None:
        """A new signing key; the previous active keys retire (and still verify what they signed)."""
        key_command(lambda s, st: keystore.rotate(s, settings=st), lambda k: f"new active key {k.kid}")

    @keys_app.command("retire")
    def keys_retire(kid: str) -> None:
        """Stop signing with a key; what it signed stays valid."""
        key_command(lambda s, st: keystore.retire(s, kid), lambda k: f"key {k.kid} is {k.status.value}")

    @keys_app.command("compromised")
    def keys_compromised(kid: str, since: Annotated[str, typer.Option(help="YYYY-MM-DD or ISO 8601 time")]) -> None:
        """Distrust everything a key signed from DATE on (earlier certificates stay valid)."""
        try:
            moment = keystore.parse_since(since)
        except AcquisError as error:
            fail(error.message)
        key_command(lambda s, st: _compromised(s, kid, moment), _compromised_message)

    @keys_app.command("list")
    def keys_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Every issuer key with its status and dates."""
        with database() as session:
            entries = [keystore.jwk(row) for row in keystore.all_keys(session)]
        if as_json:
            typer.echo(json.dumps(entries, indent=2))
            return
        for entry in entries:
            typer.echo(f"{entry['kid']}  {entry['status']:<11}  from {entry['not_before']}  "
                       f"until {entry['not_after'] or '-'}"
                       + (f"  compromised since {entry['compromised_since']}" if "compromised_since" in entry else ""))

    @keys_app.command("trust-list")
    def keys_trust_list(output: Annotated[Path | None, typer.Option("-o", "--output")] = None) -> None:
        """The trust list of /.well-known/acquis/trust-list.json, for offline verifiers."""
        settings = load_settings()
        with database(settings) as session:
            document = keystore.trust_list(session, settings=settings)
        _write_or_print(json.dumps(document, indent=2, ensure_ascii=False), output)

    @certificates_app.command("list")
    def certificates_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Every certificate, newest first."""
        settings = load_settings()
        with database(settings) as session:
            rows = [service.summary(cert, settings=settings) for cert in service.all_certificates(session)]
        if as_json:
            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            typer.echo(f"{row['number']}  {row['status']:<10}  {row['framework_code']} v{row['framework_version']}"
                       f"  {row['holder_name']}")

    @certificates_app.command("pdf")
    def certificates_pdf(number: str, output: Annotated[Path, typer.Option("-o", "--output")]) -> None:
        """Write a certificate's PDF to FILE."""
        settings = load_settings()
        with database(settings) as session:
            data = service.pdf_bytes(service.get(session, number), store=service.store_for(settings))
        output.write_bytes(data)
        typer.echo(f"wrote {output} ({len(data)} bytes)")

    @certificates_app.command("credential")
    def certificates_credential(number: str, output: Annotated[Path, typer.Option("-o", "--output")]) -> None:
        """Write a certificate's Open Badges 3.0 / VC 2.0 credential JSON to FILE."""
        with database() as session:
            text = service.get(session, number).credential
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")

    @certificates_app.command("revoke")
    def certificates_revoke(
        number: str,
        reason: Annotated[str, typer.Option(help="why, for the audit log")],
        public: Annotated[bool, typer.Option("--public-reason", help="verifiers by number read the reason")] = False,
    ) -> None:
        """Revoke a certificate for good; verifiers see it at once (the signed lists need ACQUIS_KEY_PASSPHRASE)."""
        settings = load_settings()
        with database(settings) as session:
            cert = service.revoke(session, number, reason=reason, by=None, settings=settings, public_reason=public)
            session.commit()
            typer.echo(f"revoked {cert.number}")

    @certificates_app.command("reissue")
    def certificates_reissue(
        kid: Annotated[str | None, typer.Option("--key", help="this compromised key's certificates only")] = None,
        by: Annotated[str | None, typer.Option("--by", help="registrar login (default: the only active one)")] = None,
    ) -> None:
        """Re-seal with the active key every certificate marked to re-issue (`acquis keys compromised`)."""
        settings = load_settings()
        with database(settings) as session:
            issuer = _registrar(session, by, fail)
            try:
                pairs = [(cert.number, cert.holder_name) for cert in reissue.waiting(session, kid=kid)]
                new = reissue.reissue(session, kid=kid, by=issuer, settings=settings)
            except AcquisError as error:
                fail(error.message)
            session.commit()
            for (old_number, holder), cert in zip(pairs, new, strict=True):
                typer.echo(f"{old_number} -> {cert.number}  {holder}")
            typer.echo(f"done: {len(new)} certificate(s) re-issued" if new else "nothing to re-issue")

    @certificates_app.command("publish")
    def certificates_publish() -> None:
        """Sign again the stale status lists and revocation list (run daily, and once after an upgrade)."""
        settings = load_settings()
        with database(settings) as session:
            paths = public_documents.refresh_public_documents(session, settings)
            session.commit()
        typer.echo("\n".join(f"signed {path}" for path in paths) or "nothing to sign: every document is current")

    @certificates_app.command("issue")
    def certificates_issue(
        all_decided: Annotated[bool, typer.Option("--all-decided", help="every decided dossier not certified")] = False,
        dossier: Annotated[int | None, typer.Option("--dossier", help="the decision in force on this dossier")] = None,
        framework: Annotated[str | None, typer.Option("--framework", help="this framework only")] = None,
        by: Annotated[str | None, typer.Option("--by", help="registrar login (default: the only active one)")] = None,
        batch: Annotated[int, typer.Option(min=1, max=1000, help="certificates committed together")] = 25,
    ) -> None:
        """Issue certificates from jury decisions; reruns skip what is issued, so an interrupted run resumes."""
        if all_decided == (dossier is not None):
            fail("give --all-decided or --dossier ID")
        settings = load_settings()
        with database(settings) as session:
            issuer = _registrar(session, by, fail)
            if dossier is not None:
                cert = issuing.issue_for_dossier(session, dossier, by=issuer, settings=settings)
                session.commit()
                typer.echo(f"{cert.number}  dossier {dossier}")
                return
            waiting = issuing.pending(session, framework_code=framework)
            typer.echo(f"{len(waiting)} decided dossier(s) to certify")
            done = 0
            # One transaction per batch: an interruption keeps the batches already committed.
            for start in range(0, len(waiting), batch):
                chunk = waiting[start:start + batch]
                issuing.issue_for_decisions(session, [p.decision_id for p in chunk], by=issuer, settings=settings)
                session.commit()
                done += len(chunk)
                typer.echo(f"issued {done}/{len(waiting)}")
            typer.echo(f"done: {done} certificate(s) issued")

    @certificates_app.command("export-credentials")
    def certificates_export_credentials(
        output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
        framework: Annotated[str | None, typer.Option("--framework", help="this framework only")] = None,
    ) -> None:
        """The standing certificates' signed credentials as JSON Lines (one credential a line)."""
        with database() as session:
            lines = list(issuing.credentials_jsonl(session, framework_code=framework))
        if output is None:
            typer.echo("".join(lines), nl=False)
            return
        output.write_text("".join(lines), encoding="utf-8")
        typer.echo(f"wrote {output} ({len(lines)} credential(s))")

    @app.command("verify")
    def verify(
        given: Annotated[str, typer.Argument(metavar="INPUT", help="QR text or URL, PDF, PNG/JPEG or credential JSON")],
        trust_list: Annotated[Path | None, typer.Option("--trust-list", help="verify offline with this file")] = None,
        revocations: Annotated[Path | None, typer.Option("--revocations", help="a signed revocation list")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Verify a certificate; exit 0 valid, 1 not valid, 2 unusable input."""
        try:
            item = _presented(given)
            outcome = _offline(item, trust_list, revocations) if trust_list else _online(item, database)
        except (AcquisError, TrustListInvalid) as error:
            fail(error.message)
        _report(outcome, as_json=as_json)
        raise typer.Exit(0 if outcome["verdict"] == "valid" else NOT_VALID)


def _compromised(session: Session, kid: str, since: Any) -> tuple[Any, list[Any], bool]:
    """Mark the key, then the certificates it sealed from that day on (to re-issue); and whether a key is left
    to re-seal them with."""
    key = keystore.mark_compromised(session, kid, since=since)
    return key, reissue.mark(session, kid), reissue.can_reissue(session)


def _compromised_message(outcome: tuple[Any, list[Any], bool]) -> str:
    key, certificates, can_reissue = outcome
    lines = [f"key {key.kid} is compromised since {keys.iso_utc(key.compromised_since)}",
             f"{len(certificates)} certificate(s) it sealed since then no longer verify; marked to re-issue:"]
    lines += [f"  {cert.number}  {cert.issued_on.isoformat()}  {cert.holder_name}" for cert in certificates]
    if certificates:
        step = "" if can_reissue else "acquis keys rotate, then "
        lines.append(f"next: {step}acquis certificates reissue --key {key.kid}")
    return "\n".join(lines)


def _registrar(session: Session, login: str | None, fail: Fail) -> User:
    """The account certificates are issued by: a registrar or admin (the dossier's move needs one)."""
    if login:
        user = auth_service.get_by_login(session, login)
        if user.role not in service.STAFF_ROLES or not user.active:
            fail(f"--by {login}: not an active registrar or admin account")
        return user
    found = list(session.exec(select(User).where(User.role == Role.REGISTRAR, col(User.active).is_(True))))
    if len(found) != 1:
        fail("name the registrar issuing the certificates with --by LOGIN")
    return found[0]


def _presented(given: str) -> Presented:
    path = Path(given)
    if path.is_file():
        return scanning.read_bytes(path.read_bytes()[: scanning.MAX_UPLOAD_BYTES + 1])
    if given.lower().endswith(FILE_SUFFIXES) and "/V/" not in given.upper():
        raise FileMissing(f"{gettext(FileMissing.default_message)} {given}")
    return Presented("text", text=given)


def _offline(item: Presented, trust_path: Path, revocations: Path | None) -> VerificationResult:
    """No database at all: the trust list (and revocation list) files are the only sources."""
    trust = _json_file(trust_path)
    source = revocation.lookup_from_list(_json_file(revocations), trust) if revocations else None
    now = utcnow()
    if item.kind == "text":
        return verify_seal_text(item.text, trust, now=now, revocation=source)
    return credential.verify(item.document, trust, now=now, revocation=source)


def _online(item: Presented, database: Database) -> VerificationResult:
    settings = load_settings()
    with database(settings) as session:
        outcome = online_verification.verify_presented(session, item, settings=settings)
        engine = db.engine_of(session)
        session.rollback()  # release SQLite's write lock before the log's own transaction
        online_verification.log(engine, channel="cli", verdict=outcome["verdict"], client=None)
    return outcome


def _json_file(path: Path) -> Any:
    """A trust list or revocation list file: downloaded from somewhere, so parsed as untrusted JSON."""
    try:
        with path.open("rb") as file:
            return untrusted.parse_json(file.read(LIST_FILE_MAX_BYTES + 1), max_bytes=LIST_FILE_MAX_BYTES)
    except OSError:
        raise JsonFileUnreadable(f"{gettext(JsonFileUnreadable.default_message)} {path}") from None
    except untrusted.JSON_ERRORS as error:
        raise JsonFileUnreadable(f"{error.message} {path}") from None


def _report(outcome: VerificationResult, *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(outcome, indent=2, ensure_ascii=False))
        return
    typer.echo(f"verdict: {outcome['verdict']}")
    shown = outcome.get("certificate")
    if shown:
        title = shown.get("qualification_title")
        title = title.get("fr") if isinstance(title, dict) else title
        for label, value in (("number", shown.get("number")), ("holder", shown.get("holder_name")),
                             ("born", shown.get("birth_date")),
                             ("framework", f"{shown.get('framework_code')} v{shown.get('framework_version')}"),
                             ("qualification", title), ("units", ", ".join(map(str, shown.get("units", [])))),
                             ("issued", shown.get("issued_on")), ("expires", shown.get("expires_on") or "never")):
            if value:
                typer.echo(f"{label}: {value}")
    checks = " ".join(f"{name}={json.dumps(value)}" for name, value in outcome["checks"].items())
    typer.echo(f"checks: {checks}")


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}")
