"""The `toolkit` command: a Flask group, so `toolkit run` and `toolkit routes` come for free."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import audit
from .languages import LANGUAGES, language_for_country
from .version import APP_VERSION


def _make_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
@click.version_option(APP_VERSION, prog_name="toolkit")
def cli() -> None:
    """Facilitator Toolkit: serve the app, manage the database, facilitators and sync."""


@click.command("init-db")
@click.option(
    "--replica",
    metavar="URL",
    help="Also write Litestream's configuration replicating the database to URL: a folder on "
    "another disk (/mnt/backup/toolkit) or s3://bucket/path?endpoint=…  Then run `toolkit replicate`.",
)
@with_appcontext
def init_db_command(replica: str | None) -> None:
    """Create or upgrade the database (safe to run again)."""
    from .db import connect, init_db
    from .enrolment import code_key

    applied = init_db(current_app.config["DATABASE"])
    db = connect(current_app.config["DATABASE"])
    try:
        code_key(db)  # the enrolment-code key file, owned by whoever runs the server's commands
    finally:
        db.conn.close()
    if applied:
        click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("Database is up to date.")
    click.echo(f"Database: {current_app.config['DATABASE']}")
    if replica:
        from .replication import ReplicationError, config_path, public_url, write_config

        path = config_path(current_app.instance_path, current_app.config)
        try:
            written = write_config(path, current_app.config["DATABASE"], replica)
        except ReplicationError as problem:
            raise click.ClickException(str(problem)) from None
        click.echo(f"Litestream configuration: {path}")
        click.echo(f"Replica: {public_url(written['dbs'][0]['replica']['url'])}")
        click.echo("Start replicating with `toolkit replicate` (docs/DEPLOY.md: a systemd unit).")


@click.command("replicate")
@with_appcontext
def replicate_command() -> None:
    """Replicate the database continuously with Litestream (runs until stopped; for systemd)."""
    import os

    from .replication import ReplicationError, config_path, litestream_binary, read_config

    path = config_path(current_app.instance_path, current_app.config)
    try:
        settings = read_config(path, current_app.config["DATABASE"])
        if settings is None:
            raise ReplicationError(
                f"No Litestream configuration for {current_app.config['DATABASE']} in {path}: "
                "write one with `toolkit init-db --replica URL`."
            )
        binary = litestream_binary()
    except ReplicationError as problem:
        raise click.ClickException(str(problem)) from None
    # exec, not a child: systemd's stop signal reaches Litestream itself, which syncs and exits.
    os.execv(binary, [binary, "replicate", "-config", path])


@click.command("backup")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(),
    help="A new file, or a folder (the file is named by the time, e.g. toolkit-20261201T0245Z.sqlite).",
)
@with_appcontext
def backup_command(target: str) -> None:
    """A consistent, checked copy of the database while the server runs (hub or central)."""
    from .backup import BackupError, backup

    try:
        copy = backup(current_app.config["DATABASE"], target)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    for line in copy.lines():
        click.echo(line)


@click.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    help="A backup file from `toolkit backup`, a replica folder, a replica URL (s3://…), or "
    "`replica` for the one in the Litestream configuration.",
)
@click.option("--to", "target", type=click.Path(), help="The new database file to write.")
@click.option(
    "--check",
    is_flag=True,
    help="Restore into a temporary file, check it, compare with the live database, delete it.",
)
@click.option(
    "--timestamp", help="From a replica: the state at this UTC time, e.g. 2026-12-01T02:00:00Z."
)
@with_appcontext
def restore_command(source: str, target: str | None, check: bool, timestamp: str | None) -> None:
    """Restore the database from a backup file or a Litestream replica into a NEW file."""
    from .backup import BackupError, live_counts, restore
    from .replication import ReplicationError, config_path, read_config

    if source == "replica":
        try:
            settings = read_config(
                config_path(current_app.instance_path, current_app.config),
                current_app.config["DATABASE"],
            )
        except ReplicationError as problem:
            raise click.ClickException(str(problem)) from None
        if settings is None:
            raise click.ClickException("No replica is configured: give --from a folder or URL.")
        source = settings.replica
    if check and target:
        raise click.UsageError("--check restores into a temporary file: leave out --to.")
    try:
        copy = restore(source, target, check=check, timestamp=timestamp)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    for line in copy.lines():
        click.echo(line)
    if check:
        live = live_counts(current_app.config["DATABASE"])
        if live is not None:
            behind = {
                t: live[t] - copy.counts.get(t, 0) for t in live if live[t] != copy.counts.get(t)
            }
            click.echo(
                "live database (not touched): "
                + ", ".join(f"{table} {count}" for table, count in live.items())
            )
            click.echo(
                "the restore holds the same counts"
                if not behind
                else "differences (live minus restored): "
                + ", ".join(f"{table} {n:+d}" for table, n in behind.items())
            )
        click.echo("Restore check passed: the live database was not touched.")
    else:
        click.echo(
            "Restored. Point DATABASE at it (or move it into place with the server stopped), "
            "chown it to the server's user, start the server, then `toolkit replicate`."
        )


@click.command("status")
@with_appcontext
def status_command() -> None:
    """The server's state: database, replica lag, counts. Exits 1 when something needs action."""
    from .status import details, health

    report = health(current_app.instance_path, current_app.config)
    rows = details(current_app.instance_path, current_app.config)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name + ':':<{width + 2}}{value}")
    if not report["ok"]:
        raise click.ClickException(
            "needs action: "
            + (
                f"the database is {report['database']}"
                if report["database"] != "ok"
                else "the replica is not up to date (is `toolkit replicate` running?)"
            )
        )


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Create the database and fill it with demo records (for `make run`; never on a real server)."""
    from .db import init_db

    init_db(current_app.config["DATABASE"])
    _demo_logbook()
    _demo_coordinator()
    click.echo(f"Demo database ready: {current_app.config['DATABASE']}")


DEMO_COORDINATOR = ("demo", "demo-password")


def _demo_coordinator() -> None:
    """A coordinator login for the demo (printed, since the demo database is for trying it out)."""
    from .coordinator import create_coordinator
    from .db import connect

    db = connect(current_app.config["DATABASE"])
    try:
        if not db["coordinators"].count_where("username = ?", [DEMO_COORDINATOR[0]]):
            create_coordinator(db, *DEMO_COORDINATOR, role="admin", lang="en")
    finally:
        db.conn.close()
    click.echo(
        f"Coordinator login: /coordinator/login  user {DEMO_COORDINATOR[0]!r}, "
        f"password {DEMO_COORDINATOR[1]!r}"
    )


@click.command("create-facilitator")
@click.argument("name")
@click.option(
    "--country",
    type=click.Choice(["NP", "PK"], case_sensitive=False),
    required=True,
    help="NP (Nepal) or PK (Pakistan): picks her district list.",
)
@with_appcontext
def create_facilitator_command(name: str, country: str) -> None:
    """Add a facilitator (then give her phone a code with `toolkit enrol NAME`)."""
    from .db import connect, init_db
    from .enrolment import FacilitatorError, create_facilitator

    init_db(current_app.config["DATABASE"])
    db = connect(current_app.config["DATABASE"])
    try:
        facilitator = create_facilitator(db, name, country)
    except FacilitatorError as problem:
        raise click.ClickException(str(problem)) from None
    finally:
        db.conn.close()
    click.echo(f"Created facilitator {facilitator['name']} ({facilitator['country']})")
    click.echo(f"id: {facilitator['id']}")


def _enrolment_url(base_url: str | None, lang: str, code: str) -> str:
    from .enrolment import enrolment_link

    base = base_url or current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
    return enrolment_link(base, lang, code)


@click.command("enrol")
@click.argument("name")
@click.option(
    "--lang",
    type=click.Choice(list(LANGUAGES)),
    default=None,
    help="Language of the enrol page (default: the language of the facilitator's country).",
)
@click.option(
    "--base-url",
    default=None,
    help="The server's address as phones reach it (default: config BASE_URL, else "
    "http://127.0.0.1:5000).",
)
@with_appcontext
def enrol_command(name: str, lang: str | None, base_url: str | None) -> None:
    """Print a one-time enrolment code and its QR code for a facilitator's phone."""
    import io

    import segno

    from .db import connect, init_db
    from .enrolment import CODE_HOURS, find_facilitators, issue_code

    init_db(current_app.config["DATABASE"])
    db = connect(current_app.config["DATABASE"])
    try:
        found = find_facilitators(db, name)
        if not found:
            raise click.ClickException(
                f"No facilitator named {name!r}. Add her first: "
                f"toolkit create-facilitator {name!r} --country NP|PK"
            )
        if len(found) > 1:
            ids = ", ".join(f["id"] for f in found)
            raise click.ClickException(f"Several facilitators match {name!r}; give an id: {ids}")
        facilitator = found[0]
        hours = int(current_app.config.get("ENROLMENT_CODE_HOURS", CODE_HOURS))
        code, expires = issue_code(db, facilitator["id"], hours=hours)
        audit.record(
            db, "enrolment_code_issued", actor="cli", details={"facilitator": facilitator["id"]}
        )
    finally:
        db.conn.close()
    lang = lang or language_for_country(facilitator["country"])
    url = _enrolment_url(base_url, lang, code)
    click.echo(
        f"Enrolment for {facilitator['name']} ({facilitator['country']}): works once, "
        f"until {expires:%Y-%m-%d %H:%M} UTC."
    )
    click.echo(f"code: {code}")
    click.echo(f"url: {url}")
    qr = io.StringIO()
    segno.make(url, error="m").terminal(out=qr, compact=True)
    click.echo(qr.getvalue())


