"""The offline app's server side: web manifest, service worker, precache manifest, headers, icons."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path

import brotli
import pytest
from flask import Blueprint
from flask_babel import force_locale, gettext
from PIL import Image

from toolkit.build.icons import write_icons
from toolkit.build.offline_pack import write_precache
from toolkit.languages import FONTS, LANGUAGES
from toolkit.precache import (
    build_precache,
    content_hash,
    file_hash,
    precache_manifest,
)
from toolkit.version import APP_VERSION

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
ALL_FONTS = {font.file for font in FONTS.values()}


@pytest.fixture(scope="module")
def pack_app(make_app):
    """One app for the precache tests (building every language's manifest renders ~120 pages)."""
    return make_app()


@pytest.fixture(scope="module")
def packs(pack_app):
    return build_precache(pack_app)


def translated(app, lang: str, message: str) -> str:
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        return gettext(message)


# --- web manifest -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_web_manifest_per_language(app, client, lang):
    response = client.get(f"/manifest.webmanifest?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    data = json.loads(response.data)
    assert data["name"] == translated(app, lang, "Facilitator Toolkit")
    assert data["short_name"] == translated(app, lang, "Toolkit")
    if lang != "en":
        assert data["name"] != "Facilitator Toolkit", f"{lang} name is not translated"
    assert data["start_url"] == f"/{lang}/"
    assert data["lang"] == lang and data["dir"] == LANGUAGES[lang].direction
    assert data["display"] == "standalone"
    assert data["theme_color"].startswith("#") and data["background_color"].startswith("#")
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(icons)
    for (sizes, _purpose), src in icons.items():
        icon = client.get(src)
        assert icon.status_code == 200 and icon.mimetype == "image/png"
        width = int(sizes.split("x")[0])
        assert Image.open(io.BytesIO(icon.data)).size == (width, width)
        icon.close()


def test_unknown_manifest_language_is_404(client):
    assert client.get("/manifest.webmanifest?lang=xx").status_code == 404


@pytest.mark.parametrize("url", ["/ne/", "/ur/guides/lw-our-work", "/ne/guides/ng-agent/run"])
def test_every_page_links_its_manifest_and_registers_the_worker(client, url):
    html = client.get(url).get_data(as_text=True)
    lang = url.split("/")[1]
    assert f'<link rel="manifest" href="/manifest.webmanifest?lang={lang}">' in html
    assert re.search(r'<script type="module" src="/static/js/app.js\?v=[0-9a-f]+"', html)
    assert 'data-sw="/sw.js"' in html


def test_icons_are_drawn_with_a_safe_zone(tmp_path):
    written = write_icons(tmp_path)
    assert len(written) == 3
    plain = Image.open(tmp_path / "icons" / "icon-512.png").convert("RGBA")
    maskable = Image.open(tmp_path / "icons" / "maskable-512.png").convert("RGBA")
    assert plain.getpixel((0, 0))[3] == 0, "the plain icon has rounded corners"
    assert maskable.getpixel((0, 0))[3] == 255, "a maskable icon fills the square"
    assert write_icons(tmp_path) == [], "unchanged icons are not rewritten"


# --- service worker ---------------------------------------------------------------------------


def worker_packs(body: str) -> dict:
    return json.loads(re.search(r"^const PACKS = (.*);$", body, re.M).group(1))


def test_service_worker_is_served_from_the_root_and_revalidated(app, client, tmp_path):
    app.config["BUILD_DIR"] = str(tmp_path)
    write_precache(app)
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    manifest = json.loads((tmp_path / "precache" / "ne.json").read_text("utf-8"))
    assert f'const VERSION = "{manifest["version"]}";' in body
    assert APP_VERSION in manifest["version"]
    assert app.extensions["toolkit.library"].version[:8] in manifest["version"]
    urls = [entry["url"] for pack in worker_packs(body).values() for entry in pack]
    assert urls and all(url.startswith("/") and not url.startswith("//") for url in urls)
    assert not [url for url in urls if "://" in url]


def test_service_worker_is_rendered_from_what_build_wrote(app, client, tmp_path):
    app.config["BUILD_DIR"] = str(tmp_path)
    written = write_precache(app)
    for path in written.values():
        manifest = json.loads(path.read_text("utf-8"))
        manifest["version"] = "written-by-build"
        path.write_text(json.dumps(manifest), "utf-8")
    assert 'const VERSION = "written-by-build";' in client.get("/sw.js").get_data(as_text=True)


def test_service_worker_works_before_the_first_build(app, client, tmp_path):
    app.config["BUILD_DIR"] = str(tmp_path / "never-built")
    body = client.get("/sw.js").get_data(as_text=True)
    assert "/ne/guides/lw-our-work/run" in json.dumps(worker_packs(body)["ne"])


def test_write_precache_writes_one_manifest_per_language(app, tmp_path):
    written = write_precache(app, tmp_path / "build")
    assert set(written) == set(LANGUAGES)
    for lang, path in written.items():
        manifest = json.loads(path.read_text("utf-8"))
        assert path == tmp_path / "build" / "precache" / f"{lang}.json"
        assert manifest["lang"] == lang
        assert manifest["app_version"] == APP_VERSION
        assert manifest["content_version"] == app.extensions["toolkit.library"].version
        assert all(set(entry) == {"url", "hash"} for entry in manifest["entries"])


# --- the precache manifest --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ne", "ur", "en"])
def test_precache_has_every_page_of_the_language_and_only_its_fonts(pack_app, packs, lang):
    urls = [entry["url"] for entry in packs[lang]["entries"]]
    assert len(urls) == len(set(urls))
    library = pack_app.extensions["toolkit.library"]
    slugs = [guide.slug for guide, _ in library.for_language(lang)]
    assert {"lw-our-work", "ko-recruitment", "ng-agent"} <= set(slugs)
    for slug in slugs:
        assert f"/{lang}/guides/{slug}" in urls
        assert f"/{lang}/guides/{slug}/run" in urls
    for page in (f"/{lang}/", f"/{lang}/log", f"/{lang}/enrol", f"/{lang}/offline"):
        assert page in urls
    fonts = {Path(url).name for url in urls if url.startswith("/static/fonts/")}
    assert fonts == {LANGUAGES[lang].font.file, "noto-sans.woff2"}
    assert not fonts & (ALL_FONTS - {LANGUAGES[lang].font.file, "noto-sans.woff2"})
    assert any(re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]+", url) for url in urls)
    assert any(url.startswith("/static/js/app.js?v=") for url in urls)
    assert any(url.startswith("/static/js/runner.js") for url in urls)
    for url in urls:
        assert not url.endswith(".pdf") and "/api/" not in url and "coordinator" not in url
        other = url.split("/")[1]
        if other in LANGUAGES and other != lang:
            assert url == f"/{other}/offline", f"{url} is another language's page"
    assert f"/{lang}/log/" not in " ".join(urls)  # one shell serves every log


def test_a_new_page_route_joins_the_precache_as_soon_as_it_exists(make_app):
    app = make_app()
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/<lang>/extra", "page", lambda lang: "<p>extra</p>")
    extra.add_url_rule("/<lang>/guides/<slug>/notes", "notes", lambda lang, slug: "<p>n</p>")
    extra.add_url_rule("/<lang>/guides/<slug>/extra.pdf", "pdf", lambda lang, slug: "%PDF")
    extra.add_url_rule("/<lang>/private", "private", lambda lang: ("no", 403))
    app.register_blueprint(extra)
    urls = [entry["url"] for entry in precache_manifest(app, "ne")]
    assert "/ne/extra" in urls
    assert "/ne/guides/ng-agent/notes" in urls
    assert not [url for url in urls if url.endswith(".pdf") or url == "/ne/private"]


def test_precached_pages_are_the_same_on_every_render(pack_app, packs):
    """Cached HTML must not change between renders (no CSRF token, nonce or status)."""
    first, second = pack_app.test_client(), pack_app.test_client()
    for lang in ("ne", "ur"):
        for entry in packs[lang]["entries"]:
            url = entry["url"]
            if url.startswith("/static/"):
                path = STATIC / url.split("?")[0].removeprefix("/static/")
                assert file_hash(path) == entry["hash"]
                continue
            one, two = first.get(url).data, second.get(url).data
            assert one == two, f"{url} differs between renders"
            assert content_hash(one) == entry["hash"], f"{url} is not what the manifest says"


def test_editing_a_guide_changes_the_version_and_only_its_pages(make_app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    before = build_precache(make_app(CONTENT_DIR=str(content)))
    path = content / "ne" / "ng-agent.md"
    path.write_text(
        path.read_text("utf-8").replace("\nsummary: ", "\nsummary: Edited. ", 1), "utf-8"
    )
    after = build_precache(make_app(CONTENT_DIR=str(content)))
    assert before["ne"]["version"] != after["ne"]["version"]
    assert before["ne"]["content_version"] != after["ne"]["content_version"]
    old = {entry["url"]: entry["hash"] for entry in before["ne"]["entries"]}
    new = {entry["url"]: entry["hash"] for entry in after["ne"]["entries"]}
    assert old.keys() == new.keys()
    changed = {url for url in old if old[url] != new[url]}
    assert "/ne/guides/ng-agent" in changed
    assert "/ne/guides/lw-our-work" not in changed
    assert "/static/fonts/noto-sans-devanagari.woff2" not in changed


def test_worker_file_is_small_next_to_the_budget(client):
    """The worker carries every language's list: it must stay a few KB on the wire."""
    response = client.get("/sw.js", headers={"Accept-Encoding": "gzip"})
    assert len(response.data) < 15_000


# --- offline page -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_offline_page_in_the_language(app, client, lang):
    html = client.get(f"/{lang}/offline").get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert translated(app, lang, "You are offline") in html
    assert translated(app, lang, "You are offline") != "You are offline"


def test_offline_without_a_language_redirects_and_is_never_cached(client):
    response = client.get("/offline?lang=ur")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ur/offline"
    assert response.headers["Cache-Control"] == "no-store"
    assert (
        client.get("/offline", headers={"Accept-Language": "ne"})
        .headers["Location"]
        .endswith("/ne/offline")
    )


# --- compression and cache headers ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/ne/guides/lw-our-work", "/ur/guides/lw-our-work/run", "/ne/log", "/sw.js"],
)
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_pages_and_scripts_are_compressed(client, url, encoding):
    plain = client.get(url).data
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    decoded = (
        gzip.decompress(response.data) if encoding == "gzip" else brotli.decompress(response.data)
    )
    assert decoded == plain
    assert len(response.data) < len(plain) / 2


@pytest.mark.parametrize("filename", ["css/app.css", "js/app.js", "js/runner.js"])
def test_static_text_is_compressed_with_gzip_too(app, client, filename):
    """Chromium offers only gzip and deflate over plain HTTP on some set-ups: gzip must work."""
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename=filename)
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == (STATIC / filename).read_bytes()


@pytest.mark.parametrize("filename", ["fonts/noto-sans.woff2", "icons/icon-192.png"])
def test_compressed_formats_are_sent_as_they_are(client, filename):
    response = client.get(f"/static/{filename}", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / filename).read_bytes()
    response.close()


def test_static_urls_carry_the_file_hash_and_are_cached_for_a_year(app, client):
    with app.test_request_context():
        from flask import url_for

        url = url_for("static", filename="css/app.css")
    digest = file_hash(STATIC / "css" / "app.css")
    assert url == f"/static/css/app.css?v={digest}"
    response = client.get(url)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    response.close()
    for stale in ("/static/css/app.css", "/static/css/app.css?v=0000000000"):
        response = client.get(stale)
        assert response.headers["Cache-Control"] == "no-cache", stale
        response.close()


def test_page_html_uses_hashed_static_urls(client):
    """Every static URL in a page carries the file's current hash, but fonts: fonts.css asks for them
    without one, and a preload must use the very same URL."""
    html = client.get("/ne/guides/lw-our-work").get_data(as_text=True)
    found = re.findall(r'(?:href|src)="/static/([^"?]+)(?:\?v=([0-9a-f]+))?"', html)
    assert any(name == "js/app.js" for name, _ in found)
    for name, version in found:
        if name.startswith("fonts/"):
            continue
        assert version == file_hash(STATIC / name), name


def test_redirects_are_never_cached(client):
    response = client.get("/", headers={"Accept-Language": "ur"})
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "no-store"


def test_unchanging_pages_are_compressed_once_at_full_strength(client):
    """Brotli 11 for pages that are the same on every request, kept: the second answer is the same
    bytes, and smaller than Flask-Compress's everyday setting would make it."""
    url = "/ur/guides/lw-our-work"
    plain = client.get(url).data
    first = client.get(url, headers={"Accept-Encoding": "br"}).data
    second = client.get(url, headers={"Accept-Encoding": "br"}).data
    assert first == second
    assert brotli.decompress(first) == plain
    assert len(first) < len(brotli.compress(plain, quality=6))


def test_manifests_computed_inside_a_request_render_each_page_in_its_own_language(
    make_app, tmp_path
):
    """/sw.js computes out-of-date manifests through the test client: pages it renders (and keeps)
    must not take the language of the request they were rendered from."""
    app = make_app(BUILD_DIR=str(tmp_path))
    client = app.test_client()
    client.get("/ne/guides/lw-our-work")
    assert client.get("/sw.js").status_code == 200
    urdu = client.get("/ur/guides/lw-our-work").get_data(as_text=True)
    assert "मिनेट" not in urdu and "منٹ" in urdu


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_revalidated_static_file_is_304_without_its_body(client, encoding):
    """The worker refetches unversioned scripts with `cache: "no-cache"`: an unchanged file must
    come back as 304 with no body, not downloaded again on a phone's slow link."""
    url = "/static/js/digits.js"
    first = client.get(url, headers={"Accept-Encoding": encoding})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == encoding
    etag = first.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    changed = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": '"other"'})
    assert changed.status_code == 200 and len(changed.get_data()) == len(first.get_data())
