"""Demo data for `toolkit demo-data` (`make run`): two facilitators, ~40 synced logs, a coordinator.

Never on a real server. Ids are fixed (uuid5) and the logs drawn from seeded random numbers, so
running it again adds nothing but fresh enrolment codes. The logs go in through `sync.ingest`, as a
phone's would, so they pass every rule a real log must.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from dataclasses import dataclass

import sqlite_utils

from .content import Library
from .coordinator import create_coordinator
from .enrolment import issue_code
from .sync.ingest import Sender, ingest
from .sync.record import iso
from .sync.rules import SyncRules
from .tokens import hash_secret
from .version import APP_VERSION
from .vocabulary import DISTRICTS, REFERRAL_TYPES, THEMES, VENUE_TYPES

DEMO_FACILITATORS = (("Sarita Tamang (demo)", "NP", "ne"), ("Nasreen Akhtar (demo)", "PK", "ur"))
DEMO_LOGS_EACH = 20
DEMO_COORDINATOR = ("demo", "demo-password")
DEMO_TEXT = {
    "ne": {
        "market_info": (
            "मलेसियाका लागि एजेन्टले १ लाख ६० हजार रुपैयाँ मागेको सुनियो; 'फ्री भिसा, फ्री टिकट' भनिएको थियो।",
            "कतारमा घरेलु कामको तलब मासिक १२०० रियाल भनिएको, तर सम्झौतामा लेखिएको छैन।",
            "गाउँमै तरकारी खेती र सिलाइबाट दिनको ८०० रुपैयाँसम्म कमाइ हुने कुरा भयो।",
            "",
        ),
        "notes": (
            "पानी परेकाले सत्र ढिलो सुरु भयो।",
            "धेरैले अर्को पटक सम्झौताबारे कुरा गर्न चाहे।",
            "सामुदायिक भवन बन्द भएकाले विद्यालयमा भेला भयौं।",
            "",
        ),
    },
    "ur": {
        "market_info": (
            "شرکاء نے بتایا کہ سعودی عرب میں گھریلو کام کے لیے ایجنٹ ساڑھے تین لاکھ روپے مانگ رہا ہے۔",
            "دبئی میں صفائی کے کام کی تنخواہ 1200 درہم بتائی گئی، مگر معاہدہ نہیں دکھایا گیا۔",
            "مقامی طور پر سلائی کے کام سے روزانہ 1000 روپے تک کمائی ممکن ہے۔",
            "",
        ),
        "notes": (
            "بارش کی وجہ سے سیشن دیر سے شروع ہوا۔",
            "کئی خواتین اگلی بار معاہدے کے بارے میں بات کرنا چاہتی ہیں۔",
            "کمیونٹی ہال بند تھا، اس لیے اسکول میں ملے۔",
            "",
        ),
    },
    "en": {
        "market_info": (
            "Agents quoting 150,000-200,000 for Gulf jobs; 'free visa, free ticket' still promised.",
            "Wages for care work abroad said to be lower than the contract shown before leaving.",
            "",
        ),
        "notes": ("Started late because of a local festival.", ""),
    },
}


class DemoError(Exception):
    """A demo log the sync rules refused (the demo data no longer matches the rules)."""


@dataclass(frozen=True)
class DemoFacilitator:
    """What `fill_logbook` did for one demo facilitator: what to print for `make run`."""

    name: str
    country: str
    lang: str  # her home language: her enrolment page's
    new_logs: int
    code: str  # a fresh one-time enrolment code


def demo_id(kind: str) -> str:
    """A fixed id per demo thing, so that running the demo again finds what it made before."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"toolkit-demo/{kind}"))


def fill_logbook(
    db: sqlite_utils.Database, guides: Library, rules: SyncRules, now: dt.datetime
) -> list[DemoFacilitator]:
    """Two demo facilitators with a device each, their logs synced, and a fresh code for each."""
    made = []
    for name, country, home_lang in DEMO_FACILITATORS:
        facilitator_id, device_id = add_facilitator(db, name, country, now)
        records = demo_logs(guides, country, home_lang, now)
        new = _not_stored(db, records)
        sender = Sender(device_id, facilitator_id, country)
        results = ingest(db, new, sender, rules, now=now) if new else []
        invalid = [result for result in results if result.status == "invalid"]
        if invalid:
            raise DemoError(f"demo log rejected: {invalid[0].to_json()}")
        code, _expires = issue_code(db, facilitator_id)
        made.append(DemoFacilitator(name, country, home_lang, len({r["id"] for r in new}), code))
    return made


