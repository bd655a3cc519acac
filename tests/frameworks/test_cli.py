"""`acquis frameworks import|export|list` as operators and the project's checks run them."""

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.config import Settings
from tests.support.frameworks import (
    BRICKLAYING,
    DEMO_CODES,
    ISCO_PREFIX,
    PLUMBER,
    acquis,
    acquis_all,
    load_demo,
    writing,
)
from validation.frameworks import service, transfer, tree


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes more empty databases (schema, no data) on the same kind of server as the test's."""
    made: list[str] = []

    def make() -> str:
        if database_url.startswith("sqlite"):
            target = tmp_path / f"fresh-{len(made)}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
            made.append(f"sqlite:///{target}")
        else:
            name = f"acquis_fresh_{uuid.uuid4().hex[:12]}"
            _admin(request, f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("postgres_template")}"')
            made.append(request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + f"/{name}")
        return made[-1]

    yield make
    for url in made:
        if not url.startswith("sqlite"):
            _admin(request, f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _admin(request: pytest.FixtureRequest, statement: str) -> None:
    engine = create_engine(request.getfixturevalue("postgres_url"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def listed(settings: Settings, database_url: str | None = None) -> list[dict[str, object]]:
    result = acquis(settings, "frameworks", "list", "--json", database_url=database_url)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- a CASE package nobody here has seen ------------------------------------------------------------


def test_unseen_case_packages_come_back_as_four_units_in_order_with_their_isco_group(
    settings: Settings, app: FastAPI
) -> None:
    result = acquis(settings, "frameworks", "import", str(BRICKLAYING), str(PLUMBER))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "case-bricklaying-l2.json: BRICKLAYING-LEVEL-2-ILLUSTRATIVE v3: created (draft)",
        "case-plombier-4-blocs.json: PLOMBIER-SANITAIRE-NIVEAU-3-FICTIF v1: created (draft)",
    ]
    with writing(app) as session:
        summary = [(e["code"], e["version"], e["units"], e["criteria"], e["isco08"])
                   for e in service.summaries(session)]
    assert summary == [("BRICKLAYING-LEVEL-2-ILLUSTRATIVE", 3, 4, 11, "7112"),
                       ("PLOMBIER-SANITAIRE-NIVEAU-3-FICTIF", 1, 4, 10, "7126")]
    with writing(app) as session:
        bricks = tree.read(session, service.current(session, "BRICKLAYING-LEVEL-2-ILLUSTRATIVE"))
        plumber = tree.read(session, service.current(session, "PLOMBIER-SANITAIRE-NIVEAU-3-FICTIF"))
        package = json.loads(transfer.export(session, [plumber.code], format="case"))
    assert [u.code for u in bricks.units] == ["BRK.1", "BRK.2", "BRK.3", "BRK.4"]
    assert [c.code for c in bricks.units[1].criteria] == ["BRK.2.1", "BRK.2.2", "BRK.2.3"]
    # Four top-level items in their sequence order (the fourth has no isChildOf at all), and under
    # each what the package put there, in order, whether an element or a criterion.
    assert [(u.code, u.title.fr[:22]) for u in plumber.units] == [
        ("PLB-A", "Préparer le chantier e"), ("PLB-B", "Poser les réseaux d'al"),
        ("U3", "Poser les réseaux d'év"), ("PLB-D", "Installer et raccorder")]
    assert [[c.code for c in e.criteria] for e in plumber.units[0].elements] == [["PLB-A.1.1", "PLB-A.1.2"]]
    assert [c.code for c in plumber.units[1].criteria] == ["PLB-B.1", "PLB-B.2", "PLB-B.3"]
    assert [c.fr[:20] for c in plumber.units[2].criteria] == ["Respecte la pente de", "Pose un siphon sur c"]
    assert [len(e.criteria) for e in plumber.units[3].elements] == [1, 2]
    assert [(a.relation, a.uri) for a in plumber.alignments] == [("exactMatchOf", f"{ISCO_PREFIX}7126")]
    exact = [a["destinationNodeURI"]["uri"] for a in package["CFAssociations"]
             if a["associationType"] == "exactMatchOf"]
    assert exact == [f"{ISCO_PREFIX}7126"]


# --- round trips ----------------------------------------------------------------------------------------


def test_demo_frameworks_round_trip_through_an_empty_database_in_every_format(
    settings: Settings, app: FastAPI, tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    load_demo(app)
    with writing(app) as session:
        # What `acquis frameworks export` writes (the same function), from the demo database.
        first = {"yaml": transfer.export(session, DEMO_CODES, format="yaml"),
                 "csv": transfer.export(session, DEMO_CODES, format="csv")}
        first |= {code: transfer.export(session, [code], format="case") for code in DEMO_CODES}
    files = {name: tmp_path / f"{name}.{'json' if name.startswith('DEMO') else name}" for name in first}
    for name, data in first.items():
        files[name].write_bytes(data)
    empty = [fresh_database(), fresh_database(), fresh_database()]  # one per format
    imports = [("frameworks", "import", str(files["yaml"])), ("frameworks", "import", str(files["csv"])),
               ("frameworks", "import", *(str(files[code]) for code in DEMO_CODES))]
    for result in acquis_all(settings, imports, database_url=empty):
        assert result.returncode == 0, result.stderr
        assert [line.split(": ", 1)[1] for line in result.stdout.splitlines()] == [
            f"{code} v1: created (draft)" for code in DEMO_CODES]
    exports = [("frameworks", "export", *DEMO_CODES, "--format", "yaml", "-o", str(tmp_path / "again.yaml")),
               ("frameworks", "export", *DEMO_CODES, "--format", "csv", "-o", str(tmp_path / "again.csv")),
               ("frameworks", "export", "DEMO-MAC-01", "--format", "case", "-o", str(tmp_path / "again.json"))]
    for result in acquis_all(settings, exports, database_url=empty):
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "again.yaml").read_bytes() == first["yaml"]
    assert (tmp_path / "again.csv").read_bytes() == first["csv"]
    again = {"DEMO-MAC-01": (tmp_path / "again.json").read_bytes()}
    with Session(create_engine(empty[2])) as session:
        again |= {code: transfer.export(session, [code], format="case") for code in DEMO_CODES[1:]}
    for code in DEMO_CODES:
        assert json.loads(again[code])["CFItems"] == json.loads(first[code])["CFItems"], code
        assert again[code] == first[code], code


# --- bad files --------------------------------------------------------------------------------------------


def bad_files(folder: Path, app: FastAPI) -> list[Path]:
    """Six kinds of unusable file, each refused whole."""
    with writing(app) as session:
        published = transfer.export(session, ["DEMO-MAC-01"], version=1, format="yaml").decode()
    header = ("framework_code,parent_code,code,node_type,title_fr,title_en,statement_fr,statement_en,mandatory,"
              "critical,required_evidence,currency_years,isco08,esco_uri\n")
    rows = "F1,,F1,framework,Soudeur,,,,,,,,7212,\nF1,F1,U1,unit,Souder,,,,true,,,,,\n"
    cycle = json.loads(BRICKLAYING.read_bytes())
    items = {item["humanCodingScheme"]: item for item in cycle["CFItems"]}
    for association in cycle["CFAssociations"]:
        if association["originNodeURI"]["identifier"] == items["BRK.1"]["identifier"] \
                and association["associationType"] == "isChildOf":
            association["destinationNodeURI"] = {"identifier": items["BRK.1.1"]["identifier"]}
    contents = {
        "syntax.yaml": "frameworks:\n  - code: F1\n    title: {fr: Soudeur\n",
        "duplicate.csv": header + rows + "F1,U1,C1,criterion,,,Porte le masque,,,true,,,,\n"
                                         "F1,U1,C1,criterion,,,Cordon régulier,,,,,,,\n",
        "cycle.json": json.dumps(cycle),
        "untitled.yaml": "frameworks:\n  - code: F1\n    title: {en: Welder}\n    units:\n"
                         "      - {code: U1, title: {fr: Souder}}\n",
        "scan.json": "%PDF-1.7\n%\xe2\xe3\n1 0 obj\x00",
        "changed.yaml": published.replace("Porte casque", "Porte un casque"),
    }
    paths = []
    for name, content in contents.items():
        paths.append(folder / name)
        paths[-1].write_bytes(content.encode("latin-1") if name == "scan.json" else content.encode())
    return paths


RULES = {
    "syntax.yaml": "line 4: YAML syntax",
    "duplicate.csv": "line 5: duplicate code C1 (first on line 4)",
    "cycle.json": "item BRK.1.1: cycle: BRK.1.1 → BRK.1 → BRK.1.1",
    "untitled.yaml": "line 3: missing French title",
    "scan.json": "line 3: binary content, not a text file",
    "changed.yaml": "item DEMO-MAC-01: la version 1 est publiée et diffère de ce fichier",
}


def test_bad_files_exit_2_with_one_line_and_leave_the_frameworks_as_they_were(
    settings: Settings, app: FastAPI, tmp_path: Path
) -> None:
    load_demo(app)
    with writing(app) as session:
        before = service.summaries(session)
        events = len(session.exec(select(AuditEvent)).all())
    paths = bad_files(tmp_path, app)
    for path, result in zip(paths, acquis_all(settings, [("frameworks", "import", str(p)) for p in paths]),
                            strict=True):
        name = path.name
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert lines[0].startswith(f"acquis: {name}: {RULES[name]}"), lines[0]
        assert len(lines[0]) <= 300
    assert listed(settings) == json.loads(json.dumps(before))
    with writing(app) as session:
        assert len(session.exec(select(AuditEvent)).all()) == events


# --- the demo, export choices ---------------------------------------------------------------------------------


def test_acquis_demo_publishes_the_demo_frameworks_and_export_gives_the_version_in_force(
    settings: Settings, app: FastAPI
) -> None:
    # A second `acquis demo` changing nothing is checked in tests/kernel/test_cli.py (every package's seed).
    demo = acquis(settings, "demo", "--seed-only")
    assert demo.returncode == 0, demo.stderr
    with writing(app) as session:
        draft = service.new_version(session, service.latest_published(session, "DEMO-MAC-01"), by=None)
        session.commit()
        in_force = transfer.export(session, ["DEMO-MAC-01"], version=1, format="yaml")
    listing, exported = acquis_all(settings, [("frameworks", "list", "--json"),
                                              ("frameworks", "export", "DEMO-MAC-01", "--format", "yaml")])
    summary = [(e["code"], e["version"], e["status"], e["units"]) for e in json.loads(listing.stdout)]
    assert summary == [("DEMO-EDM-01", 1, "published", 4), ("DEMO-ELB-01", 1, "published", 5),
                       ("DEMO-MAC-01", 1, "published", 5), ("DEMO-MAC-01", 2, "draft", 5),
                       ("DEMO-PL-01", 1, "published", 4)]
    # Without --version, the version in force: v1, not the newer draft.
    assert exported.returncode == 0 and exported.stdout.encode() == in_force
    assert b"version: 1\n" in in_force and draft.version == 2
