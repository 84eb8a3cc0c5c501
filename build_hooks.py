"""Build step for setuptools: compile the message catalogues (.po -> .mo) when the package is built or installed.

`pip install .` and `pip install -e .` both run build_py, so an installed desk has its Hindi catalogue compiled
before it first starts (helpdesk/i18n/catalogs.py still recompiles a missing or stale one at start-up, e.g. after
a `git pull` that changed a .po without a reinstall). Self-contained: at build time only setuptools and Babel exist.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from setuptools.command.build_py import build_py

LOCALE_DIR = Path(__file__).resolve().parent / "helpdesk" / "locale"


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each .mo whose content differs from what its .po compiles to; returns the files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name, domain="messages")
        out = BytesIO()
        write_mo(out, catalog)
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != out.getvalue():
            mo_path.write_bytes(out.getvalue())
            written.append(mo_path)
    return written


class BuildPy(build_py):
    """build_py that compiles the catalogues first, so the .mo files are among the package data it installs."""

    def run(self) -> None:
        compile_catalogs()
        super().run()
