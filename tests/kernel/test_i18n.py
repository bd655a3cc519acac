"""French first, English second: every marked string has an English translation, pages switch."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from acquis.i18n import negotiate

ROOT = Path(__file__).resolve().parents[2]
EN_CATALOG = ROOT / "acquis/locale/en/LC_MESSAGES/messages.po"


def extracted_ids(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "N_",
                    "--no-location", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(f) if message.id}


def test_every_string_in_the_code_has_an_english_translation(tmp_path: Path) -> None:
    with EN_CATALOG.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and (m.string if isinstance(m.string, str) else all(m.string or ())) and not m.fuzzy}
    missing = sorted(extracted_ids(tmp_path) - translated)
    assert missing == [], "run `make messages` and translate these in the en catalog"


def test_language_comes_from_cookie_then_accept_language_then_french() -> None:
    assert negotiate("en", "fr-FR") == "en"
    assert negotiate(None, "en-GB,en;q=0.9,fr;q=0.5") == "en"
    assert negotiate(None, "de-DE, fr;q=0.4") == "fr"
    assert negotiate("xx", None) == "fr"


def test_pages_are_french_by_default(client: TestClient) -> None:
    page = client.get("/login")
    assert '<html lang="fr"' in page.text and "Mot de passe" in page.text


def test_first_visit_follows_accept_language(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en"' in page.text and "Password" in page.text


def test_language_switch_is_remembered(client: TestClient) -> None:
    response = client.get("/language/en?next=/login", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "Password" in client.get("/login", headers={"Accept-Language": "fr"}).text
    client.get("/language/fr?next=/login")
    assert "Mot de passe" in client.get("/login").text
