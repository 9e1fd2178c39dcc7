"""A contract's text pattern (a regular expression) in a data officer's words, with an example.

`^E0[6-9][0-9]{6}$` reads "the letters E0, then a digit from 6 to 9, then 6 digits (for
example E06000000)". Covers what contracts use: literal text, character ranges, fixed or
bounded repeats, alternatives in a group and the anchors. Anything beyond that is described
as "the pattern shown under 'exact patterns'", never guessed.
"""

from __future__ import annotations

import re
import re._parser as sre  # the standard library's own parse of a pattern
from typing import Any

_NAMED_RANGES = {
    ((48, 57),): ("a digit", "digits", "0"),
    ((65, 90),): ("a capital letter", "capital letters", "A"),
    ((97, 122),): ("a small letter", "small letters", "a"),
    ((65, 90), (97, 122)): ("a letter", "letters", "A"),
    ((48, 57), (65, 70)): ("a character 0-9 or A-F", "characters 0-9 or A-F", "0"),
}


class _Unsupported(Exception):
    """A part of a pattern these words do not cover."""


def pattern_words(pattern: str) -> str:
    """The pattern in words with an example value, or a pointer to the exact pattern."""
    try:
        parsed = sre.parse(pattern)
        words, example = _sequence(list(parsed))
    except (_Unsupported, re.error):
        return "a set form (see the exact pattern)"
    return f"{words} (for example {example})"


def _sequence(items: list[tuple[Any, Any]]) -> tuple[str, str]:
    parts: list[str] = []
    example: list[str] = []
    run = ""
    for op, arg in items:
        if op is sre.LITERAL:
            run += chr(arg)
            continue
        if run:
            parts.append(_literal(run))
            example.append(run)
            run = ""
        if op is sre.AT:
            continue
        words, sample = _item(op, arg)
        parts.append(words)
        example.append(sample)
    if run:
        parts.append(_literal(run))
        example.append(run)
    if not parts:
        raise _Unsupported(items)
    return ", then ".join(parts), "".join(example)


def _literal(text: str) -> str:
    return f"the character {text!r}" if len(text) == 1 else f"the text {text!r}"


def _item(op: Any, arg: Any) -> tuple[str, str]:
    if op is sre.IN:
        return _class(arg, 1)
    if op is sre.MAX_REPEAT:
        low, high, inner = arg
        (only,) = list(inner) if len(inner) == 1 else (None,)
        if only is None or only[0] is not sre.IN or high is sre.MAXREPEAT or low != high:
            raise _Unsupported(arg)
        return _class(only[1], low)
    if op is sre.SUBPATTERN:
        inner = list(arg[-1])
        if len(inner) == 1 and inner[0][0] is sre.BRANCH:
            options = [_sequence(list(branch)) for branch in inner[0][1][1]]
            words = " or ".join(f"({w})" for w, _ in options)
            return f"one of {words}", options[0][1]
        return _sequence(inner)
    raise _Unsupported(op)


def _class(ranges: list[tuple[Any, Any]], count: int) -> tuple[str, str]:
    spans = []
    for kind, value in ranges:
        if kind is sre.RANGE:
            spans.append(value)
        elif kind is sre.LITERAL:
            spans.append((value, value))
        else:
            raise _Unsupported(kind)
    key = tuple(sorted(spans))
    if key in _NAMED_RANGES:
        one, many, sample = _NAMED_RANGES[key]
        return (one if count == 1 else f"{count} {many}"), sample * count
    if len(spans) == 1 and 48 <= spans[0][0] <= spans[0][1] <= 57:
        low, high = chr(spans[0][0]), chr(spans[0][1])
        one = f"a digit from {low} to {high}"
        return (one if count == 1 else f"{count} digits, each from {low} to {high}"), low * count
    raise _Unsupported(ranges)
