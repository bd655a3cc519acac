"""Framework versions in the database: import semantics, immutability, new versions, draft edits."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from tests.support.frameworks import DEMO, load_demo, writing
from tests.support.web import UserFactory
from validation.frameworks import editing, importers, service, transfer, tree
from validation.frameworks.diff import compare
from validation.frameworks.immutability import VersionImmutable
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkStatus, FrameworkUnit


def events(session: Session) -> list[str]:
    return [event.action for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))]


def versions(session: Session, code: str) -> list[tuple[int, str]]:
    return [(v.version, v.status.value) for v in service.versions(session, code)]


def export_yaml(session: Session, code: str, version: int | None = None) -> str:
    return transfer.export(session, [code], version=version, format="yaml").decode()


def write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text)
    return folder / name


# --- importing what the database already holds ------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(app: FastAPI) -> None:
    with writing(app) as session:
        first = transfer.import_files(session, [DEMO], publish=True, by=None)
        session.commit()
        before = events(session)
        again = transfer.import_files(session, [DEMO], publish=True, by=None)
        session.commit()
        assert [(i.code, i.version, i.outcome, i.status) for i in first] == [
            (code, 1, "created", "published") for code in ("DEMO-MAC-01", "DEMO-ELB-01", "DEMO-EDM-01", "DEMO-PL-01")]
        assert {i.outcome for i in again} == {"unchanged"}
        assert events(session) == before


def test_a_file_naming_a_published_version_with_other_content_is_refused_whole(app: FastAPI, tmp_path: Path) -> None:
    load_demo(app)
    with writing(app) as session:
        published = export_yaml(session, "DEMO-MAC-01")
        changed = write(tmp_path, "mason.yaml", published.replace("Porte casque", "Porte un casque"))
        with pytest.raises(transfer.ImportConflict) as refused:
            transfer.import_files(session, [changed], publish=False, by=None)
        session.rollback()
        assert refused.value.status_code == 409
        assert str(refused.value).startswith("mason.yaml: item DEMO-MAC-01: la version 1 est publiée")
        assert versions(session, "DEMO-MAC-01") == [(1, "published")]
        assert export_yaml(session, "DEMO-MAC-01") == published


def test_a_file_without_version_becomes_the_next_draft_which_later_files_replace(app: FastAPI, tmp_path: Path) -> None:
    load_demo(app)
    with writing(app) as session:
        original = export_yaml(session, "DEMO-ELB-01").replace("    version: 1\n", "")
        edited = write(tmp_path, "elb.yaml", original.replace("Utilise outils isolés", "Utilise des outils isolés"))
        outcome = transfer.import_files(session, [edited], publish=False, by=None)
        assert [(i.version, i.outcome, i.status) for i in outcome] == [(2, "created", "draft")]
        edited.write_text(original.replace("Utilise outils isolés", "Emploie des outils isolés"))
        outcome = transfer.import_files(session, [edited], publish=False, by=None)
        assert [(i.version, i.outcome) for i in outcome] == [(2, "replaced")]
        outcome = transfer.import_files(session, [edited], publish=True, by=None)
        assert [(i.version, i.outcome, i.status) for i in outcome] == [(2, "unchanged", "published")]
        session.commit()
        assert versions(session, "DEMO-ELB-01") == [(1, "published"), (2, "published")]
        draft = service.get_version(session, "DEMO-ELB-01", 2)
        assert draft.based_on_id == service.get_version(session, "DEMO-ELB-01", 1).id
        assert "Emploie des outils isolés" in export_yaml(session, "DEMO-ELB-01", 2)


def test_a_spreadsheet_update_keeps_what_csv_has_no_column_for(app: FastAPI, tmp_path: Path) -> None:
    load_demo(app)
    with writing(app) as session:
        sheet = transfer.export(session, ["DEMO-EDM-01"], format="csv").decode("utf-8-sig")
        edited = write(tmp_path, "edm.csv", sheet.replace("Trie le linge", "Trie soigneusement le linge"))
        assert transfer.import_files(session, [edited], publish=False, by=None)[0].version == 2
        before, after = (tree.read(session, service.get_version(session, "DEMO-EDM-01", v)) for v in (1, 2))
    changes = compare(before, after)
    assert [(c.code, c.fields) for c in changes.changed] == [("EDM-U1-E2-C1", ("text",))]
    assert changes.framework_fields == ()
    assert after.qualification_rule == before.qualification_rule and after.level_indicative == before.level_indicative


def test_several_files_go_in_together_or_not_at_all(app: FastAPI, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", "frameworks:\n  - code: F9\n    title: {fr: Soudeur}\n    units:\n"
                                        "      - {code: U1, title: {fr: Souder}}\n")
    bad = write(tmp_path, "bad.yaml", "frameworks:\n  - code: F8\n    title: {en: Welder}\n")
    with writing(app) as session:
        with pytest.raises(importers.FrameworkFileInvalid, match=r"^bad\.yaml: line 3: missing French title"):
            transfer.import_files(session, [good, bad], publish=False, by=None)
        session.rollback()
        assert service.summaries(session) == []


# --- published versions never change ----------------------------------------------------------------------


def test_the_service_refuses_to_edit_a_published_version(app: FastAPI, users: UserFactory) -> None:
    admin = users(Role.ADMIN)
    load_demo(app)
    with writing(app) as session:
        mason = service.latest_published(session, "DEMO-MAC-01")
        criterion = tree.outline(session, mason).units[0].elements[0].criteria[0]
        attempts = [
            lambda: editing.rename(session, mason, "criterion", criterion.id, fr="Autre texte", by=admin),
            lambda: editing.set_critical(session, mason, criterion.id, critical=False, by=admin),
            lambda: editing.add_unit(session, mason, code="MAC-U9", fr="Nouvelle", by=admin),
            lambda: editing.delete(session, mason, "criterion", criterion.id, by=admin),
            lambda: editing.update_details(session, mason, title_fr="Autre", by=admin),
        ]
        for attempt in attempts:
            with pytest.raises(VersionImmutable) as refused:
                attempt()
            assert refused.value.status_code == 409 and "publiée" in refused.value.message
        assert session.get(FrameworkCriterion, criterion.id).text_fr.startswith("Porte casque")


def test_the_database_keeps_a_published_version_even_when_code_forgets_to_ask(app: FastAPI) -> None:
    load_demo(app)
    with writing(app) as session:
        mason = service.latest_published(session, "DEMO-MAC-01")
        unit = session.exec(select(FrameworkUnit).where(FrameworkUnit.framework_id == mason.id)).first()
        assert unit is not None
        changes = [lambda: setattr(unit, "title_fr", "Piraté"), lambda: session.delete(unit),
                   lambda: setattr(mason, "isco08", "9999"), lambda: session.delete(mason),
                   lambda: session.add(FrameworkUnit(framework_id=mason.id, position=9, code="X", title_fr="X"))]
        for change in changes:
            change()
            with pytest.raises(VersionImmutable):
                session.flush()
            session.rollback()
        # Retiring is the one change a published version still undergoes.
        service.retire(session, mason, by=None)
        session.commit()
        assert versions(session, "DEMO-MAC-01") == [(1, "retired")]
        with pytest.raises(VersionImmutable):
            mason.status = FrameworkStatus.PUBLISHED
            session.flush()


def test_editing_a_published_version_opens_the_next_draft_and_publishing_it_retires_nothing(
    app: FastAPI, users: UserFactory
) -> None:
    admin = users(Role.ADMIN)
    load_demo(app)
    with writing(app) as session:
        v1 = service.latest_published(session, "DEMO-PL-01")
        v2 = service.new_version(session, v1, by=admin)
        assert (v2.version, v2.status, v2.based_on_id) == (2, FrameworkStatus.DRAFT, v1.id)
        assert service.new_version(session, v1, by=admin).id == v2.id  # one open draft at a time
        assert compare(tree.read(session, v1), tree.read(session, v2)).empty
        assert tree.read(session, v2).prerequisites == tree.read(session, v1).prerequisites
        service.publish(session, v2, by=admin)
        session.commit()
        assert versions(session, "DEMO-PL-01") == [(1, "published"), (2, "published")]
        assert service.latest_published(session, "DEMO-PL-01").version == 2
        assert events(session)[-2:] == ["framework.version_created", "framework.published"]


# --- editing a draft ---------------------------------------------------------------------------------------


def test_draft_edits_keep_the_order_asked_for_and_are_each_audited(app: FastAPI, users: UserFactory) -> None:
    admin = users(Role.ADMIN)
    load_demo(app)
    with writing(app) as session:
        draft = service.new_version(session, service.latest_published(session, "DEMO-PL-01"), by=admin)
        outline = tree.outline(session, draft)
        u1, u2 = outline.units[0].row, outline.units[1].row
        before = len(events(session))
        element = editing.add_element(session, draft, u1.id, code="PL-U1-E1", fr="Contrôler", en="Check", by=admin)
        first = editing.add_criterion(session, draft, "element", element.id, code="PL-U1-E1-C1", fr="Pneus", by=admin)
        editing.add_criterion(session, draft, "element", element.id, code="PL-U1-E1-C2", fr="Freins",
                              critical=True, by=admin)
        editing.add_criterion(session, draft, "unit", u2.id, code="PL-U2-C1", fr="Anticipe", by=admin)
        editing.rename(session, draft, "criterion", first.id, fr="Pression des pneus", en="Tyre pressure", by=admin)
        editing.set_critical(session, draft, first.id, critical=True, by=admin)
        editing.move(session, draft, "criterion", first.id, direction="down", by=admin)
        editing.move(session, draft, "unit", u2.id, direction="up", by=admin)
        editing.delete(session, draft, "unit", outline.units[3].row.id, by=admin)
        session.commit()
        result = tree.read(session, draft)
        actions = events(session)[before:]
    assert [u.code for u in result.units] == ["PL-U2", "PL-U1", "PL-U3"]
    assert [c.code for c in result.units[0].criteria] == ["PL-U2-C1"]
    checks = result.units[1].elements[0].criteria
    assert [(c.code, c.fr, c.en, c.critical) for c in checks] == [
        ("PL-U1-E1-C2", "Freins", None, True), ("PL-U1-E1-C1", "Pression des pneus", "Tyre pressure", True)]
    assert actions == ["framework.element_added", "framework.criterion_added", "framework.criterion_added",
                       "framework.criterion_added", "framework.node_renamed", "framework.criterion_critical_set",
                       "framework.node_moved", "framework.node_moved", "framework.node_deleted"]


def test_draft_edits_keep_codes_unique_and_units_holding_elements_or_criteria(
    app: FastAPI, users: UserFactory
) -> None:
    admin = users(Role.ADMIN)
    load_demo(app)
    with writing(app) as session:
        draft = service.new_version(session, service.latest_published(session, "DEMO-MAC-01"), by=admin)
        unit = tree.outline(session, draft).units[0].row
        refusals = {
            "MAC-U1-E1-C1": lambda: editing.add_unit(session, draft, code="MAC-U1-E1-C1", fr="Doublon", by=admin),
            "éléments": lambda: editing.add_criterion(session, draft, "unit", unit.id, code="N1", fr="x", by=admin),
            "français": lambda: editing.rename(session, draft, "unit", unit.id, fr="  ", by=admin),
            "CITP-08": lambda: editing.update_details(session, draft, title_fr="Maçon", isco08="71120", by=admin),
        }
        for said, attempt in refusals.items():
            with pytest.raises(editing.EditInvalid, match=said):
                attempt()
        session.rollback()


def test_an_unfinished_draft_is_not_published(app: FastAPI, users: UserFactory) -> None:
    admin = users(Role.ADMIN)
    load_demo(app)
    with writing(app) as session:
        draft = service.new_version(session, service.latest_published(session, "DEMO-PL-01"), by=admin)
        unit = tree.outline(session, draft).units[0].row
        element = editing.add_element(session, draft, unit.id, code="PL-U1-E1", fr="Contrôler", by=admin)
        with pytest.raises(service.DraftIncomplete, match="PL-U1-E1 n'a encore aucun critère"):
            service.publish(session, draft, by=admin)
        editing.delete(session, draft, "element", element.id, by=admin)
        assert service.publish(session, draft, by=admin).status == FrameworkStatus.PUBLISHED


def test_demo_seed_adds_only_frameworks_the_database_lacks(app: FastAPI) -> None:
    load_demo(app)
    with writing(app) as session:
        before = events(session)
        service.new_version(session, service.latest_published(session, "DEMO-MAC-01"), by=None)
        session.commit()
        assert transfer.seed_demo(session) == []
        session.commit()
        assert events(session)[len(before):] == ["framework.version_created"]
        assert len(session.exec(select(Framework)).all()) == 5
