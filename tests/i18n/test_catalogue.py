"""The Hindi catalogue: complete for every message the code and templates mark, faithful to its placeholders, compiled."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from helpdesk.i18n import catalogs

ROOT = Path(__file__).resolve().parent.parent.parent
HINDI_PO = catalogs.LOCALE_DIR / "hi" / "LC_MESSAGES" / "messages.po"
# The keywords the README's extract command passes (-k Translatable -k N_) besides pybabel's defaults.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Translatable": None}
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[^}]*)?\}|%\([a-z_]+\)s")


def _hindi() -> dict[str, str]:
    with HINDI_PO.open("rb") as po_file:
        catalog = read_po(po_file)
    assert not catalog.fuzzy
    return {message.id: message.string for message in catalog if message.id and not message.fuzzy}


def _marked_messages() -> set[str]:
    """Every message babel.cfg's extraction finds in the code and templates today."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {message_id if isinstance(message_id, str) else message_id[0]
            for _, _, message_id, *_ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}


def test_every_marked_message_has_a_hindi_translation():
    hindi = _hindi()
    marked = _marked_messages()
    assert len(marked) > 100
    untranslated = sorted(message for message in marked if not hindi.get(message))
    assert untranslated == [], "run the README's extract/update commands and translate these"
    assert sorted(set(hindi) - marked) == [], "messages no page uses any more: run the update command"


def test_translations_are_devanagari_and_keep_their_placeholders():
    for english, hindi in _hindi().items():
        assert DEVANAGARI.search(hindi), f"not in Devanagari: {english!r} -> {hindi!r}"
        assert sorted(PLACEHOLDER.findall(english)) == sorted(PLACEHOLDER.findall(hindi)), english
        assert sorted(re.findall(r"<[^>]+>", english)) == sorted(re.findall(r"<[^>]+>", hindi)), english


def test_the_compiled_catalogue_is_up_to_date_with_the_po(app):
    """The app compiled it on start (a fresh clone has no .mo); it holds exactly what the .po says."""
    mo_path = HINDI_PO.with_suffix(".mo")
    with mo_path.open("rb") as mo_file:
        compiled = {message.id: message.string for message in read_mo(mo_file) if message.id}
    assert compiled == _hindi()


def test_a_stale_or_missing_catalogue_is_compiled_again(tmp_path):
    locale_dir = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR / "hi", locale_dir / "hi", ignore=shutil.ignore_patterns("*.mo"))
    po_path = locale_dir / "hi" / "LC_MESSAGES" / "messages.po"
    mo_path = po_path.with_suffix(".mo")
    catalogs.compile_catalogs(locale_dir)
    assert mo_path.read_bytes() == catalogs.compiled(po_path)
    # An older .mo, from before a translation was corrected, is replaced even when its file time is newer.
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    catalog["Continue"].string = "पुराना अनुवाद"
    stale = BytesIO()
    write_mo(stale, catalog)
    mo_path.write_bytes(stale.getvalue())
    catalogs.compile_catalogs(locale_dir)
    with mo_path.open("rb") as mo_file:
        assert read_mo(mo_file)["Continue"].string == "आगे बढ़ें"


def test_the_package_build_compiles_the_same_catalogue(tmp_path):
    """`pip install` runs build_hooks.BuildPy: the .mo it writes is byte for byte what the desk would compile."""
    import build_hooks

    locale_dir = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR / "hi", locale_dir / "hi", ignore=shutil.ignore_patterns("*.mo"))
    po_path = locale_dir / "hi" / "LC_MESSAGES" / "messages.po"

    assert build_hooks.compile_catalogs(locale_dir) == [po_path.with_suffix(".mo")]
    assert po_path.with_suffix(".mo").read_bytes() == catalogs.compiled(po_path)
    assert build_hooks.compile_catalogs(locale_dir) == []  # up to date: nothing rewritten
