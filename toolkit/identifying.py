"""Does a log's free text look like it identifies someone? The server's half of one shared rule set.

The rules are word lists in toolkit/data/identifying.json; static/js/privacy-check.js builds the same
patterns from the same file (the log page carries it), so the phone's warning and the server's flag
agree (tests/browser/test_phone_field.py compares them). The phone warns before saving; the server
flags what was let through, for a coordinator to review. Nothing is stored: flags are computed when
the coordinator looks. No Flask import.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

RULES_PATH = Path(__file__).parent / "data" / "identifying.json"

# As in privacy-check.js: plain dates are not phone numbers; a run of 7+ digits with separators is.
_DATES = re.compile(
    r"(?<![0-9])[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![0-9])"
    r"|(?<![0-9])[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}(?![0-9])"
)
_DIGIT_RUN = re.compile(r"\+?[0-9](?:[\s\-.()]{0,2}[0-9]){6,}")


@cache
def load_rules(path: Path = RULES_PATH) -> dict:
    return json.loads(path.read_text("utf-8"))


def _alternatives(words: list[str]) -> str:
    """Longest first, so "श्रीमती" wins over "श्री" (the JavaScript sorts the same way)."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@cache
def _compiled(path: Path = RULES_PATH):
    rules = load_rules(path)
    phone = rules["phone"]
    money_before = re.compile(rf"(?:{_alternatives(phone['money_before'])})\s*$", re.I)
    money_after = re.compile(rf"^\s*(?:{_alternatives(phone['money_after'])})", re.I)
    latin = rules["latin"]
    honorifics = "|".join(
        f"[{word[0]}{word[0].lower()}]{re.escape(word[1:])}"
        for word in sorted(latin["honorifics"], key=len, reverse=True)
    )
    names = [
        (re.compile(rf"(?<![A-Za-z])(?:{honorifics})\.?\s+[A-Z][a-z]+"), None),
        (
            re.compile(
                rf"(?<![A-Za-z])[A-Z][a-z]+\s+(?:{_alternatives(latin['after'])})(?![A-Za-z])"
            ),
            None,
        ),
    ]
    for script in rules["scripts"]:
        letters = script["letters"].encode().decode("unicode_escape")
        word = f"[{letters}]{{2,}}"
        markers = _alternatives(script["markers"])
        stop = (frozenset(script["stop"]), tuple(script["stop_suffixes"]))
        names += [
            (
                re.compile(
                    rf"(?<![{letters}])(?:{_alternatives(script['honorifics'])})\s+{word}"
                    rf"(?![{letters}])"
                ),
                None,
            ),
            (
                re.compile(
                    rf"(?<![{letters}])({word})\s+(?:{_alternatives(script['kinship'])})"
                    rf"(?:\s?(?:{markers}))?(?![{letters}])"
                ),
                stop,
            ),
            (
                re.compile(
                    rf"(?<![{letters}])({word})\s+(?:{_alternatives(script['surnames'])})"
                    rf"(?:\s?(?:{markers}))?(?![{letters}])"
                ),
                stop,
            ),
            (
                re.compile(
                    rf"(?<![{letters}])([{letters}]{{2,}}?)\s?(?:{_alternatives(script['agent'])})"
                    rf"\s+(?:{_alternatives(script['say'])})(?![{letters}])"
                ),
                stop,
            ),
        ]
    digits = str.maketrans(
        {
            char: str(index)
            for digit_set in phone["digit_sets"]
            for index, char in enumerate(digit_set)
        }
    )
    return phone["min_digits"], digits, money_before, money_after, names


def findings(text: str | None) -> dict[str, list[str]]:
    """What in `text` looks like a phone number or a person's name: {"phones": [...], "names": [...]}."""
    phones: list[str] = []
    names: list[str] = []
    if not text:
        return {"phones": phones, "names": names}
    min_digits, digits, money_before, money_after, name_rules = _compiled()
    # One character for one, so positions in `ascii` are positions in `text`.
    ascii = _DATES.sub(lambda m: " " * len(m.group(0)), text.translate(digits))
    for match in _DIGIT_RUN.finditer(ascii):
        count = sum(char.isdigit() for char in match.group(0))
        before = ascii[max(0, match.start() - 8) : match.start()]
        after = ascii[match.end() : match.end() + 12]
        if (
            count >= min_digits
            and not money_before.search(before)
            and not money_after.search(after)
        ):
            phones.append(text[match.start() : match.end()].strip())
    taken: list[tuple[int, int]] = []
    for pattern, stop in name_rules:
        for match in pattern.finditer(text):
            if stop and _stopped(match.group(1), *stop):
                continue
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append(match.span())
            names.append(match.group(0).strip())
    return {"phones": list(dict.fromkeys(phones)), "names": list(dict.fromkeys(names))}


def _stopped(word: str, stop_words: frozenset[str], suffixes: tuple[str, ...]) -> bool:
    """ "सबै दिदी" (all the sisters), "उनले भनिन्" (she said): words that are not a name."""
    return word in stop_words or any(word.endswith(suffix) for suffix in suffixes)


def flagged_fields(record: dict) -> dict[str, dict[str, list[str]]]:
    """The free-text fields of a log that may identify someone, with what was found in each."""
    out = {}
    for field in ("notes", "market_info"):
        found = findings(record.get(field))
        if found["phones"] or found["names"]:
            out[field] = found
    return out
