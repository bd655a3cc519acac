"""Imports point down only: certificates → assessors → validation → acquis leaves."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"acquis": 0, "validation": 1, "assessors": 2, "certificates": 3}
COMPOSITION_ROOTS = {"acquis/main.py", "acquis/cli.py", "acquis/asgi.py", "acquis/__main__.py",
                     "acquis/migrations/env.py"}
# The roots may be imported by nothing but each other (and Alembic's env, which needs every table).
ROOT_MODULES = {"acquis.main", "acquis.cli", "acquis.asgi"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for package, level in LAYERS.items():
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            for name in sorted(imported_modules(path)):
                top = name.split(".")[0]
                if relative in COMPOSITION_ROOTS:
                    continue
                if top in LAYERS and LAYERS[top] > level:
                    found.append(f"{relative} imports {name} (upward)")
                elif package == "acquis" and name in ROOT_MODULES:
                    found.append(f"{relative} imports the composition root {name}")
    return found


def test_no_module_imports_upward() -> None:
    assert violations() == []


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation" / "probe.py").write_text("from certificates import seal\n")
    (tmp_path / "acquis").mkdir()
    (tmp_path / "acquis" / "leaf.py").write_text("from acquis.main import create_app\n")
    assert violations(tmp_path) == ["acquis/leaf.py imports the composition root acquis.main",
                                    "validation/probe.py imports certificates (upward)",
                                    "validation/probe.py imports certificates.seal (upward)"]


def test_domain_packages_keep_empty_init_files() -> None:
    for package in LAYERS:
        assert (ROOT / package / "__init__.py").read_text().strip() == ""


MAP = ROOT / "docs" / "architecture.md"


def mapped_paths(text: str) -> set[str]:
    """Every module of the packages that the architecture document names in backquotes (`acquis/db.py`)."""
    return {path for path in re.findall(r"`([a-z_]+/[a-z0-9_/]+\.py)`", text) if path.split("/")[0] in LAYERS}


def code_modules(root: Path = ROOT) -> set[str]:
    """Every module of the packages, migrations and package markers aside."""
    return {path.relative_to(root).as_posix() for package in LAYERS for path in (root / package).rglob("*.py")
            if "versions" not in path.parts and path.name not in ("__init__.py", "__main__.py")}


def test_the_architecture_map_names_every_module_and_only_modules_that_exist() -> None:
    named = mapped_paths(MAP.read_text())
    modules = code_modules()
    assert not sorted(named - modules), "named in docs/architecture.md, gone"
    assert not sorted(modules - named), "missing from the map in docs/architecture.md"


def test_a_module_gone_or_unmapped_is_caught(tmp_path: Path) -> None:
    (tmp_path / "acquis").mkdir()
    (tmp_path / "acquis" / "kept.py").write_text("")
    (tmp_path / "acquis" / "new.py").write_text("")
    named = mapped_paths("- `acquis/kept.py`: here.\n- `acquis/gone.py`: moved.\n")
    assert named - code_modules(tmp_path) == {"acquis/gone.py"}
    assert code_modules(tmp_path) - named == {"acquis/new.py"}
