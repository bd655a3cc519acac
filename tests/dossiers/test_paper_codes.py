"""Paper that finds its way back: every printed form carries a small QR and a short code that open, for the staff
who may see its dossier, the very step the paper belongs to; the code and the QR say nothing about the person."""

import re
import xml.etree.ElementTree as ET

import httpx
import pypdfium2
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlmodel import Session, select

from acquis.auth.models import Role
from acquis.config import Settings
from assessors import service
from tests.support.assessors import Cast, cast, scheduled
from tests.support.web import UserFactory, log_in, post_form
from validation.dossiers.paper_codes import PaperCode

QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
CORNER = re.compile(r'<figure class="paper-code".*?</figure>', re.S)
SVG = "{http://www.w3.org/2000/svg}"
# Crockford base32 (no I, L, O, U), two groups of four.
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}")
# The person of tests.support.dossiers.candidate_data, in every spelling a code or URL could hold.
PERSONAL = ("KONAT", "SEYDOU", "76123456", "22376123456", "AA1234567", "1234567", "19880412", "1988-04-12")


def logged_in(app: FastAPI, login: str) -> TestClient:
    browser = TestClient(app)
    log_in(browser, login)
    return browser


def qr_in_svg(svg: str) -> str:
    """Draw the page's inline SVG (its dark runs, 8 pixels a module) and read it back as a phone would."""
    root = ET.fromstring(svg)
    size = int(root.get("viewBox", "").split()[2])
    image = Image.new("L", (size * 8, size * 8), 255)
    draw = ImageDraw.Draw(image)
    path = root.find(f"{SVG}path")
    assert path is not None
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)", path.get("d", "")):
        left, top = int(x) * 8, int(y) * 8
        draw.rectangle((left, top, left + int(width) * 8 - 1, top + 7), fill=0)
    found = [result.text for result in zxingcpp.read_barcodes(image, formats=QR)]
    assert len(found) == 1, "one readable QR"
    return found[0]


def corner(html: str) -> tuple[str, str]:
    """The code printed in the page's corner and the text its QR holds."""
    figure = CORNER.search(html)
    assert figure, "the printed form has its code corner"
    text = figure.group(0)
    assert "style=" not in text and "<script" not in text, "nothing the CSP would block"
    code = re.search(r'<figcaption id="paper-code-text">\s*([^<]+?)\s*</figcaption>', text)
    svg = re.search(r"<svg.*?</svg>", text, re.S)
    assert code and svg
    return code.group(1), qr_in_svg(svg.group(0))