def add_facilitator(
    db: sqlite_utils.Database, name: str, country: str, now: dt.datetime
) -> tuple[str, str]:
    """The demo facilitator of `country` and her phone, unless already there: (her id, device id)."""
    facilitator_id, device_id = demo_id(f"facilitator/{country}"), demo_id(f"device/{country}")
    db["facilitators"].insert(
        {"id": facilitator_id, "name": name, "country": country, "created_at": iso(now)},
        ignore=True,
    )
    db["devices"].insert(
        {
            "id": device_id,
            "facilitator_id": facilitator_id,
            "token_hash": hash_secret(secrets.token_urlsafe(32)),  # a token nobody holds
            "created_at": iso(now),
            "client_system": "Android",
            "client_browser": "Chrome",
        },
        ignore=True,
    )
    return facilitator_id, device_id


def demo_logs(guides: Library, country: str, home_lang: str, now: dt.datetime) -> list[dict]:
    """One facilitator's logs as her phone would send them: some edited after the first sync
    (rev 2 keeps rev 1 as a revision), the last voided (entered by mistake, never deleted)."""
    rng = random.Random(f"demo-{country}")
    records = []
    for number in range(DEMO_LOGS_EACH):
        lang = home_lang if rng.random() < 0.8 else "en"
        record = demo_log(rng, guides, lang, country, now)
        record["id"] = demo_id(f"log/{country}/{number}")
        records.append(record)
        if number % 7 == 3:
            records.append({**record, "rev": 2, "participants": record["participants"] + 1})
        if number == DEMO_LOGS_EACH - 1:
            records.append({**records[-1], "rev": records[-1]["rev"] + 1, "voided": True})
    return records


def demo_log(
    rng: random.Random, guides: Library, lang: str, country: str, now: dt.datetime
) -> dict:
    """One plausible session log in `lang`, held in the last 120 days (its id is the caller's)."""
    slug = rng.choice(guides.slugs())
    guide, _fallback = guides.get(lang, slug)
    steps = [step.id for step in guide.steps if rng.random() < 0.9]
    held_on = (now - dt.timedelta(days=rng.randint(0, 120))).date()
    participants = rng.randint(6, 24)
    text = DEMO_TEXT[lang]
    return {
        "id": None,
        "rev": 1,
        "guide": slug,
        "lang": lang,
        "content_version": guides.version,
        "app_version": APP_VERSION,
        "held_on": held_on.isoformat(),
        "minutes": guide.minutes + rng.choice((-10, 0, 0, 5, 15)),
        "district": rng.choice(DISTRICTS[country][:6]),
        "venue_type": rng.choice(VENUE_TYPES[:5]),
        "participants": participants,
        "returnees": rng.choice((None, rng.randint(0, min(6, participants)))),
        "steps_done": steps,
        "themes": rng.sample(THEMES, rng.randint(1, 4)),
        "requested": rng.sample([s for s in guides.slugs() if s != slug], rng.randint(0, 2)),
        "referrals": {
            kind: rng.randint(1, 3) for kind in rng.sample(REFERRAL_TYPES, rng.choice((0, 0, 1, 2)))
        },
        "market_info": rng.choice(text["market_info"]),
        "notes": rng.choice(text["notes"]),
        "voided": False,
        "created_at": f"{held_on.isoformat()}T10:{rng.randint(10, 59)}:00Z",
        "updated_at": f"{held_on.isoformat()}T10:{rng.randint(10, 59)}:00Z",
    }


def _not_stored(db: sqlite_utils.Database, records: list[dict]) -> list[dict]:
    """The records whose log is not in the database yet (a second run adds none)."""
    ids = [record["id"] for record in records]
    marks = ",".join("?" * len(ids))
    stored = {
        row["id"] for row in db.query(f"SELECT id FROM session_logs WHERE id IN ({marks})", ids)
    }
    return [record for record in records if record["id"] not in stored]


def add_coordinator(db: sqlite_utils.Database) -> None:
    """The demo's coordinator login (an admin), unless already there."""
    if not db["coordinators"].count_where("username = ?", [DEMO_COORDINATOR[0]]):
        create_coordinator(db, *DEMO_COORDINATOR, role="admin", lang="en")
