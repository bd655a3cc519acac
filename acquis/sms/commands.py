"""The `acquis sms` commands: send the due messages now, or one test message (wired in by acquis/cli.py)."""

from typing import Annotated

import typer

from acquis.config import load_settings
from acquis.db import engine_of
from acquis.jobs_commands import Database, Fail
from acquis.sms import gateway, sender
from acquis.sms.outbox import E164
from acquis.sms.text import encoding, segments

GATEWAY_ERROR = 1


def register(app: typer.Typer, *, database: Database, fail: Fail) -> None:
    """Add `acquis sms send-pending|test` to the app."""
    sms_app = typer.Typer(help="Text messages through Kannel (ACQUIS_SMS_URL).", no_args_is_help=True)
    app.add_typer(sms_app, name="sms")

    @sms_app.command("send-pending")
    def send_pending() -> None:
        """Send the messages due now (the server does it every minute); quiet hours still hold."""
        settings = load_settings()
        with database(settings) as session:
            engine = engine_of(session)
        try:
            counts = sender.send_pending(engine, settings)
        finally:
            engine.dispose()
        if not settings.sms_url:
            typer.echo(f"ACQUIS_SMS_URL is not set: {counts['waiting']} message(s) wait in the outbox")
            return
        typer.echo(", ".join(f"{key} {value}" for key, value in counts.items()))

    @sms_app.command("test")
    def send_test(to: Annotated[str, typer.Option("--to", help="an E.164 number: +22376123456")],
                  text: Annotated[str, typer.Option("--text")] = "Acquis : message de test.") -> None:
        """Send one message right away (not through the outbox) and print the gateway's answer;
        exit 1 when the gateway refuses it or cannot be reached."""
        settings = load_settings()
        if not settings.sms_url:
            fail("ACQUIS_SMS_URL is not set")
        if not E164.fullmatch(to):
            fail(f"--to {to!r}: give the number with + and the country code, e.g. +22376123456")
        if not text.strip():
            fail("--text is empty")
        answer = gateway.send(settings, to=to, text=text)
        typer.echo(f"{encoding(text)}, {segments(text)} segment(s): {answer.summary()}")
        if not answer.accepted:
            raise typer.Exit(GATEWAY_ERROR)
