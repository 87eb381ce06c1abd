"""The draft job definition's fixed words in English, Hebrew and Arabic.

The documents leave the web app (HR opens them in Word), so their labels live
here in a small table per language rather than in the Flask-Babel catalogue
the respondent pages use. Task texts, domain titles and the purpose come
from the data in the language asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["AUDIENCES", "LABELS", "LANGUAGES", "RTL_LANGUAGES", "audience_label", "is_rtl", "label"]

RTL_LANGUAGES = frozenset({"he", "ar"})
#: audiences (and the pooled "others") whose names the table holds
AUDIENCES = frozenset({"peer", "staff", "service_user", "others"})

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "draft": "Draft for discussion",
        "organisation": "Service",
        "purpose": "Purpose of the role",
        "tasks": "Tasks of the role",
        "tasks_intro": "Tasks the people the role affects agreed are part of it, by domain, with the evidence behind each.",
        "boundaries": "Boundaries: not part of the role",
        "boundaries_intro": "Tasks agreed NOT to be part of the peer specialist's role here.",
        "contested": "Contested tasks for discussion",
        "contested_intro": "No agreement was reached on these tasks. The audiences' views are shown side by side.",
        "development": "Development plan",
        "development_intro": (
            "From the PEER-PRACTICE 360: competencies where others rate peers lower than peers rate themselves "
            "(training needs) come first, then strengths peers underrate."
        ),
        "method": "How this draft was made",
        "rounds": "Delphi rounds",
        "responses": "Responses",
        "consensus_rule": "Consensus rule",
        "suppression": "Small groups",
        "domain": "Domain",
        "task": "Task",
        "evidence": "Agreement (% essential or appropriate)",
        "settled": "Settled in round",
        "not_settled": "not settled",
        "status": "Status",
        "verdict_included": "part of the role",
        "verdict_excluded": "not part of the role",
        "verdict_open": "contested",
        "for": "For",
        "against": "Against",
        "divided": "Divided",
        "hidden": "hidden (too few responses)",
        "need": "Training need",
        "strength": "Strength peers underrate",
        "competency": "Competency",
        "rated_by": "Compared with",
        "peers_own": "Peers' own rating",
        "others_rating": "Their rating",
        "gap": "Gap (95% interval)",
        "not_observed": "Not observed",
        "none": "None.",
        "peer": "Peer specialists",
        "staff": "Staff",
        "service_user": "Service users",
        "others": "All others",
        "default_rule": (
            "A task is settled as part of the role when at least 70% of every audience rate it essential or "
            "appropriate and their ratings spread no more than one step (interquartile range at most 1); it is "
            "settled as not part of the role when at least 70% rate it not appropriate or not for peers."
        ),
    },
    "he": {
        "draft": "טיוטה לדיון",
        "organisation": "שירות",
        "purpose": "מטרת התפקיד",
        "tasks": "משימות התפקיד",
        "tasks_intro": "משימות שהאנשים שהתפקיד נוגע בהם הסכימו שהן חלק ממנו, לפי תחום, עם הנתונים שמאחורי כל אחת.",
        "boundaries": "גבולות: לא חלק מהתפקיד",
        "boundaries_intro": "משימות שהוסכם שאינן חלק מתפקיד העובד/ת העמית/ה כאן.",
        "contested": "משימות שנויות במחלוקת לדיון",
        "contested_intro": "לא הושגה הסכמה על המשימות האלה. עמדות הקבוצות מוצגות זו לצד זו.",
        "development": "תוכנית פיתוח",
        "development_intro": (
            "מתוך PEER-PRACTICE 360: תחילה כישורים שאחרים מדרגים בהם את העמיתים נמוך יותר משהעמיתים מדרגים את עצמם "
            "(צורכי הכשרה), ואחריהם חוזקות שהעמיתים ממעיטים בהן."
        ),
        "method": "איך נוצרה הטיוטה",
        "rounds": "סבבי דלפי",
        "responses": "משיבים",
        "consensus_rule": "כלל ההסכמה",
        "suppression": "קבוצות קטנות",
        "domain": "תחום",
        "task": "משימה",
        "evidence": "הסכמה (% חיוני או מתאים)",
        "settled": "הוכרע בסבב",
        "not_settled": "לא הוכרע",
        "status": "מצב",
        "verdict_included": "חלק מהתפקיד",
        "verdict_excluded": "לא חלק מהתפקיד",
        "verdict_open": "במחלוקת",
        "for": "בעד",
        "against": "נגד",
        "divided": "חלוקים",
        "hidden": "מוסתר (מעט מדי משיבים)",
        "need": "צורך בהכשרה",
        "strength": "חוזקה שהעמיתים ממעיטים בה",
        "competency": "כישור",
        "rated_by": "בהשוואה ל",
        "peers_own": "דירוג העמיתים את עצמם",
        "others_rating": "הדירוג שלהם",
        "gap": "פער (רווח בר-סמך 95%)",
        "not_observed": "לא ראיתי",
        "none": "אין.",
        "peer": "עובדים/ות עמיתים/ות",
        "staff": "אנשי צוות",
        "service_user": "מקבלי/ות שירות",
        "others": "כל האחרים",
        "default_rule": (
            "משימה מוכרעת כחלק מהתפקיד כאשר לפחות 70% מכל קבוצה מדרגים אותה כחיונית או מתאימה, והדירוגים אינם "
            "מתפזרים ביותר מדרגה אחת (טווח בין-רבעוני של 1 לכל היותר); היא מוכרעת כלא חלק מהתפקיד כאשר לפחות 70% "
            "מדרגים אותה כלא מתאימה או כמשימה שעמיתים לא צריכים לבצע."
        ),
    },
    "ar": {
        "draft": "مسودة للنقاش",
        "organisation": "الخدمة",
        "purpose": "الغرض من الدور",
        "tasks": "مهام الدور",
        "tasks_intro": "المهام التي اتفق الأشخاص المعنيون بالدور على أنها جزء منه، حسب المجال، مع الأدلة وراء كل منها.",
        "boundaries": "الحدود: ليست جزءًا من الدور",
        "boundaries_intro": "مهام اتُّفق على أنها ليست جزءًا من دور أخصائي الدعم من الأقران هنا.",
        "contested": "مهام مختلف عليها للنقاش",
        "contested_intro": "لم يتم التوصل إلى اتفاق حول هذه المهام. تُعرض آراء المجموعات جنبًا إلى جنب.",
        "development": "خطة التطوير",
        "development_intro": (
            "من PEER-PRACTICE 360: أولًا الكفاءات التي يقيّم فيها الآخرون الأقران أقل مما يقيّمون أنفسهم "
            "(احتياجات تدريبية)، ثم نقاط القوة التي يقلّل الأقران من شأنها."
        ),
        "method": "كيف أُعدّت هذه المسودة",
        "rounds": "جولات دلفي",
        "responses": "الإجابات",
        "consensus_rule": "قاعدة التوافق",
        "suppression": "المجموعات الصغيرة",
        "domain": "المجال",
        "task": "المهمة",
        "evidence": "الاتفاق (% أساسية أو مناسبة)",
        "settled": "حُسمت في الجولة",
        "not_settled": "لم تُحسم",
        "status": "الحالة",
        "verdict_included": "جزء من الدور",
        "verdict_excluded": "ليست جزءًا من الدور",
        "verdict_open": "مختلف عليها",
        "for": "مع",
        "against": "ضد",
        "divided": "منقسمون",
        "hidden": "مخفي (عدد قليل جدًا من الإجابات)",
        "need": "احتياج تدريبي",
        "strength": "نقطة قوة يقلّل الأقران من شأنها",
        "competency": "الكفاءة",
        "rated_by": "مقارنةً بـ",
        "peers_own": "تقييم الأقران لأنفسهم",
        "others_rating": "تقييمهم",
        "gap": "الفجوة (فترة ثقة 95%)",
        "not_observed": "لم ألاحظ ذلك",
        "none": "لا يوجد.",
        "peer": "أخصائيو الدعم من الأقران",
        "staff": "الطاقم",
        "service_user": "متلقو الخدمة",
        "others": "جميع الآخرين",
        "default_rule": (
            "تُحسم المهمة كجزء من الدور عندما يقيّمها 70% على الأقل من كل مجموعة كأساسية أو مناسبة، ولا يتجاوز "
            "تشتت التقييمات درجة واحدة (المدى الربيعي 1 على الأكثر)؛ وتُحسم كمهمة ليست جزءًا من الدور عندما "
            "يقيّمها 70% على الأقل كغير مناسبة أو كمهمة لا ينبغي أن يقوم بها الأقران."
        ),
    },
}
LANGUAGES = tuple(LABELS)


def label(language: str, key: str) -> str:
    """A fixed word in ``language``; English when the language has no table (the document still builds)."""
    return LABELS.get(language, LABELS["en"]).get(key) or LABELS["en"][key]


def audience_label(key: str, language: str, names: Mapping[str, str] | None = None) -> str:
    """An audience's name: the survey's own label when given, else the table's, else the key."""
    if names and names.get(key):
        return names[key]
    return label(language, key) if key in AUDIENCES else key.replace("_", " ").capitalize()


def is_rtl(language: str) -> bool:
    return language in RTL_LANGUAGES
