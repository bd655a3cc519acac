"""The `acquis backup` commands: create, verify, restore, prune (wired in by acquis/cli.py)."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from acquis import backup, restore
from acquis.config import load_settings
from acquis.dumps import FileColumns
from acquis.errors import AcquisError

Fail = Callable[..., NoReturn]
NOT_VALID = 1


def register(app: typer.Typer, *, fail: Fail, references: FileColumns) -> None:
    """Add `acquis backup ...` to the app; `references` are the columns naming stored files."""
    backup_app = typer.Typer(help="Backups: create, verify, restore, prune.", no_args_is_help=True)
    app.add_typer(backup_app, name="backup")

    @backup_app.command("create")
    def backup_create(target: Annotated[Path, typer.Argument(help="the backup folder (keep it off this server)")]
                      ) -> None:
        """Write a new snapshot into TARGET while the server keeps serving; only new files are copied."""
        try:
            manifest = backup.create_backup(load_settings(), target, references)
        except AcquisError as error:
            fail(error.message)
        for warning in backup.warnings(manifest):
            typer.echo(f"acquis: warning: {warning}", err=True)
        typer.echo(f"wrote {manifest['snapshot']}: {sum(manifest['tables'].values())} rows in "
                   f"{len(manifest['tables'])} tables, {len(manifest['objects'])} stored files "
                   f"({manifest['copied']} new), {len(manifest['files'])} other files, "
                   f"schema {manifest['migration_head']}")
        if manifest["missing"]:
            for line in manifest["missing"]:
                typer.echo(f"acquis: not in the backup: {line}", err=True)
            fail(f"{len(manifest['missing'])} file(s) named by rows could not be backed up", NOT_VALID)

    @backup_app.command("verify")
    def backup_verify(path: Annotated[Path, typer.Argument(help="a backup folder (its newest snapshot) or a "
                                                                 "snapshot folder")]) -> None:
        """Recheck the manifest and the SHA-256 of every file; exit 1 naming the first bad one."""
        try:
            checked = restore.verify(path)
        except AcquisError as error:
            fail(error.message)
        if checked.bad or checked.manifest is None:
            fail(str(checked.bad), NOT_VALID)
        if checked.missing:
            fail(f"{checked.snapshot}: incomplete: {checked.missing[0]}", NOT_VALID)
        typer.echo(f"backup intact: {checked.snapshot} ({len(checked.manifest['objects'])} stored files, "
                   f"{len(checked.manifest['files'])} other files, taken {checked.manifest['started_at']})")

    @backup_app.command("restore")
    def backup_restore(
        path: Annotated[Path, typer.Argument(help="a backup folder (its newest snapshot) or a snapshot folder")],
        into: Annotated[Path, typer.Option("--into", help="the new data dir: empty or absent")],
        database_url: Annotated[str | None, typer.Option(
            "--database-url", help="an empty database (default: SQLite in the new data dir)")] = None,
    ) -> None:
        """Restore a verified backup into an empty place, never over live data, then migrate it."""
        try:
            done = restore.restore(path, into=into, database_url=database_url)
        except restore.BackupInvalid as error:
            fail(error.message, NOT_VALID)
        except AcquisError as error:
            fail(error.message)
        typer.echo(f"restored {done.snapshot} into {done.into} (schema {done.head_before} -> {done.head_after})")
        typer.echo(f"serve it with ACQUIS_DATA_DIR={done.into}"
                   + ("" if database_url is None else " ACQUIS_DATABASE_URL=<that database>"))
        for warning in backup.warnings(done.manifest):
            typer.echo(f"acquis: warning: {warning}", err=True)
        for line in done.manifest["missing"]:
            typer.echo(f"acquis: warning: already missing when the backup was taken: {line}", err=True)

    @backup_app.command("prune")
    def backup_prune(
        root: Annotated[Path, typer.Argument(help="the backup folder")],
        keep: Annotated[int, typer.Option("--keep", min=1, help="how many of the newest backups to keep")],
    ) -> None:
        """Remove all but the KEEP newest complete snapshots, those cut short, and files none of them needs."""
        try:
            removed = backup.prune(root, keep=keep)
        except AcquisError as error:
            fail(error.message)
        typer.echo(f"removed {len(removed)} snapshot(s)" + "".join(f"\n  {path}" for path in removed))
