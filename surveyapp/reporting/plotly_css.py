"""Plotly's own style rules as a stylesheet, so the dashboard's CSP needs no ``style-src 'unsafe-inline'``.

plotly.js adds its base rules (positions of the stacked SVG layers, the mode
bar, hover labels) by creating a ``<style>`` element at run time, which a
strict style-src blocks. plotly.js 3 skips that when the page already holds an
element with id ``plotly.js-style-global`` and class ``no-inline-styles``: the
dashboard links this stylesheet under that id. Its bundled map library
likewise adds a ``<style>`` on load unless an element with that style's id
exists: the dashboard puts an empty placeholder under each such id (no map is
ever drawn). Both are read from the installed plotly.min.js, so they always
match the script that is served.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["PLOTLY_BUNDLE", "plotly_js_path", "plotly_js_version", "plotly_style_placeholders", "plotly_stylesheet"]

_STRING = r"(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
# `NAME={"X,X div":"...", ...};for(KEY in NAME)SELECTOR=KEY.replace(...X...).replace(...Y...),LIB.addStyleRule(...)`
_RULES = re.compile(
    r"(\w+)=(\{\"X,X div\":.*?\});for\(\w+ in \1\)\w+=\w+\.replace\(/\^,/,\" ,\"\)"
    r"\.replace\(/X/g,\"([^\"]+)\"\)\.replace\(/Y/g,\"([^\"]+)\"\)",
    re.DOTALL,
)
_INJECTED = re.compile(r'if\(!document\.getElementById\("([\w-]+)"\)\)\{var \w+=document\.createElement\("style"\)')
_PAIR = re.compile(rf"({_STRING}):({_STRING})")


#: plotly.js's "cartesian" partial bundle (npm plotly.js-cartesian-dist-min, MIT, the same plotly.js version as the
#: plotly Python package ships): every trace type the results pages draw (bar, box, scatter, heatmap) in 1.5 MB
#: instead of the full bundle's 4.8 MB. tests/reporting/test_plotly_bundle.py checks the traces and the version.
PLOTLY_BUNDLE = Path(__file__).resolve().parents[1] / "static" / "vendor" / "plotly-cartesian-4.1.1.min.js"


def plotly_js_path() -> Path:
    return PLOTLY_BUNDLE


@lru_cache(maxsize=1)
def plotly_js_version() -> str:
    """The bundle's content version, for its URL: a new bundle gets a new URL, so browsers may cache it for a year."""
    return hashlib.sha256(PLOTLY_BUNDLE.read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=1)
def plotly_stylesheet() -> str:
    """The CSS that plotly.js would otherwise inject; raises if this plotly.js keeps its rules differently."""
    source = plotly_js_path().read_text(encoding="utf-8")
    found = _RULES.search(source)
    if found is None:
        raise RuntimeError("the plotly.js bundle no longer holds its style rules where expected: update reporting/plotly_css.py")
    _, rules, plot, notifier = found.groups()
    lines = []
    for key, value in _PAIR.findall(rules):
        selector = _unquote(key)
        if selector.startswith(","):
            selector = " " + selector
        selector = selector.replace("X", plot).replace("Y", notifier)
        lines.append(f"{selector}{{{_unquote(value)}}}")
    # plotly inserts each rule at the top of its sheet, so the last one it adds comes first
    return "\n".join(reversed(lines)) + "\n"


@lru_cache(maxsize=1)
def plotly_style_placeholders() -> tuple[str, ...]:
    """Ids of the <style> elements plotly.min.js adds on load unless an element with that id is already there."""
    return tuple(_INJECTED.findall(plotly_js_path().read_text(encoding="utf-8")))


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])