DEMO_FACILITATORS = (("Sarita Tamang (demo)", "NP", "ne"), ("Nasreen Akhtar (demo)", "PK", "ur"))
DEMO_LOGS_EACH = 20
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


def _demo_logbook() -> None:
    """Two demo facilitators with a device each, ~40 synced logs, and a fresh code for each.

    Ids are fixed (uuid5), so running it again adds nothing but new codes.
    """
    import datetime as dt
    import random
    import secrets
    import uuid

    from .db import connect
    from .enrolment import issue_code
    from .languages import LANGUAGES
    from .library import library
    from .sync.ingest import Sender, ingest
    from .sync.record import iso, utc_now
    from .sync.rules import rules_from
    from .tokens import hash_secret
    from .vocabulary import DISTRICTS, REFERRAL_TYPES, THEMES, VENUE_TYPES

    def demo_id(kind: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"toolkit-demo/{kind}"))

    guides = library()
    rules = rules_from(guides, LANGUAGES, current_app.config)
    db = connect(current_app.config["DATABASE"])
    now = utc_now()
    try:
        for name, country, home_lang in DEMO_FACILITATORS:
            facilitator_id, device_id = (
                demo_id(f"facilitator/{country}"),
                demo_id(f"device/{country}"),
            )
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
            rng = random.Random(f"demo-{country}")
            records = []
            for number in range(DEMO_LOGS_EACH):
                lang = home_lang if rng.random() < 0.8 else "en"
                slug = rng.choice(guides.slugs())
                guide, _fallback = guides.get(lang, slug)
                steps = [step.id for step in guide.steps if rng.random() < 0.9]
                held_on = (now - dt.timedelta(days=rng.randint(0, 120))).date()
                participants = rng.randint(6, 24)
                text = DEMO_TEXT[lang]
                record = {
                    "id": demo_id(f"log/{country}/{number}"),
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
                    "requested": rng.sample(
                        [s for s in guides.slugs() if s != slug], rng.randint(0, 2)
                    ),
                    "referrals": {
                        kind: rng.randint(1, 3)
                        for kind in rng.sample(REFERRAL_TYPES, rng.choice((0, 0, 1, 2)))
                    },
                    "market_info": rng.choice(text["market_info"]),
                    "notes": rng.choice(text["notes"]),
                    "voided": False,
                    "created_at": f"{held_on.isoformat()}T10:{rng.randint(10, 59)}:00Z",
                    "updated_at": f"{held_on.isoformat()}T10:{rng.randint(10, 59)}:00Z",
                }
                records.append(record)
                if number % 7 == 3:  # an edit after the first sync: rev 2 keeps rev 1 as a revision
                    records.append({**record, "rev": 2, "participants": participants + 1})
                if number == DEMO_LOGS_EACH - 1:  # entered by mistake: voided, never deleted
                    records.append({**records[-1], "rev": records[-1]["rev"] + 1, "voided": True})
            ids = [record["id"] for record in records]
            stored = {
                row["id"]
                for row in db.query(
                    f"SELECT id FROM session_logs WHERE id IN ({','.join('?' * len(ids))})", ids
                )
            }
            new = [record for record in records if record["id"] not in stored]
            sender = Sender(device_id, facilitator_id, country)
            results = ingest(db, new, sender, rules, now=now) if new else []
            invalid = [result for result in results if result.status == "invalid"]
            if invalid:
                raise click.ClickException(f"demo log rejected: {invalid[0].to_json()}")
            code, _expires = issue_code(db, facilitator_id)
            click.echo(f"{name} ({country}): {len({r['id'] for r in new})} new logs")
            click.echo(f"code: {code}")
            click.echo(f"url: {_enrolment_url(None, home_lang, code)}")
    finally:
        db.conn.close()


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    for command in (replicate_command, backup_command, restore_command, status_command):
        app.cli.add_command(command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(create_facilitator_command)
    app.cli.add_command(enrol_command)
