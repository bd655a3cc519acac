"""In a checkout, English pages speak English whether or not anyone compiled the catalogs, and never an old .mo."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from fastapi.testclient import TestClient

from acquis import i18n
from hatch_build import compile_catalog

PO = Path(i18n.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def locale_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A checkout's locale folder holding the English .po only, as git has it."""
    folder = tmp_path / "locale" / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copyfile(PO, folder / "messages.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    i18n.translations.cache_clear()
    yield folder
    i18n.translations.cache_clear()


def test_english_pages_without_a_compiled_catalog(locale_dir: Path, client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="en"' in page.text and "Password" in page.text and "Mot de passe" not in page.text


def test_a_catalog_edited_after_compiling_wins_over_the_old_mo(locale_dir: Path, client: TestClient) -> None:
    po = locale_dir / "messages.po"
    compile_catalog(po, locale_dir / "messages.mo")
    with po.open("rb") as source:
        catalog = read_po(source)
    catalog["Mot de passe"].string = "Secret word"  # the translation improved since the .mo was compiled
    with po.open("wb") as out:
        write_po(out, catalog)
    stale = po.stat().st_mtime - 60
    os.utime(locale_dir / "messages.mo", (stale, stale))
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert '<label for="password">Secret word</label>' in page.text
