"""Hatch build hook: the wheel carries everything the server reads besides code, inside the `acquis` package.

The checkout keeps `templates/` and `static/` at the top level; the wheel puts them at `acquis/templates` and
`acquis/static` (acquis.web finds them in either place), with the catalogs compiled to `.mo` (git keeps only the
`.po`). An editable install needs none of this: it reads the checkout, and acquis.i18n compiles a `.po` newer than
its `.mo` in memory.
"""

import shutil
import tempfile
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SHIPPED = {"templates": "acquis/templates", "static": "acquis/static"}
CATALOGS = "acquis/locale/*/LC_MESSAGES/*.po"


class CustomBuildHook(BuildHookInterface):
    """Adds the top-level folders and the compiled catalogs to a standard (non-editable) wheel."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        build_data["force_include"].update({str(root / source): target for source, target in SHIPPED.items()})
        self._compiled = Path(tempfile.mkdtemp(prefix="acquis-catalogs-"))
        for po in sorted(root.glob(CATALOGS)):
            target = po.relative_to(root).with_suffix(".mo")
            mo = self._compiled / target
            compile_catalog(po, mo)
            build_data["force_include"][str(mo)] = str(target)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        compiled = getattr(self, "_compiled", None)
        if compiled is not None:
            shutil.rmtree(compiled, ignore_errors=True)


def compile_catalog(po: Path, mo: Path) -> None:
    """`pybabel compile` for one catalog: fuzzy entries stay out, as they do there."""
    with po.open("rb") as source:
        catalog = read_po(source)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as out:
        write_mo(out, catalog, use_fuzzy=False)
