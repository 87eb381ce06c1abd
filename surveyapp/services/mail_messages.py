"""The e-mail texts: defaults shipped in English, Hebrew and Arabic, an admin's own wording checked.

A message is a subject and a plain-text body per language. The body must hold
``{link}`` (where the respondent's personal link goes); ``{title}`` is the
survey's title in that language. Nothing else is substituted (no format
strings: a stray brace in an admin's text stays a brace).
"""

from __future__ import annotations

from collections.abc import Mapping

from .surveys import SurveyError

__all__ = ["DEFAULT_MESSAGES", "Message", "check_messages", "default_messages", "render"]

LINK, TITLE = "{link}", "{title}"
Message = dict[str, str]  # {"subject": ..., "body": ...}

DEFAULT_MESSAGES: dict[str, dict[str, Message]] = {
    "invitation": {
        "en": {
            "subject": "Your views on peer support: {title}",
            "body": (
                "Hello,\n\nwe are asking people who work with or receive our services how the role of peer specialists "
                "works in practice. Your answers help us improve it.\n\nThis is your personal link (please do not "
                "forward it):\n{link}\n\nThe survey is anonymous: nobody sees who gave which answer. You can stop and "
                "come back later with the same link.\n\nThank you."
            ),
        },
        "he": {
            "subject": "דעתך על תמיכת עמיתים: {title}",
            "body": (
                "שלום,\n\nאנחנו שואלים את מי שעובדים בשירותים שלנו או מקבלים אותם כיצד תפקיד המומחים בתמיכת עמיתים "
                "עובד בפועל. התשובות שלך יעזרו לנו לשפר אותו.\n\nזה הקישור האישי שלך (נא לא להעביר אותו הלאה):\n"
                "{link}\n\nהסקר אנונימי: איש אינו רואה מי ענה מה. אפשר לעצור ולחזור מאוחר יותר באותו קישור.\n\nתודה."
            ),
        },
        "ar": {
            "subject": "رأيك في دعم الأقران: {title}",
            "body": (
                "مرحبًا،\n\nنسأل من يعملون في خدماتنا أو يتلقونها كيف يعمل دور أخصائيي دعم الأقران في الواقع. "
                "إجاباتك تساعدنا على تحسينه.\n\nهذا رابطك الشخصي (يرجى عدم إرساله لغيرك):\n{link}\n\n"
                "الاستبيان مجهول الهوية: لا أحد يرى من أعطى أي إجابة. يمكنك التوقف والعودة لاحقًا بالرابط نفسه.\n\nشكرًا لك."
            ),
        },
    },
    "reminder": {
        "en": {
            "subject": "Reminder: your views on peer support ({title})",
            "body": (
                "Hello,\n\na short reminder: if you have not yet answered our survey on the role of peer specialists, "
                "your personal link still works:\n{link}\n\nIf you have started, the link takes you back to where you "
                "stopped. If you have already answered, thank you, and please ignore this message.\n\nThank you."
            ),
        },
        "he": {
            "subject": "תזכורת: דעתך על תמיכת עמיתים ({title})",
            "body": (
                "שלום,\n\nתזכורת קצרה: אם עדיין לא ענית על הסקר שלנו על תפקיד המומחים בתמיכת עמיתים, הקישור האישי "
                "שלך עדיין פעיל:\n{link}\n\nאם כבר התחלת, הקישור יחזיר אותך למקום שבו עצרת. אם כבר ענית, תודה רבה, "
                "ואפשר להתעלם מהודעה זו.\n\nתודה."
            ),
        },
        "ar": {
            "subject": "تذكير: رأيك في دعم الأقران ({title})",
            "body": (
                "مرحبًا،\n\nتذكير قصير: إذا لم تُجب بعد على استبياننا حول دور أخصائيي دعم الأقران، فما زال رابطك "
                "الشخصي يعمل:\n{link}\n\nإذا كنت قد بدأت، يعيدك الرابط إلى حيث توقفت. إذا كنت قد أجبت، فشكرًا لك، "
                "ويمكنك تجاهل هذه الرسالة.\n\nشكرًا لك."
            ),
        },
    },
}


def default_messages(kind: str, languages: list[str]) -> dict[str, Message]:
    """The shipped wording for each of the survey's languages (English for a language without one)."""
    shipped = DEFAULT_MESSAGES[kind]
    return {lang: dict(shipped.get(lang, shipped["en"])) for lang in languages}


def check_messages(messages: Mapping[str, Mapping[str, str]], languages: list[str]) -> dict[str, Message]:
    """An admin's wording, one message per language: each needs a subject and a body holding {link}."""
    checked: dict[str, Message] = {}
    for lang in languages:
        message = messages.get(lang) or {}
        subject = " ".join((message.get("subject") or "").split())  # one line: no header injection
        body = (message.get("body") or "").replace("\r\n", "\n").replace("\x00", "").strip()
        if not subject:
            raise SurveyError(f"the {lang} message has no subject")
        if LINK not in body:
            raise SurveyError(f"the {lang} message must contain {LINK} where the respondent's personal link goes")
        checked[lang] = {"subject": subject[:200], "body": body}
    return checked


def render(message: Mapping[str, str], link: str, title: str) -> Message:
    return {
        "subject": message["subject"].replace(TITLE, title),
        "body": message["body"].replace(TITLE, title).replace(LINK, link),
    }
