"""The precache manifest: what a phone must hold to work offline in one language, with hashes.

No request and no Flask import (an app is only walked): `page_urls` finds the pages of a language
in the app's URL map and the content library, `precache_manifest` renders them through the test
client and follows them to the static files they use; build.py writes `build_precache` as one JSON
file per language into BUILD_DIR (toolkit/build/offline_pack.py), and `load_precache` reads them
back for /sw.js (pwa.py), or computes them here when build.py has not run since a change.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .languages import FONTS, LANGUAGES, page_fonts
from .version import APP_VERSION

if TYPE_CHECKING:
    from flask import Flask

HASH_LENGTH = 12
_HTML_REF = re.compile(r'(?:href|src)="/static/([^"?#]+)(\?v=)?')
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')?#]+)""")
_JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}/[^"']+)["']""")
# Pages never cached: they carry per-person data, tokens or files, or are not pages at all.
NOT_PAGES = re.compile(r"^/(api|coordinator|static)(/|$)|/coordinator(/|$)")


def content_hash(data: bytes) -> str:
    """The short hash that names one version of a file or page."""
    return hashlib.sha256(data).hexdigest()[:HASH_LENGTH]


_file_hashes: dict[str, tuple[int, int, str]] = {}


def file_hash(path: Path) -> str | None:
    """The content hash of a file, recomputed only when it changes; None if it does not exist."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = str(path)
    cached = _file_hashes.get(key)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    digest = content_hash(path.read_bytes())
    _file_hashes[key] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def static_files(static_dir: Path, lang: str, pages: list[bytes]) -> dict[str, bool]:
    """The files under static/ that `pages` (of `lang`) use → whether they are asked for by `?v=` URL.

    Followed from the pages' `href`/`src` (versioned when the page asks with `?v=`), into
    stylesheets' `url()` and modules' `import`s (plain URLs, as the browser asks for them). Of the
    fonts, only the page's are kept (the language's own and the source language's for Latin text):
    the others only match other scripts (`unicode-range`); a reader font (Naskh) is downloaded when
    a reader chooses it.
    """
    skipped = {font.file for font in FONTS.values()} - {font.file for font in page_fonts(lang)}
    found: dict[str, bool] = {}
    queue = [
        (ref, bool(versioned))
        for page in pages
        for ref, versioned in _HTML_REF.findall(page.decode("utf-8"))
    ]
    while queue:
        relative, versioned = queue.pop(0)
        path = static_dir / relative
        if path.name in skipped or not path.is_file():
            continue
        if relative in found:
            found[relative] = found[relative] or versioned
            continue
        found[relative] = versioned
        if path.suffix in (".css", ".js"):
            pattern = _CSS_URL if path.suffix == ".css" else _JS_IMPORT
            for ref in pattern.findall(path.read_text("utf-8")):
                if ref.startswith("."):
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(relative), ref))
                    queue.append((target, False))
    return dict(sorted(found.items()))


def page_urls(app: Flask, lang: str) -> list[str]:
    """Every page of `lang` in the URL map: routes taking only `lang`, or `lang` and a guide `slug`.

    Routes ending in a file name (PDFs, JSON), API and coordinator routes, and routes with any other
    argument (e.g. `/<lang>/log/<id>`, served offline from the `/<lang>/log` shell) are left out.
    """
    library = app.extensions["toolkit.library"]
    slugs = [guide.slug for guide, _fallback in library.for_language(lang)]
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        if "GET" not in (rule.methods or ()) or "lang" not in arguments:
            continue
        if not arguments <= {"lang", "slug"} or NOT_PAGES.search(rule.rule):
            continue
        if "." in rule.rule.rsplit("/", 1)[-1]:
            continue
        for slug in slugs if "slug" in arguments else [None]:
            values = {"lang": lang} if slug is None else {"lang": lang, "slug": slug}
            built = rule.build(values, append_unknown=False)
            if built and built[1] not in urls:
                urls.append(built[1])
    return urls


def precache_manifest(app: Flask, lang: str) -> list[dict[str, str]]:
    """[{url, hash}] of everything a phone needs to work offline in `lang`: pages, then files.

    Pages are rendered through the test client and hashed; only `200 text/html` answers are kept, so
    redirects, errors and routes that need a login never enter the cache.
    """
    client = app.test_client()
    pages = {}
    # The offline page of every language too (1-2 KB each): a link in another language, opened
    # offline, then says so in that language.
    others = [f"/{other}/offline" for other in LANGUAGES if other != lang]
    for url in page_urls(app, lang) + others:
        # A fresh app context per page: called inside a request (/sw.js when the manifests are out
        # of date), the client's requests would otherwise share that request's `g`, and with it
        # Flask-Babel's cached locale, and pages of one language were rendered (and kept by
        # rendered_once) in another.
        with app.app_context():
            response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[url] = response.get_data()
    static_dir = Path(app.static_folder)
    entries = [{"url": url, "hash": content_hash(body)} for url, body in pages.items()]
    for relative, versioned in static_files(static_dir, lang, list(pages.values())).items():
        digest = file_hash(static_dir / relative)
        url = f"{app.static_url_path}/{relative}"
        entries.append({"url": f"{url}?v={digest}" if versioned else url, "hash": digest})
    return entries


def build_precache(app: Flask) -> dict:
    """The precache manifests of every language, with the version they make together."""
    library = app.extensions["toolkit.library"]
    packs = {lang: precache_manifest(app, lang) for lang in LANGUAGES}
    digest = content_hash(json.dumps(packs, sort_keys=True).encode())[:8]
    version = f"{APP_VERSION}-{library.version[:8]}-{digest}"
    return {
        lang: {
            "lang": lang,
            "app_version": APP_VERSION,
            "content_version": library.version,
            "version": version,
            "entries": entries,
        }
        for lang, entries in packs.items()
    }


def _is_current(app: Flask, packs: dict) -> bool:
    """Whether manifests match this app: same app and content versions, same static files."""
    library = app.extensions["toolkit.library"]
    static_dir, prefix = Path(app.static_folder), app.static_url_path + "/"
    for pack in packs.values():
        if pack["app_version"] != APP_VERSION or pack["content_version"] != library.version:
            return False
        for entry in pack["entries"]:
            if entry["url"].startswith(prefix):
                relative = entry["url"].split("?")[0].removeprefix(prefix)
                if file_hash(static_dir / relative) != entry["hash"]:
                    return False
    return True


# Manifests computed in this process (dev servers and tests that never ran build.py), by what they
# depend on: the content, the routes and the static files.
_computed: dict[tuple, dict] = {}


def load_precache(app: Flask) -> dict:
    """The manifests build.py wrote; computed here (with a warning) if missing or out of date."""
    folder = Path(app.config["BUILD_DIR"]) / "precache"
    try:
        packs = {
            lang: json.loads((folder / f"{lang}.json").read_text("utf-8")) for lang in LANGUAGES
        }
    except (OSError, ValueError, KeyError):
        packs = None
    if packs is not None and _is_current(app, packs):
        return packs
    static_dir = Path(app.static_folder)
    key = (
        app.config["CONTENT_DIR"],
        app.extensions["toolkit.library"].version,
        tuple(sorted(rule.rule for rule in app.url_map.iter_rules())),
        tuple(sorted((str(path), path.stat().st_mtime_ns) for path in static_dir.rglob("*"))),
    )
    if key not in _computed:
        app.logger.warning(
            "precache manifest in %s is missing or out of date: run build.py", folder
        )
        _computed[key] = build_precache(app)
    return _computed[key]
