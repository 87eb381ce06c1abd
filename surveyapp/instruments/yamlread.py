"""Read YAML safely while remembering the line of every field.

PyYAML's safe loader builds plain Python objects but forgets where each
value came from, and silently keeps the last of two duplicate keys. Error
messages for instrument authors need both, so the node tree is walked here:
scalars are built by the safe constructor (no tags that run code), mappings
and sequences by hand, recording ``path -> line`` on the way.
"""

from __future__ import annotations

from typing import Any

import yaml

from .problems import Path, Problem

__all__ = ["read_yaml"]


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _YAMLProblemError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse ``text``; return the data and a map from field path to 1-based line.

    Raises ``ValueError`` carrying a :class:`Problem` when the text is not YAML.
    """
    loader = yaml.SafeLoader(text)
    lines: dict[Path, int] = {}
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
