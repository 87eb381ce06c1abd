"""Instruments: the questionnaire model, its strict loader and scoring.

Pure code: no Flask, no database. Public surface::

    load_file, load_directory, load_text, check_files, instrument_from_snapshot
    Instrument, Item, ResponseScale, Subscale, Section, Page, Option
    InstrumentError, Problem
    score_response, score_subscale, score_matrix
    evaluate (show_if)
"""

from .conditions import evaluate
from .loader import check_files, instrument_files, instrument_from_snapshot, load_directory, load_file, load_text
from .model import NOT_SHOWN, PREFER_NOT_TO_ANSWER, Instrument, Item, Option, Page, ResponseScale, Section, Subscale
from .problems import InstrumentError, Problem
from .scoring import SubscaleScore, score_matrix, score_response, score_subscale

__all__ = [
    "NOT_SHOWN",
    "PREFER_NOT_TO_ANSWER",
    "Instrument",
    "InstrumentError",
    "Item",
    "Option",
    "Page",
    "Problem",
    "ResponseScale",
    "Section",
    "Subscale",
    "SubscaleScore",
    "check_files",
    "evaluate",
    "instrument_files",
    "instrument_from_snapshot",
    "load_directory",
    "load_file",
    "load_text",
    "score_matrix",
    "score_response",
    "score_subscale",
]
