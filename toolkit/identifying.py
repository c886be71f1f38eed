"""Does a log's free text look like it identifies someone? The server's half of one shared rule set.

The rules are word lists in toolkit/data/identifying.json, compiled here into patterns; build.py writes
those patterns into static/js/record-rules.js and static/js/privacy-check.js runs them, so the phone's
warning and the server's flag agree (tests/browser/test_phone_field.py compares them). Digits of any
script are read as 0-9 as toolkit.languages.ascii_digits reads them, on both sides. The phone warns
before saving; the server flags what was let through, for a coordinator to review. Nothing is
stored: flags are computed when the coordinator looks. No Flask import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .languages import ascii_digits

RULES_PATH = Path(__file__).parent / "data" / "identifying.json"

# Every pattern here is written in the syntax Python's `re` and JavaScript's RegExp (with the "u"
# flag) read alike: build.py copies the compiled patterns' text into static/js/record-rules.js
# (toolkit/build/browser_rules.py), and privacy-check.js runs those very patterns. So: no `re.escape`
# (it escapes spaces and "-", which a "u" RegExp refuses), no inline flags, no `\Z`, no `(?P<`.
# Plain dates are not phone numbers; a run of 7+ digits with separators is.
DATES = re.compile(
    r"(?<![0-9])[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![0-9])"
    r"|(?<![0-9])[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}(?![0-9])"
)
DIGIT_RUN = re.compile(r"\+?[0-9](?:[\s\-.()]{0,2}[0-9]){6,}")
_SPECIAL = re.compile(r"[\\^$.*+?()[\]{}|/]")


@dataclass(frozen=True)
class NameRule:
    """A pattern for a name, and the words its group(1) must not be ("सबै दिदी": all the sisters)."""

    pattern: re.Pattern
    stop_words: frozenset[str] = frozenset()
    stop_suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    """The identifying.json word lists, compiled: what `findings` and the phone apply."""

    min_digits: int
    money_before: re.Pattern  # a currency just before a digit run: an amount, not a phone number
    money_after: re.Pattern
    names: tuple[NameRule, ...]


@cache
def load_rules(path: Path = RULES_PATH) -> dict:
    return json.loads(path.read_text("utf-8"))


def _escape(word: str) -> str:
    """A word as a literal in a pattern both engines read alike (see the note above)."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), word)


def _alternatives(words: list[str]) -> str:
    """Longest first, so "श्रीमती" wins over "श्री"."""
    return "|".join(_escape(word) for word in sorted(words, key=len, reverse=True))


def _script_rules(script: dict) -> list[NameRule]:
    """Honorific + word, word + kinship/surname (+ a case marker), word + "ले भनिन्" (she said)."""
    letters = script["letters"]  # a range written "\\u0900-\\u097F": both engines read it
    word = f"[{letters}]{{2,}}"
    markers = _alternatives(script["markers"])
    stop = {
        "stop_words": frozenset(script["stop"]),
        "stop_suffixes": tuple(script["stop_suffixes"]),
    }
    alone = f"(?![{letters}])"
    return [
        NameRule(
            re.compile(
                rf"(?<![{letters}])(?:{_alternatives(script['honorifics'])})\s+{word}{alone}"
            )
        ),
        NameRule(
            re.compile(
                rf"(?<![{letters}])({word})\s+(?:{_alternatives(script['kinship'])})"
                rf"(?:\s?(?:{markers}))?{alone}"
            ),
            **stop,
        ),
        NameRule(
            re.compile(
                rf"(?<![{letters}])({word})\s+(?:{_alternatives(script['surnames'])})"
                rf"(?:\s?(?:{markers}))?{alone}"
            ),
            **stop,
        ),
        NameRule(
            re.compile(
                rf"(?<![{letters}])([{letters}]{{2,}}?)\s?(?:{_alternatives(script['agent'])})"
                rf"\s+(?:{_alternatives(script['say'])}){alone}"
            ),
            **stop,
        ),
    ]


@cache
def compiled_rules(path: Path = RULES_PATH) -> Rules:
    """The patterns built from the word lists, once; build.py writes them out for the phone."""
    rules = load_rules(path)
    phone = rules["phone"]
    latin = rules["latin"]
    honorifics = "|".join(
        f"[{word[0]}{word[0].lower()}]{_escape(word[1:])}"
        for word in sorted(latin["honorifics"], key=len, reverse=True)
    )
    names = [
        NameRule(re.compile(rf"(?<![A-Za-z])(?:{honorifics})\.?\s+[A-Z][a-z]+")),
        NameRule(
            re.compile(
                rf"(?<![A-Za-z])[A-Z][a-z]+\s+(?:{_alternatives(latin['after'])})(?![A-Za-z])"
            )
        ),
    ]
    for script in rules["scripts"]:
        names += _script_rules(script)
    return Rules(
        min_digits=phone["min_digits"],
        money_before=re.compile(rf"(?:{_alternatives(phone['money_before'])})\s*$", re.I),
        money_after=re.compile(rf"^\s*(?:{_alternatives(phone['money_after'])})", re.I),
        names=tuple(names),
    )


def findings(text: str | None) -> dict[str, list[str]]:
    """What in `text` looks like a phone number or a person's name: {"phones": [...], "names": [...]}."""
    phones: list[str] = []
    names: list[str] = []
    if not text:
        return {"phones": phones, "names": names}
    rules = compiled_rules()
    # One character for one, so positions in `ascii` are positions in `text`.
    ascii = DATES.sub(lambda m: " " * len(m.group(0)), ascii_digits(text))
    for match in DIGIT_RUN.finditer(ascii):
        count = sum(char.isdigit() for char in match.group(0))
        before = ascii[max(0, match.start() - 8) : match.start()]
        after = ascii[match.end() : match.end() + 12]
        if (
            count >= rules.min_digits
            and not rules.money_before.search(before)
            and not rules.money_after.search(after)
        ):
            phones.append(text[match.start() : match.end()].strip())
    taken: list[tuple[int, int]] = []
    for rule in rules.names:
        for match in rule.pattern.finditer(text):
            if (rule.stop_words or rule.stop_suffixes) and _stopped(match.group(1), rule):
                continue
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append(match.span())
            names.append(match.group(0).strip())
    return {"phones": list(dict.fromkeys(phones)), "names": list(dict.fromkeys(names))}


def _stopped(word: str, rule: NameRule) -> bool:
    """ "सबै दिदी" (all the sisters), "उनले भनिन्" (she said): words that are not a name."""
    return word in rule.stop_words or any(word.endswith(suffix) for suffix in rule.stop_suffixes)


def flagged_fields(record: dict) -> dict[str, dict[str, list[str]]]:
    """The free-text fields of a log that may identify someone, with what was found in each."""
    out = {}
    for field in ("notes", "market_info"):
        found = findings(record.get(field))
        if found["phones"] or found["names"]:
            out[field] = found
    return out
