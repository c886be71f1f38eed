"""Spoken scripts: checking recordings by their bytes, approval and staleness, serving, uploads.

Uploads are tried against gunicorn with production settings and 2 workers (the reliability starter), in
a Nepali and an Urdu coordinator's language: every refusal is a clear 4xx in that language and stores
nothing. The recording itself (fake-mic.webm) is what Chromium's MediaRecorder made from its fake
microphone at 24 kbit/s.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from tests.reliability.conftest import Server
from tests.security.conftest import PASSWORD, Browser, query
from toolkit import audio, audio_format
from toolkit.coordinator import create_coordinator
from toolkit.db import connect, init_db

HERE = Path(__file__).resolve().parent
FAKE_MIC = (HERE / "audio" / "fake-mic.webm").read_bytes()
GUIDES = {"ne": "lw-our-work", "ur": "lw-our-work"}


def ogg_opus(seconds: float, payload_bytes: int = 200) -> bytes:
    """A small Ogg Opus file whose last granule position says `seconds` (mutagen writes the pages)."""
    from mutagen.ogg import OggPage

    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    pages = []
    for sequence, (packet, position) in enumerate(
        [(head, 0), (tags, 0), (b"\xfc" * payload_bytes, int(seconds * 48000) + 312)]
    ):
        page = OggPage()
        page.serial, page.sequence, page.position = 7, sequence, position
        page.packets = [packet]
        page.first = sequence == 0
        page.last = sequence == 2
        pages.append(page.write())
    return b"".join(pages)


def webm_claiming(seconds: float, size: int) -> bytes:
    """The real recording with its Duration rewritten and padding added: a file that lies."""
    fixed = audio_format.check_recording(FAKE_MIC).data
    at = fixed.index(b"\x44\x89\x88") + 3
    fixed = fixed[:at] + struct.pack(">d", seconds * 1000) + fixed[at + 8 :]
    void = b"\xec" + audio_format._size_vint(size - len(fixed) - 9, 8)  # an EBML Void element
    return fixed + void + b"\0" * (size - len(fixed) - 9)


# --- checking the bytes ---------------------------------------------------------------------------


def test_a_browser_recording_is_read_and_gets_a_duration_it_can_seek_with():
    clip = audio_format.check_recording(FAKE_MIC)
    assert clip.container == "webm" and clip.mimetype == "audio/webm"
    assert 2.5 < clip.seconds < 3.5  # three seconds were recorded
    assert b"\x44\x89\x88" in clip.data and b"\x44\x89" not in FAKE_MIC[:200]
    again = audio_format.check_recording(clip.data)  # the written file reads back the same
    assert again.seconds == clip.seconds and again.data == clip.data
    assert (
        len(clip.data) * 8 / clip.seconds <= audio_format.BUDGET_BITRATE
    )  # speech budget: ≤ 24 kbit/s


def test_ogg_opus_length_comes_from_the_container():
    clip = audio_format.check_recording(ogg_opus(12.0, payload_bytes=20_000))
    assert clip.container == "ogg" and clip.seconds == pytest.approx(12.0, abs=0.01)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "missing"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "type"),
        (b"ID3\x03" + b"\0" * 100, "type"),  # an MP3 named .webm
        (FAKE_MIC.replace(b"A_OPUS", b"V_VP80"), "type"),
        (FAKE_MIC.replace(b"webm", b"mkvx", 1), "type"),
        (b"OggS" + b"\0" * 200, "type"),  # Ogg, but not Opus
        (FAKE_MIC[:300], "too_short"),  # headers only
        (FAKE_MIC[:120], "unreadable"),  # cut inside the track header
        (b"\x1a\x45\xdf\xa3" + b"\x42\x82\x10" + b"webm", "unreadable"),  # a size past the end
        (b"\x1a\x45\xdf\xa3" + b"\0" * (audio_format.MAX_BYTES + 1), "too_large"),
    ],
)
def test_anything_but_an_opus_recording_is_refused(data, code):
    with pytest.raises(audio_format.AudioError) as refused:
        audio_format.check_recording(data)
    assert refused.value.code == code


def test_too_long_and_a_length_that_does_not_fit_the_size_are_refused():
    with pytest.raises(audio_format.AudioError) as refused:
        audio_format.check_recording(ogg_opus(audio_format.MAX_SECONDS + 20))
    assert refused.value.code == "too_long"
    # 500 KB that claims to last 10 seconds is 400 kbit/s: not the speech this budget allows.
    with pytest.raises(audio_format.AudioError) as refused:
        audio_format.check_recording(webm_claiming(10, 500_000))
    assert refused.value.code == "bitrate"
    # A Duration shorter than the blocks is not believed: the blocks' times count.
    assert audio_format.check_recording(webm_claiming(0.1, 9000)).seconds > 2.5


# --- approval, staleness, serving -----------------------------------------------------------------


@pytest.fixture
def content_copy(tmp_path):
    import shutil

    target = tmp_path / "content"
    shutil.copytree(HERE.parent / "content", target)
    return target


@pytest.fixture
def content_app(make_app, tmp_path, content_copy):
    """`content_app()`: an app on the copied content, made again after an edit (same database)."""
    database = str(tmp_path / "toolkit.sqlite")
    return lambda: make_app(
        DATABASE=database, CONTENT_DIR=str(content_copy), WTF_CSRF_ENABLED=False
    )


def first_say_text(path: Path) -> str:
    source = path.read_text("utf-8")
    return re.search(r"::: say\n(.+?)\n:::", source, re.S).group(1)


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_only_approved_audio_of_the_current_text_reaches_phones(content_app, content_copy, lang):
    slug = GUIDES[lang]
    app = content_app()
    guide = app.extensions["toolkit.library"].guides[(lang, slug)]
    block = audio.say_blocks(guide)[0]
    db = connect(app.config["DATABASE"])
    recording_id = audio.store_recording(
        db, guide, block, audio_format.check_recording(FAKE_MIC), "asha"
    )
    client = app.test_client()
    manifest_url = f"/{lang}/guides/{slug}/audio.json"
    assert client.get(manifest_url).json["clips"] == {}  # recorded, not approved: nothing served
    recording = audio.get_recording(db, recording_id)
    audio.approve(db, recording, "asha")
    answer = client.get(manifest_url)
    clip = answer.json["clips"][block.hash]
    assert clip["url"] == f"/{lang}/guides/{slug}/audio/{block.hash}-{recording_id}.webm"
    assert answer.headers["Cache-Control"] == "no-cache" and answer.headers["ETag"]
    assert (
        client.get(manifest_url, headers={"If-None-Match": answer.headers["ETag"]}).status_code
        == 304
    )
    whole = client.get(clip["url"])
    assert whole.status_code == 200 and whole.mimetype == "audio/webm"
    assert "immutable" in whole.headers["Cache-Control"]
    part = client.get(clip["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    # The guide page says which block is which by hash only: the same bytes before and after.
    page = client.get(f"/{lang}/guides/{slug}").data
    assert f'data-say="{block.hash}"'.encode() in page and recording_id.encode() not in page
    assert audio.coverage(db, [guide])[lang] == (1, len(audio.say_blocks(guide)))

    # The text changes: the recording is stale, phones stop getting it, the page says so.
    path = content_copy / lang / f"{slug}.md"
    path.write_text(
        path.read_text("utf-8").replace(first_say_text(path), block.text + " नयाँ۔"), "utf-8"
    )
    edited = content_app()
    client = edited.test_client()
    assert client.get(manifest_url).json["clips"] == {}
    assert client.get(clip["url"]).status_code == 404
    new_guide = edited.extensions["toolkit.library"].guides[(lang, slug)]
    state = audio.block_states(db, new_guide)[0]
    assert state.stale["id"] == recording_id and not state.served
    # An admin keeps it for the new text: served again, under a new URL.
    audio.keep_for_new_text(db, state.stale, state.block)
    clips = client.get(manifest_url).json["clips"]
    assert list(clips) == [state.block.hash] and clips[state.block.hash]["url"] != clip["url"]
    db.conn.close()


# --- uploads against gunicorn (production settings, 2 workers) -------------------------------------


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    directory = tmp_path_factory.mktemp("audio")
    database = str(directory / "toolkit.sqlite")
    init_db(database)
    db = connect(database)
    for name, role, lang in [
        ("admin-ne", "admin", "ne"),
        ("admin-ur", "admin", "ur"),
        ("rec-ne", "recorder", "ne"),
        ("rec-ur", "recorder", "ur"),
        ("coord-ne", "coordinator", "ne"),
    ]:
        create_coordinator(db, name, PASSWORD, role=role, lang=lang)
    db.conn.close()
    # Behind one trusted proxy, as docs/DEPLOY.md runs it: each Browser has its own address.
    server = Server(directory, database, workers=2).start(TRUSTED_PROXIES=1)
    yield server
    server.kill()


@pytest.fixture(scope="module")
def app(make_app):
    return make_app(DATABASE=":memory:")


def said(app, lang: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


def multipart(fields: dict, audio_bytes: bytes | None, content_type: str = "audio/webm"):
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    if audio_bytes is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="take.webm"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + audio_bytes
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json",
    }


def signed_in(server, username: str) -> Browser:
    browser = Browser(server)
    assert browser.login(username).status == 302
    return browser


def upload(
    browser: Browser, lang: str, data: bytes | None, csrf: bool = True, slot: str = "welcome.1"
):
    page = f"/coordinator/audio/{lang}/{GUIDES[lang]}"
    fields = {"csrf_token": browser.csrf_token(page)} if csrf else {}
    body, headers = multipart(fields, data)
    return browser.request("POST", f"{page}/{slot}", body=body, headers=headers)


def stored(server) -> int:
    return query(server.database, "SELECT count(*) FROM audio_recordings")[0][0]


REFUSALS = [
    (
        "wrong type",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 2000,
        422,
        "This file is not an Opus recording (WebM or Ogg). Record the block again on this page.",
        {},
    ),
    (
        "too large",
        b"\x1a\x45\xdf\xa3" + b"\0" * (700 * 1024),
        413,
        "This recording is too large (%(kb)s KB; at most %(limit)s KB). "
        "Record it again, reading a little faster, or ask for the block to be split.",
        {"kb": 700, "limit": 600},
    ),
    (
        "too long",
        ogg_opus(200.0, 4000),
        422,
        "This recording is too long (%(seconds)s seconds; at most %(limit)s). "
        "Ask for the block to be split into shorter ones.",
        {"seconds": 200, "limit": 180},
    ),
    (
        "nothing sent",
        None,
        400,
        "No recording arrived. Record the block, listen to it, then upload it.",
        {},
    ),
]


@pytest.mark.parametrize("lang", ["ne", "ur"])
@pytest.mark.parametrize(
    ("case", "data", "status", "message", "values"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_refused_uploads_say_why_in_the_recorders_language_and_store_nothing(
    production, app, lang, case, data, status, message, values
):
    recorder = signed_in(production, f"rec-{lang}")
    before = stored(production)
    answer = upload(recorder, lang, data)
    assert answer.status == status, answer.text
    expected = said(app, lang, message, **values)
    assert json.loads(answer.body)["message"] == expected
    assert expected != message % values  # translated, not English
    assert stored(production) == before


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_upload_without_csrf_or_sign_in_is_refused_and_stores_nothing(production, app, lang):
    recorder = signed_in(production, f"rec-{lang}")
    before = stored(production)
    answer = upload(recorder, lang, FAKE_MIC, csrf=False)
    assert answer.status == 400
    message = "This page has expired. Reload it, record the block again, and upload it."
    assert json.loads(answer.body)["message"] == said(app, lang, message) != message
    stranger = Browser(production)
    body, headers = multipart({"csrf_token": stranger.csrf_token()}, FAKE_MIC)
    answer = stranger.request(
        "POST", f"/coordinator/audio/{lang}/{GUIDES[lang]}/welcome.1", body=body, headers=headers
    )
    assert answer.status == 401
    assert stored(production) == before


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_a_recorder_uploads_an_admin_approves_and_the_audit_log_has_both(production, app, lang):
    recorder = signed_in(production, f"rec-{lang}")
    answer = upload(recorder, lang, FAKE_MIC, slot="welcome.1")
    assert answer.status == 201, answer.text
    message = "Recording uploaded. An admin approves it before phones get it."
    assert json.loads(answer.body)["message"] == said(app, lang, message)
    (recording_id,) = query(
        production.database,
        "SELECT id FROM audio_recordings WHERE lang = ? AND status = 'recorded' "
        "ORDER BY recorded_at DESC, rowid DESC LIMIT 1",
        [lang],
    )[0]
    page = f"/coordinator/audio/{lang}/{GUIDES[lang]}"
    approve = f"{page}/recordings/{recording_id}/approve"
    # A recorder sees the audio pages and nothing else, and cannot approve.
    assert recorder.request("GET", "/coordinator/facilitators").status == 403
    assert (
        recorder.request("GET", "/coordinator/").header("Location").endswith("/coordinator/audio/")
    )
    assert recorder.post(approve, {}, page).status == 403
    # Nor can a coordinator who is not an admin.
    assert signed_in(production, "coord-ne").post(approve, {}, page).status == 403
    assert query(
        production.database, "SELECT status FROM audio_recordings WHERE id = ?", [recording_id]
    ) == [("recorded",)]
    admin = signed_in(production, f"admin-{lang}")
    listen = admin.request(
        "GET", f"{page}/recordings/{recording_id}", headers={"Range": "bytes=0-99"}
    )
    assert listen.status == 206 and listen.header("Cache-Control") == "no-store"
    assert admin.post(approve, {}, page).status == 302
    served = json.loads(production.request("GET", f"/{lang}/guides/{GUIDES[lang]}/audio.json")[1])
    assert [clip["url"].rsplit("-", 5)[0] for clip in served["clips"].values()]
    assert any(recording_id in clip["url"] for clip in served["clips"].values())
    dashboard = admin.request("GET", "/coordinator/").text
    assert said(app, lang, "Read-aloud blocks with approved audio") in dashboard
    events = query(
        production.database,
        "SELECT action, actor, details FROM audit_log WHERE action LIKE 'audio_%' AND details LIKE ?",
        [f"%{recording_id}%"],
    )
    assert [(action, actor) for action, actor, _ in events] == [
        ("audio_uploaded", f"rec-{lang}"),
        ("audio_approved", f"admin-{lang}"),
    ]
    assert json.loads(events[0][2])["block"] == "welcome.1"
    # Removing it takes it off phones, and is logged too.
    assert admin.post(f"{page}/recordings/{recording_id}/remove", {}, page).status == 302
    served = json.loads(production.request("GET", f"/{lang}/guides/{GUIDES[lang]}/audio.json")[1])
    assert not any(recording_id in clip["url"] for clip in served["clips"].values())
    assert query(
        production.database,
        "SELECT count(*) FROM audit_log WHERE action = 'audio_removed' AND details LIKE ?",
        [f"%{recording_id}%"],
    ) == [(1,)]


def test_the_recording_page_alone_may_use_the_microphone(production):
    admin = signed_in(production, "admin-ne")
    page = admin.request("GET", f"/coordinator/audio/ne/{GUIDES['ne']}")
    assert "microphone=(self)" in page.header("Permissions-Policy")
    assert "media-src 'self' blob:" in page.header("Content-Security-Policy")
    for path in (f"/ne/guides/{GUIDES['ne']}", f"/ne/guides/{GUIDES['ne']}/run"):
        status, _ = production.request("GET", path)
        assert status == 200
    runner = Browser(production).request("GET", f"/ne/guides/{GUIDES['ne']}/run")
    assert "microphone=()" in runner.header("Permissions-Policy")


def test_an_admin_keeps_a_stale_recording_from_the_page_and_the_audit_log_says_so(
    content_app, content_copy
):
    lang, slug = "ur", GUIDES["ur"]
    app = content_app()
    guide = app.extensions["toolkit.library"].guides[(lang, slug)]
    block = audio.say_blocks(guide)[0]
    db = connect(app.config["DATABASE"])
    create_coordinator(db, "asha", PASSWORD, role="admin", lang=lang)
    recording_id = audio.store_recording(
        db, guide, block, audio_format.check_recording(FAKE_MIC), "asha"
    )
    audio.approve(db, audio.get_recording(db, recording_id), "asha")
    path = content_copy / lang / f"{slug}.md"
    path.write_text(path.read_text("utf-8").replace(block.text, block.text + " ۔"), "utf-8")
    client = content_app().test_client()
    client.post("/coordinator/login", data={"username": "asha", "password": PASSWORD})
    page = client.get(f"/coordinator/audio/{lang}/{slug}").get_data(as_text=True)
    assert said(client.application, lang, "Keep it for the changed text") in page
    answer = client.post(f"/coordinator/audio/{lang}/{slug}/recordings/{recording_id}/keep")
    assert answer.status_code == 302
    assert len(client.get(f"/{lang}/guides/{slug}/audio.json").json["clips"]) == 1
    events = [row["action"] for row in db.query("SELECT action FROM audit_log")]
    assert "audio_kept" in events
    db.conn.close()
