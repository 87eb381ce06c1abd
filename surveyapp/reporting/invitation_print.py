"""Printable invitations for wards without e-mail: a PDF of slips (a personal link and its QR code each) and a
poster with an audience's open link. HTML laid out for A4, QR codes drawn by segno (BSD), the PDF made by
WeasyPrint (BSD), whose Pango text layout shapes Arabic and orders right-to-left text; the fonts are DejaVu."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = ["SLIPS_PER_PAGE", "PrintedLink", "poster_pdf", "qr_png", "slips_pdf"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SLIPS_PER_PAGE = 8
RTL = frozenset({"he", "ar"})

#: what a slip and a poster say, per language (English for a language without its own)
WORDING: dict[str, dict[str, str]] = {
    "en": {
        "slip": "Your personal link to the survey. Scan the code with your phone's camera, or type the address. "
        "Please keep it to yourself: it is for one person.",
        "poster": "Scan the code with your phone's camera to take part, or type the address. Anonymous; "
        "you can stop and come back later.",
        "audience": "For",
    },
    "he": {
        "slip": "הקישור האישי שלך לסקר. סרקו את הקוד במצלמת הטלפון או הקלידו את הכתובת. נא לשמור אותו לעצמך: הוא לאדם אחד.",
        "poster": "סרקו את הקוד במצלמת הטלפון כדי להשתתף, או הקלידו את הכתובת. אנונימי; אפשר לעצור ולחזור מאוחר יותר.",
        "audience": "עבור",
    },
    "ar": {
        "slip": "رابطك الشخصي إلى الاستبيان. امسح الرمز بكاميرا هاتفك أو اكتب العنوان. يرجى الاحتفاظ به لنفسك: إنه لشخص واحد.",
        "poster": "امسح الرمز بكاميرا هاتفك للمشاركة، أو اكتب العنوان. مجهول الهوية؛ يمكنك التوقف والعودة لاحقًا.",
        "audience": "لـ",
    },
}


@dataclass(frozen=True)
class PrintedLink:
    link: str
    audience_label: str


def qr_png(link: str, scale: int = 6) -> str:
    """The link's QR code as a PNG data URI (error correction M: survives a crease or a smudge). PNG, not SVG:
    WeasyPrint lays out 200 slips with PNG codes in a fraction of the time SVG ones take."""
    return segno.make(link, error="m", micro=False).png_data_uri(scale=scale, border=2)


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)


def _texts(languages: Sequence[str], title: Mapping[str, str], key: str) -> list[dict[str, str]]:
    return [
        {
            "lang": lang,
            "dir": "rtl" if lang in RTL else "ltr",
            "title": title.get(lang) or next(iter(title.values()), ""),
            "text": WORDING.get(lang, WORDING["en"])[key],
            "audience": WORDING.get(lang, WORDING["en"])["audience"],
        }
        for lang in languages
    ]


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # loaded on first use: Pango and its fonts are not needed by other pages

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def slips_html(links: Sequence[PrintedLink], languages: Sequence[str], title: Mapping[str, str]) -> str:
    slips = [{"link": p.link, "audience": p.audience_label, "qr": qr_png(p.link)} for p in links]
    pages = [slips[i : i + SLIPS_PER_PAGE] for i in range(0, len(slips), SLIPS_PER_PAGE)]
    return _environment().get_template("print/slips.html").render(pages=pages, texts=_texts(languages, title, "slip"))


def slips_pdf(links: Sequence[PrintedLink], languages: Sequence[str], title: Mapping[str, str]) -> bytes:
    """A4 pages of eight slips to cut apart: each a personal link, its QR code and a line in every language."""
    return _pdf(slips_html(links, languages, title))


def poster_pdf(link: str, audience_label: str, languages: Sequence[str], title: Mapping[str, str]) -> bytes:
    """One A4 poster for an audience's open link: a large QR code, the address, the invitation in every language."""
    html = (
        _environment()
        .get_template("print/poster.html")
        .render(link=link, audience=audience_label, qr=qr_png(link, scale=12), texts=_texts(languages, title, "poster"))
    )
    return _pdf(html)