def in_pdf(data: bytes) -> tuple[str, str]:
    """The code printed on the PDF's first page (found from its QR, read from the drawn page) and the QR's text."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[0]
        found = [result.text for result in zxingcpp.read_barcodes(page.render(scale=4, grayscale=True).to_pil(),
                                                                    formats=QR)]
        words = page.get_textpage().get_text_range()
    finally:
        document.close()
    assert len(found) == 1, "one readable QR on the summary's first page"
    code = found[0].rpartition("/F/")[2]
    assert code in words, "the code is printed in letters too"
    return code, found[0]


def says_nothing_of_the_person(text: str) -> None:
    compact = re.sub(r"[\s\-+]", "", text.upper())
    for value in PERSONAL:
        assert value.replace("-", "") not in compact


def setting(session: Session, settings: Settings, users: UserFactory) -> Cast:
    """An assessment under way: the assessor assigned, every unit planned, one session held; the candidate has
    an account."""
    c = cast(session, settings, users, account=users(Role.CANDIDATE, login="candidate"))
    scheduled(session, c)
    return c


def step(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).removeprefix("http://testserver")


def test_every_printed_form_leads_staff_back_to_its_step_by_its_qr(
        app: FastAPI, client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = setting(session, settings, users)
    d, person = c.dossier.id, c.dossier.candidate_id
    unit = service.units(session, c.dossier)[1]
    assessor, counsellor = logged_in(app, "assessor"), logged_in(app, c.counsellor.login)
    printed = {
        "checklist": corner(assessor.get(f"/assessments/{d}/units/{unit.id}/checklist").text),
        "convocation": corner(assessor.get(f"/assessments/{d}/convocation").text),
        "attestation": corner(counsellor.get(f"/dossiers/{d}/attestation-form").text),
        "slip": corner(post_form(counsellor, f"/candidates/{person}/slip", {},
                                 page=f"/candidates/{person}").text),
        "summary": in_pdf(counsellor.get(f"/candidates/{person}/summary.pdf").content),
    }
    lands = {
        "checklist": (assessor, f"/assessments/{d}/units/{unit.id}/paper"),
        "convocation": (assessor, f"/assessments/{d}#sessions"),
        "attestation": (counsellor, f"/dossiers/{d}/evidence/new?kind=third_party_attestation"),
        "slip": (counsellor, f"/candidates/{person}"),
        "summary": (counsellor, f"/candidates/{person}"),
    }
    for kind, (code, qr_text) in printed.items():
        assert CODE.fullmatch(code), kind
        assert qr_text == f"{settings.public_url.upper()}/F/{code}", kind
        says_nothing_of_the_person(qr_text)
        browser, expected = lands[kind]
        landed = step(browser.get(qr_text.removeprefix(settings.public_url.upper()), follow_redirects=False))
        assert landed == expected, kind
        says_nothing_of_the_person(landed)
        assert browser.get(landed).status_code == 200, kind
    assert len({code for code, _ in printed.values()}) == 5, "one code per form"
    rows = {row.kind.value: row for row in session.exec(select(PaperCode)).all()}
    assert rows["checklist"].target_id == unit.id and rows["checklist"].created_by_id == c.assessor.id
    assert rows["slip"].dossier_id is None and rows["slip"].candidate_id == person


def test_a_form_code_keyed_in_by_hand_opens_the_same_step_and_nothing_for_outsiders(
        app: FastAPI, client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = setting(session, settings, users)
    users(Role.ASSESSOR, login="assessor3")
    d, person = c.dossier.id, c.dossier.candidate_id
    assessor, counsellor = logged_in(app, "assessor"), logged_in(app, c.counsellor.login)
    # Not assigned, assigned to nothing, the person herself.
    outsiders = {login: logged_in(app, login) for login in ("assessor2", "assessor3", "candidate")}
    convocation, _ = corner(assessor.get(f"/assessments/{d}/convocation").text)
    assert corner(assessor.get(f"/assessments/{d}/convocation").text)[0] == convocation, "printed again, same code"
    assert step(client.get(f"/F/{convocation}", follow_redirects=False)) == f"/login?next=%2FF%2F{convocation}"
    for login, outsider in outsiders.items():
        assert outsider.get(f"/F/{convocation}", follow_redirects=False).status_code == 404, login
    registrar = logged_in(app, c.registrar.login)
    assert step(registrar.get(f"/f/{convocation}", follow_redirects=False)) == f"/dossiers/{d}/assignments"

    code, qr_text = corner(counsellor.get(f"/dossiers/{d}/attestation-form").text)
    box = counsellor.get("/dossiers").text
    assert re.search(r'<form method="get" action="/f/"[^>]*id="paper-code-form"', box)
    assert 'name="code"' in box
    expected = f"/dossiers/{d}/evidence/new?kind=third_party_attestation"
    # As people type it: lower case, spaces for the hyphen, O for 0 and l for 1; or a barcode reader types the QR.
    typed = " " + code.lower().replace("-", " ").replace("0", "o").replace("1", "l") + " "
    for text in (typed, code.replace("-", ""), qr_text):
        assert step(counsellor.get("/f/", params={"code": text}, follow_redirects=False)) == expected, text
    for wrong in ("ZZZZ-ZZZZ", "", "7KQ4-M2X", "../../etc", "É" * 8):
        assert counsellor.get("/f/", params={"code": wrong}, follow_redirects=False).status_code == 404, wrong

    # A new slip ends the person's sessions (its password replaces hers): the staff outsiders remain.
    slip, _ = corner(post_form(counsellor, f"/candidates/{person}/slip", {},
                               page=f"/candidates/{person}").text)
    for login in ("assessor2", "assessor3"):
        assert outsiders[login].get(f"/f/{slip}", follow_redirects=False).status_code == 404, login
    assert assessor.get(f"/f/{slip}", follow_redirects=False).status_code == 404, "the person's page is not theirs"
