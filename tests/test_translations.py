"""The translation catalogues: every placeholder of a message kept in its translation, nothing left untranslated
or fuzzy in Hebrew and Arabic, and the template (.pot) up to date with the code (`make messages` rebuilds it).

A translation that drops or renames ``%(n)s`` raises KeyError when the page is drawn (or, worse, shows the raw
placeholder); a stray ``%`` breaks Jinja's formatting of the whole sentence. Both are caught here, for every entry.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import ROOT

TRANSLATIONS = ROOT / "surveyapp" / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / "messages.po").exists())
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source)


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return (text,) if isinstance(text, str) else tuple(text)


def _stray_percent(text: str) -> bool:
    return "%" in PLACEHOLDER.sub("", text).replace("%%", "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match(language: str) -> None:
    problems = []
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        ids = _forms(message.id)
        expected = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        formatted = any("%(" in i or "%%" in i for i in ids)  # formatted with % when shown
        # a plural form may leave out the count itself ("one question", "two questions" in words), nothing else
        required = expected - {"num", "count"} if message.pluralizable else expected
        for form in _forms(message.string):
            if not form:
                continue
            found = set(PLACEHOLDER.findall(form))
            if not required <= found <= expected:
                problems.append(f"{ids[0]!r}: {sorted(found)} in {form!r}, expected {sorted(expected)}")
            if formatted and _stray_percent(form):
                problems.append(f"{ids[0]!r}: a lone % in {form!r} (write %% for a percent sign)")
            if form.count("%%") != ids[0].count("%%"):
                problems.append(f"{ids[0]!r}: the number of %% differs in {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["he", "ar"])
def test_every_message_is_translated(language: str) -> None:
    missing = [
        message.id for message in _catalog(language) if message.id and (message.fuzzy or not all(_forms(message.string or "")))
    ]
    assert not missing, f"untranslated or fuzzy in {language}: {missing}"


def test_the_template_holds_every_message_of_the_code() -> None:
    """A string wrapped in _() since the last `make messages` is not in the .pot, so nobody can translate it."""
    with (TRANSLATIONS / "messages.pot").open("rb") as source:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}
    method_map = [("surveyapp/**.py", "python"), ("surveyapp/templates/**.html", "jinja2")]
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS)
    }
    missing = sorted(found - template)
    assert not missing, f"run `make messages` and translate: {missing}"


def test_catalogues_compile() -> None:
    """Each .po compiles (babel's own checks: plural forms, format mismatches)."""
    from babel.messages.mofile import write_mo

    for language in LANGUAGES:
        catalog = _catalog(language)
        errors = list(catalog.check())
        assert not errors, f"{language}: {errors}"
        write_mo(BytesIO(), catalog)
