"""Read YAML safely while remembering the line of every field.

PyYAML's safe loader builds plain Python objects but forgets where each
value came from, and silently keeps the last of two duplicate keys. Error
messages for instrument authors need both, so the node tree is walked here:
scalars are built by the safe constructor (no tags that run code), mappings
and sequences by hand, recording ``path -> line`` on the way.

Before any node is built, the event stream is checked for what an instrument
or survey spec never needs and an attacker uses: anchors and aliases (a 200-byte
"billion laughs" spec expands into gigabytes; a recursive alias never ends) and
deep nesting (the composer recurses once per level). PyYAML's parser itself is
iterative, so that check runs in constant stack and memory.
"""

from __future__ import annotations

from typing import Any

import yaml

from .problems import Path, Problem

__all__ = ["MAX_DEPTH", "MAX_YAML_CHARS", "read_yaml"]

#: deepest nesting of mappings and lists accepted; real instruments use about six levels
MAX_DEPTH = 20
#: longest YAML text accepted, in characters; the largest shipped instrument is about 60,000
MAX_YAML_CHARS = 1_000_000


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _YAMLProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_yaml(text: str, source: str, max_chars: int = MAX_YAML_CHARS) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return the data and a map from field path to 1-based line.

    Raises ``ValueError`` carrying a :class:`Problem` when the text is not YAML,
    is longer than ``max_chars``, or uses anchors, aliases or deep nesting.
    """
    if len(text) > max_chars:
        raise InstrumentYAMLError(
            Problem(
                source,
                None,
                (),
                f"the file is too long ({len(text):,} characters; at most {max_chars:,} are accepted)",
                "check that this is the right file; an instrument or survey spec is a few pages of text",
            )
        )
    lines: dict[Path, int] = {}
    try:
        _check_events(text, source)
    except yaml.MarkedYAMLError:
        pass  # reported with its line by the full parse below
    except _YAMLProblemError as exc:
        raise InstrumentYAMLError(exc.problem) from exc
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _YAMLProblemError(
                Problem(source, None, (), "the file is empty", "write the instrument definition; see docs/instruments.md")
            )
        data = _build(loader, node, (), lines, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise InstrumentYAMLError(
            Problem(
                source,
                line,
                (),
                f"this is not valid YAML: {what}",
                _yaml_fix(what),
            )
        ) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise InstrumentYAMLError(Problem(source, None, (), f"this is not valid YAML: {exc}", "fix the YAML syntax")) from exc
    except _YAMLProblemError as exc:
        raise InstrumentYAMLError(exc.problem) from exc
    finally:
        loader.dispose()
    return data, lines


def _check_events(text: str, source: str) -> None:
    """Refuse anchors, aliases and nesting deeper than :data:`MAX_DEPTH`, before any node is composed."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _YAMLProblemError(
                Problem(
                    source,
                    line,
                    (),
                    f"this file uses a YAML alias ('*{event.anchor}'), which is not allowed",
                    "write the repeated text out in full where the alias stands (aliases can make a tiny file "
                    "expand without limit, so Peerscope refuses them)",
                )
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _YAMLProblemError(
                Problem(
                    source,
                    line,
                    (),
                    f"this file defines a YAML anchor ('&{anchor}'), which is not allowed",
                    f"remove '&{anchor}' and write out in full every place that refers to it with '*{anchor}'",
                )
            )
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _YAMLProblemError(
                    Problem(
                        source,
                        line,
                        (),
                        f"the text is nested more than {MAX_DEPTH} levels deep here",
                        "instrument files and survey specs need only a few levels; check the indentation "
                        "and the brackets around this line",
                    )
                )
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _yaml_fix(what: str) -> str:
    if "flow" in what:
        return (
            "inside {...} or [...], put text containing '?', ':', ',' or '#' in double quotes, "
            'e.g. {en: "Which role?"}; a file cut short also ends like this'
        )
    return "check indentation and quoting around that line; a file cut short often ends mid-list or mid-string"


class InstrumentYAMLError(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int], source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
        raise _YAMLProblemError(
            Problem(
                source,
                node.start_mark.line + 1,
                path,
                f"this is not valid YAML for an instrument: the tag '{node.tag}' is not allowed",
                "remove the '!!...' tag; instrument files hold plain mappings, lists and text",
            )
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves merge keys (<<)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise _YAMLProblemError(
                    Problem(
                        source,
                        key_node.start_mark.line + 1,
                        (*path, key),
                        f"the key '{key}' appears twice in the same mapping",
                        "keep one of them; YAML would otherwise silently use the last",
                    )
                )
            result[key] = _build(loader, value_node, (*path, key), lines, source)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, child, (*path, index), lines, source) for index, child in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str) and "\x00" in value:  # a "\0" escape: PostgreSQL cannot store it, pages would show it
        raise _YAMLProblemError(
            Problem(
                source,
                node.start_mark.line + 1,
                path,
                "this text contains a NUL character ('\\0'), which cannot be stored",
                "remove the '\\0' escape from the text",
            )
        )
    return value
