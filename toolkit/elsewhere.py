"""What women in other sessions asked about: suppressed theme counts a phone keeps for offline use.

After a sync the phone asks `GET /api/v1/themes?district=<code>` (device token) and keeps the answer:
how many sessions in the facilitator's country (and in her district, where the counts allow) raised
each theme in the last three months. The seeds ask programmes to share back what women raise; only
counts of at least SUPPRESS_BELOW (as on the coordinator's dashboard) are ever sent, and never a
district count that could point at one group of women. The home page and each guide's feedback step
show them offline (static/js/sync-anywhere.js).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import sqlite_utils
from flask import Blueprint, Response, current_app, jsonify, request

bp = Blueprint("elsewhere", __name__, url_prefix="/api/v1")

MONTHS = 3
DEFAULT_THRESHOLD = 5


def period_start(today: dt.date, months: int = MONTHS) -> dt.date:
    """The first day of the month `months - 1` before today's: "the last three months" inclusive."""
    month = today.month - (months - 1)
    year = today.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def theme_counts(
    db: sqlite_utils.Database,
    country: str,
    district: str | None,
    today: dt.date,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict:
    """Sessions per theme in the country (and district), small counts left out, largest first."""
    since = period_start(today).isoformat()
    rows = db.query(
        "select session_logs.themes, session_logs.district from session_logs "
        "join facilitators on facilitators.id = session_logs.facilitator_id "
        "where session_logs.voided = 0 and session_logs.held_on >= ? and facilitators.country = ?",
        [since, country],
    )
    in_country: Counter = Counter()
    in_district: Counter = Counter()
    for row in rows:
        themes = set(json.loads(row["themes"] or "[]"))
        in_country.update(themes)
        if district and row["district"] == district:
            in_district.update(themes)

    def shown(counts: Counter) -> list[list]:
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [[theme, n] for theme, n in ranked if n >= threshold]

    answer = {"country": country, "since": since, "themes": shown(in_country), "district": None}
    if district and shown(in_district):
        answer["district"] = {"code": district, "themes": shown(in_district)}
    return answer


@bp.get("/themes")
def themes() -> Response:
    """The suppressed theme counts for the enrolled phone's country and the district it names."""
    from .api import authenticate, phone_language  # one token check and language for the API
    from .db import get_db

    phone_language()
    sender = authenticate()
    if isinstance(sender, Response):
        return sender
    if not sender.country:
        response = jsonify(error="only an enrolled phone can ask")
        response.status_code = 403
        return response
    district = request.args.get("district") or None
    if district is not None and (len(district) > 80 or not district.isprintable()):
        district = None
    threshold = int(current_app.config.get("SUPPRESS_BELOW", DEFAULT_THRESHOLD))
    answer = theme_counts(get_db(), sender.country, district, dt.date.today(), threshold)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
