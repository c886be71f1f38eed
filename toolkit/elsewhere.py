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
from collections import Counter

import sqlite_utils
from flask import Blueprint, Response, current_app, jsonify, request

from .vocabulary import DISTRICTS, RETIRED_CODES, vocabulary_from

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
    districts: dict[str, tuple[str, ...]] | None = None,
) -> dict:
    """Sessions per theme in the country (and district), small counts left out, largest first.

    Read from the report rollup (toolkit/migrations.py), which the ingest keeps exact: one phone's
    sync asks this, so it must not read three months of a national programme's logs."""
    since = period_start(today).isoformat()
    codes = list((districts or DISTRICTS).get(country, ()))
    counts = db.execute(
        f"""SELECT district, value, sum(n) FROM report_rollup
            WHERE dimension = 'theme' AND month >= ?
              AND district IN ({", ".join("?" * len(codes)) or "NULL"})
            GROUP BY district, value""",
        [since[:7], *codes],
    ).fetchall()
    in_country: Counter = Counter()
    in_district: Counter = Counter()
    for row_district, theme, n in counts:
        if theme in RETIRED_CODES or not n:
            continue
        in_country[theme] += n
        if district and row_district == district:
            in_district[theme] += n

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
    sender = authenticate()  # a 401 or 403 answer ends the request here
    if not sender.country:
        response = jsonify(error="only an enrolled phone can ask")
        response.status_code = 403
        return response
    district = request.args.get("district") or None
    if district is not None and (len(district) > 80 or not district.isprintable()):
        district = None
    threshold = int(current_app.config.get("SUPPRESS_BELOW", DEFAULT_THRESHOLD))
    # As the sync validator does: a deployment's districts add to the built-in ones.
    districts = {country: list(names) for country, names in DISTRICTS.items()}
    for country, names in (vocabulary_from(current_app.config, "DISTRICTS", {}) or {}).items():
        districts.setdefault(country, []).extend(names)
    answer = theme_counts(
        get_db(), sender.country, district, dt.date.today(), threshold, districts=districts
    )
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
