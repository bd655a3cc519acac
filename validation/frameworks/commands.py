"""The `acquis frameworks` commands (wired in by acquis/cli.py): import, export and list reference frameworks."""

import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from validation.frameworks import service, transfer

Database = Callable[..., AbstractContextManager[Session]]
IMPORT_HELP = (
    "Import framework files: every framework of every file, or nothing (exit 2, one line). A version the database "
    "already holds with the same content stays unchanged, so importing twice is harmless. A file naming a published "
    "version with other content is refused: published versions never change. A file without a version (CSV never "
    "has one) is compared with the latest version: other content replaces it if it is a draft, else becomes the "
    "next version. What is created is a draft, unless --publish.")


def register(app: typer.Typer, *, database: Database) -> None:
    frameworks_app = typer.Typer(help="Reference frameworks (référentiels): import, export, list.",
                                 no_args_is_help=True)
    app.add_typer(frameworks_app, name="frameworks")

    @frameworks_app.command("import", help=IMPORT_HELP)
    def frameworks_import(
        files: Annotated[list[Path], typer.Argument(help=".yaml/.yml, .csv or .json (1EdTech CASE 1.1)")],
        publish: Annotated[bool, typer.Option("--publish", help="publish what the files leave as drafts")] = False,
    ) -> None:
        """Import framework files (semantics in the command's help and validation/frameworks/transfer.py)."""
        with database() as session:
            imported = transfer.import_files(session, files, publish=publish, by=None)
            session.commit()
        for item in imported:
            typer.echo(item.line())

    @frameworks_app.command("export")
    def frameworks_export(
        codes: Annotated[list[str], typer.Argument(help="framework code; several go into one YAML or CSV file")],
        file_format: Annotated[transfer.FileFormat, typer.Option("--format")] = "yaml",  # type: ignore[assignment]
        version: Annotated[int | None, typer.Option(min=1, help="default: the latest published version")] = None,
        output: Annotated[Path | None, typer.Option("-o", "--output", help="default: standard output")] = None,
    ) -> None:
        """Write a framework version as YAML, CSV or CASE 1.1 JSON (before any is published: the latest draft)."""
        with database() as session:
            data = transfer.export(session, codes, version=version, format=file_format.value)
            if output:
                transfer.save(output, data)
        if not output:
            sys.stdout.buffer.write(data)

    @frameworks_app.command("list")
    def frameworks_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Every version of every framework: code, version, status, ISCO-08, counts, title."""
        with database() as session:
            entries = service.summaries(session)
        if as_json or entries:
            lines = [service.summary_line(entry) for entry in entries]
            typer.echo(json.dumps(entries, ensure_ascii=False, indent=2) if as_json else "\n".join(lines))
