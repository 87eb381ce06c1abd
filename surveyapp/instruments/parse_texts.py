"""The base of the instrument reader: where each problem is reported (file, line, path, fix), and how texts in every
language, per-audience wordings, options and response scales are read and checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .model import PREFER_NOT_TO_ANSWER, Option, ResponseScale, Task
from .problems import Path, Problem

__all__ = ["TextReader"]


class TextReader:
    def __init__(self, source: str, lines: Mapping[Path, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ()
        self.audiences: tuple[str, ...] = ()
        self.tasks: list[Task] = []

    # -- reporting -------------------------------------------------------
    def problem(self, path: Path, message: str, fix: str | None = None) -> None:
        self.problems.append(Problem(self.source, self._line(path), path, message, fix))

    def _line(self, path: Path) -> int | None:
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    # -- texts -------------------------------------------------------------
    def text(self, raw: Mapping[str, Any], path: Path) -> dict[str, str]:
        for lang in self.languages:
            value = raw.get(lang)
            if value is None:
                self.problem(
                    path,
                    f"the text in language '{lang}' is missing",
                    f"add '{lang}: ...' (every text needs {', '.join(self.languages)})",
                )
            elif not isinstance(value, str) or not value.strip():
                self.problem(
                    (*path, lang), f"the '{lang}' text is empty", "write the text, or remove the language from 'languages'"
                )
        for lang in raw:
            if lang not in self.languages:
                self.problem(
                    (*path, lang),
                    f"'{lang}' is not one of the instrument's languages ({', '.join(self.languages)})",
                    f"add '{lang}' to 'languages', or remove this text",
                )
        return {lang: str(raw.get(lang, "")) for lang in self.languages}

    def text_per_audience(self, raw: Mapping[str, Any], path: Path, audiences: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """A text for everyone, or one per audience (told apart by the values' type)."""
        if all(isinstance(v, str) for v in raw.values()):
            same = self.text(raw, path)
            return dict.fromkeys(audiences, same)
        if not all(isinstance(v, dict) for v in raw.values()):
            self.problem(
                path,
                "mixes language texts and audience blocks",
                "write either 'en: ...' lines, or one block per audience ('peer:' then 'en: ...')",
            )
            return {}
        out: dict[str, dict[str, str]] = {}
        for aud, text in raw.items():
            if aud not in self.audiences:
                self.problem(
                    (*path, aud),
                    f"'{aud}' is not one of the instrument's audiences ({', '.join(self.audiences)})",
                    "use an audience listed under 'audiences', or add it there",
                )
                continue
            out[aud] = self.text(text, (*path, aud))
        return out

    # -- parts -------------------------------------------------------------
    def options(self, raw: list[dict[str, Any]], path: Path, ordered: bool) -> tuple[Option, ...]:
        out = []
        for i, opt in enumerate(raw):
            audiences = opt.get("audiences")
            for aud in audiences or ():
                if aud not in self.audiences:
                    self.problem(
                        (*path, i, "audiences"),
                        f"'{aud}' is not one of the instrument's audiences",
                        "use an audience listed under 'audiences'",
                    )
            if opt["code"] == PREFER_NOT_TO_ANSWER:
                self.problem(
                    (*path, i, "code"),
                    f"code {PREFER_NOT_TO_ANSWER} is reserved for 'prefer not to answer'",
                    "choose another code; offer 'prefer not to answer' with the item's allow_skip: true",
                )
            out.append(
                Option(
                    opt["code"],
                    self.text(opt["label"], (*path, i, "label")),
                    opt.get("key"),
                    tuple(audiences) if audiences else None,
                )
            )
        codes = [o.code for o in out]
        if ordered and codes != sorted(set(codes)):
            self.problem(
                path,
                f"option codes must be whole numbers in strictly increasing order, found {codes}",
                "number the options from the lowest to the highest point of the scale, e.g. 1, 2, 3, 4, 5",
            )
        elif len(set(codes)) != len(codes):
            self.problem(path, f"two options share a code: {codes}", "give every option its own code")
        return tuple(out)

    def scale(self, scale_id: str, raw: dict[str, Any]) -> ResponseScale:
        path: Path = ("scales", scale_id)
        options = self.options(raw["options"], (*path, "options"), ordered=True)
        missing = self.options(raw.get("missing_options", []), (*path, "missing_options"), ordered=False)
        clash = {o.code for o in options} & {o.code for o in missing}
        if clash:
            self.problem(
                (*path, "missing_options"),
                f"code(s) {sorted(clash)} are used by a substantive option too",
                "give missing options codes outside the scale, e.g. 9",
            )
        for i, opt in enumerate(missing):
            if opt.key is None:
                self.problem(
                    (*path, "missing_options", i),
                    "a missing option needs a 'key'",
                    "add key: not_observed, dont_know or not_applicable",
                )
        return ResponseScale(scale_id, options, missing)
