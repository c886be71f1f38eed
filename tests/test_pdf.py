"""Handout and booklet PDFs: valid, the right fonts embedded, the right text, numbered, cached.

Any WeasyPrint log record of WARNING or above fails the test that caused it (WeasyPrint reports
bad CSS, missing fonts and unreadable resources through its logger, not through Python warnings).
pdftotext breaks Nastaliq into fragments, and cannot read Devanagari back from WeasyPrint's PDFs
either (see test_nepali_pdf_text_reads_back): PDF text is checked in English; Nepali and Urdu text
is checked in the HTML that goes to WeasyPrint, and their rendering by fonts, page numbers (digits
read back fine) and golden images.

Golden images: `python -m tests.test_pdf --update-golden` re-renders tests/golden/*.png from the
frozen guides in tests/golden/<lang>/ (frozen so that content edits do not move the goldens).
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit import create_app, pdf, pdf_cache
from toolkit.build import pdfs
from toolkit.content import load_library
from toolkit.content.parse import parse_guide
from toolkit.languages import LANGUAGES, OWN_FAMILY_PREFIX, ascii_digits, native_digits

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
COMPLETE_GUIDES = ("lw-our-work", "ko-recruitment", "ng-agent")
# Mean absolute difference per channel (0-255) below which two page images count as the same.
GOLDEN_TOLERANCE = 0.05
LIBRARY = load_library(ROOT / "content")


@pytest.fixture(scope="module")
def pdf_app(make_app):
    """One app for the module, so each booklet set is rendered once and then served from disk."""
    return make_app()


@pytest.fixture
def pdf_client(pdf_app):
    return pdf_app.test_client()


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def weasyprint_log():
    """Fail on any record of WARNING or above from the `weasyprint` logger (fontTools' don't count)."""
    handler = _Records()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)
    messages = [f"{r.levelname}: {r.getMessage()}" for r in handler.records]
    assert not messages, f"WeasyPrint reported problems: {messages}"


def run(*args: str, data: bytes | None = None) -> str:
    """Run a poppler tool on PDF bytes given on stdin (as '-'); return its output."""
    result = subprocess.run([*args], input=data, capture_output=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode()


def pdf_info(data: bytes) -> dict[str, str]:
    """pdfinfo's fields; fails on anything poppler cannot parse."""
    result = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Syntax Error" not in result.stderr, result.stderr.decode(errors="replace")
    lines = result.stdout.decode().splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def fetch_pdf(client, url: str) -> bytes:
    with client.get(url) as response:  # send_file streams from disk: close the file
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf"
        data = response.get_data()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert int(pdf_info(data)["Pages"]) >= 1
    return data


def pdf_text(data: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    text = run("pdftotext", "-enc", "UTF-8", "-", "-", data=data)
    return [" ".join(page.split()) for page in text.split("\f")]


def plain(markdown: str) -> list[str]:
    """The lines of a block's markdown source as they read on paper."""
    lines = []
    for line in markdown.splitlines():
        line = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line)
        line = re.sub(r"[*_`]", "", line).strip()
        if line:
            lines.append(" ".join(line.split()))
    return lines


def fonts(data: bytes) -> list[dict[str, str]]:
    """pdffonts rows: name, emb, sub."""
    rows = run("pdffonts", "-", data=data).splitlines()[2:]
    found = []
    for row in rows:
        parts = row.split()
        # name type... encoding emb sub uni object ID: the last five columns are fixed.
        found.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return found


def booklet_urls() -> list[str]:
    urls = []
    for lang in LANGUAGES:
        urls.append(f"/{lang}/booklet.pdf")
        modules = dict.fromkeys(guide.module for guide, _ in LIBRARY.for_language(lang))
        urls += [f"/{lang}/modules/{module}/booklet.pdf" for module in modules]
    return urls


# --- Valid PDFs --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("slug", COMPLETE_GUIDES)
def test_handout_is_a_valid_a4_pdf(pdf_client, lang, slug):
    data = fetch_pdf(pdf_client, f"/{lang}/guides/{slug}/handout.pdf")
    assert "(A4)" in pdf_info(data)["Page size"]


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_handout_file_name_and_document_title_are_neutral(pdf_client, lang):
    """What a phone's downloads list or a printer queue shows never says "agent" or "recruitment"."""
    for slug in ("ng-agent", "ko-recruitment", "ng-employer"):
        with pdf_client.get(f"/{lang}/guides/{slug}/handout.pdf") as response:
            assert response.status_code == 200
            disposition = response.headers["Content-Disposition"]
            data = response.get_data()
        guide, _ = LIBRARY.get(lang, slug)
        assert slug not in disposition and f"-{lang}-a4.pdf" in disposition
        assert not any(word in disposition for word in ("agent", "recruit", "employer"))
        assert pdf_info(data)["Title"] == guide.handout_title
    with pdf_client.get("/en/guides/ng-agent/handout.pdf?size=a5") as response:
        disposition = response.headers["Content-Disposition"]
    assert "asking-good-questions-before-paying-en-a5.pdf" in disposition


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_handout_comes_in_a5(pdf_client, lang):
    data = fetch_pdf(pdf_client, f"/{lang}/guides/ng-agent/handout.pdf?size=a5")
    width, _, height = pdf_info(data)["Page size"].split()[:3]
    assert (round(float(width)), round(float(height))) == (420, 595)  # A5: 148 x 210 mm


@pytest.mark.parametrize("url", booklet_urls())
def test_booklet_is_a_valid_pdf_with_every_guide(pdf_client, url):
    data = fetch_pdf(pdf_client, url)
    lang = url.split("/")[1]
    module = url.split("/")[3] if "/modules/" in url else None
    guides = [g for g, _ in LIBRARY.for_language(lang) if module in (None, g.module)]
    pages = int(pdf_info(data)["Pages"])
    assert pages >= len(guides) + 2  # cover, contents, at least a page per guide
    if lang != "en":
        return  # pdftotext cannot read ne or ur back: fonts and page numbers are checked below
    text = " ".join(pdf_text(data))
    for guide in guides:
        assert guide.title in text
        # All blocks, facilitator notes included, are in the booklet.
        for block in guide.blocks_of("note")[:1]:
            assert plain(block.text)[0] in text


# --- Fonts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "family"),
    [("ne", "Noto-Sans-Devanagari"), ("ur", "Noto-Nastaliq-Urdu"), ("en", "Noto-Sans")],
)
def test_language_font_is_embedded_subset_and_the_only_kind(pdf_client, lang, family):
    for url in (f"/{lang}/guides/lw-our-work/handout.pdf", f"/{lang}/booklet.pdf"):
        rows = fonts(fetch_pdf(pdf_client, url))
        names = [row["name"].split("+", 1)[-1] for row in rows]
        assert f"{OWN_FAMILY_PREFIX.strip()}-{family}" in names, (url, names)
        assert all(row["emb"] == "yes" and row["sub"] == "yes" for row in rows), (url, rows)
        # Every glyph came from the toolkit's own WOFF2 files, never a system font (Kufi, DejaVu).
        assert all(name.startswith("Toolkit-Noto-") for name in names), (url, names)


# --- What a handout says, and never says -------------------------------------------------------


def facilitator_lines(guide, kinds=("note", "say")) -> list[str]:
    """Lines only the facilitator may see: in those blocks and not also in handout or facts."""
    shared = " ".join(line for b in guide.blocks_of("handout", "facts") for line in plain(b.text))
    lines = [line for block in guide.blocks_of(*kinds) for line in plain(block.text)]
    # Skip short lines ("Welcome.") that could occur anywhere.
    return [line for line in lines if len(line) > 25 and line not in shared]


# Urdu handouts are checked on the HTML below and read back by test_urdu_handout_text_reads_back….
@pytest.mark.parametrize("lang", ["en", "ne"])
@pytest.mark.parametrize("slug", COMPLETE_GUIDES)
def test_handout_has_title_and_handout_text_and_no_facilitator_text(pdf_client, lang, slug):
    guide, _ = LIBRARY.get(lang, slug)
    text = " ".join(pdf_text(fetch_pdf(pdf_client, f"/{lang}/guides/{slug}/handout.pdf")))
    assert guide.handout_title in text
    if guide.handout_title != guide.title:
        assert guide.title not in text, "the facilitator's title is on paper that goes home"
    for block in guide.blocks_of("handout"):
        for line in plain(block.text):
            assert line in text
    leaked = [line for line in facilitator_lines(guide) if line in text]
    assert not leaked, f"facilitator text on the participants' handout: {leaked}"


@pytest.mark.parametrize("lang", ["ne", "ur"])
@pytest.mark.parametrize("slug", COMPLETE_GUIDES)
def test_handout_html_has_handout_text_and_no_facilitator_text(pdf_app, lang, slug):
    guide, fallback = LIBRARY.get(lang, slug)
    assert not fallback
    with pdf_app.app_context():
        html = pdf.handout_page_html(guide, lang, "a4", fallback)
    assert f'lang="{lang}" dir="{LANGUAGES[lang].direction}"' in html
    assert guide.handout_title in html
    for block in guide.blocks_of("handout", "facts"):
        assert block.html in html
    for block in guide.blocks_of("note", "say", "do", "ask"):
        assert block.html not in html
    leaked = [line for line in facilitator_lines(guide, ("note", "say", "do")) if line in html]
    assert not leaked, f"facilitator text on the participants' handout: {leaked}"


def test_urdu_handout_text_reads_back_in_reading_order(pdf_app):
    """pdftotext reads Urdu lines right to left as written, numbers and web addresses whole.

    The lines' /ActualText is in visual order (`_visual_text` in toolkit/pdf_text.py): with the
    logical text, pdftotext returned every line reversed.
    """
    guide, _ = LIBRARY.get("ur", "ng-agent")
    with pdf_app.app_context():
        text = " ".join(pdf_text(pdf.handout_pdf(guide, "ur", "a4", False)))
    # Spaces beside a comma between right-to-left words move in poppler's output; letters do not.
    squeezed = ascii_digits(re.sub(r"[\s\u202a-\u202e]", "", text))
    lines = [guide.handout_title] + [
        line for b in guide.blocks_of("handout") for line in plain(b.text)
    ]
    assert [line for line in lines if re.sub(r"\s", "", line) not in squeezed] == []
    assert "beoe.gov.pk/list-of-oeps" in text and "2025" in squeezed


def test_nepali_pdf_text_reads_back(pdf_app):
    """Conjuncts and pre-base vowel signs read back as written (the lines carry /ActualText)."""
    guide = golden_guide("ne")
    with pdf_app.app_context():
        text = " ".join(pdf_text(pdf.handout_pdf(guide, "ne", "a4", False)))
    lines = [guide.handout_title] + [
        line for b in guide.blocks_of("handout") for line in plain(b.text)
    ]
    assert [line for line in lines if line not in text] == []


def test_handout_shows_when_facts_were_checked(pdf_app, pdf_client):
    text = " ".join(pdf_text(fetch_pdf(pdf_client, "/en/guides/lw-our-work/handout.pdf")))
    assert "Facts checked in November 2025" in text
    guide, _ = LIBRARY.get("ne", "lw-our-work")
    with pdf_app.app_context():
        html = pdf.handout_page_html(guide, "ne", "a4", False)
    assert "यी तथ्य नोभेम्बर २०२५ मा जाँचिएका हुन्" in html


# --- Page numbers ------------------------------------------------------------------------------


def footer_numbers(data: bytes) -> list[str]:
    """The text in each page's bottom margin (the page number box), page by page."""
    xml = run("pdftotext", "-bbox", "-", "-", data=data)
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S):
        height = float(page.group(2))
        words = re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page.group(3)
        )
        pages.append("".join(word for y, word in words if float(y) > height - 40))
    return pages


def module_starts(pages: list[str], lang: str) -> list[int]:
    """Indexes of the module covers in a full booklet (after its own cover and contents)."""
    return [i for i, page in enumerate(pages) if i > 1 and MODULE_COVER[lang] in page]


MODULE_COVER = {"en": "Facilitator booklet", "ne": "सहजकर्ता पुस्तिका", "ur": "سہولت کار کتابچہ"}


@pytest.mark.parametrize("lang", ["ur", "ne"])
def test_module_booklet_pages_are_numbered_from_1_in_the_language_digits(pdf_client, lang):
    module = LIBRARY.for_language(lang)[-1][0].module
    numbers = footer_numbers(fetch_pdf(pdf_client, f"/{lang}/modules/{module}/booklet.pdf"))
    assert numbers[0] == ""  # the cover is page 1 and carries no number
    expected = [native_digits(page, lang) for page in range(2, len(numbers) + 1)]
    assert numbers[1:] == expected


def guide_start(pages: list[str], guide, start: int = 0) -> int:
    """Index of the (English) page a guide starts on: its kicker ('… — 75 minutes'), then its title."""
    opening = f"{LANGUAGES['en'].separator.strip()} {guide.minutes} minutes {guide.title}"
    return next(i for i, page in enumerate(pages) if i >= start and opening in page)


def listed_page(contents: str, title: str) -> str:
    """The page number the contents give for a title (the word after the leader dots)."""
    found = re.search(re.escape(title) + r"[\s.]*(\S+)", contents)
    assert found, f"{title} is not in the contents"
    return found.group(1)


def test_full_booklet_is_the_module_booklets_and_its_contents_give_their_pages(pdf_client):
    data = fetch_pdf(pdf_client, "/en/booklet.pdf")
    pages, numbers = pdf_text(data), footer_numbers(data)
    assert numbers[:2] == ["", ""]  # its own cover and contents
    modules = list(dict.fromkeys(g.module for g, _ in LIBRARY.for_language("en")))
    starts = module_starts(pages, "en")
    assert len(starts) == len(modules)
    for module, start in zip(modules, starts, strict=True):
        alone = pdf_text(fetch_pdf(pdf_client, f"/en/modules/{module}/booklet.pdf"))[:-1]
        # The module's pages, numbers included, are the same in both prints.
        assert pages[start : start + len(alone)] == alone
        for guide in (g for g, _ in LIBRARY.for_language("en") if g.module == module):
            number = str(guide_start(alone, guide) + 1)
            assert listed_page(alone[1], guide.title) == number
            assert numbers[guide_start(pages, guide, start)] == number
            assert number in pages[1]


# --- Cache and routes --------------------------------------------------------------------------


def test_cached_pdf_is_served_from_disk_without_rendering(app, client, monkeypatch):
    first = fetch_pdf(client, "/en/guides/lw-our-work/handout.pdf")
    cached = list(Path(app.config["PDF_CACHE_DIR"]).glob("en/handout.lw-our-work.a4.*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == first

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again instead of serving the cached PDF")

    monkeypatch.setattr(pdf, "write_pdf", no_rendering)
    monkeypatch.setattr(pdf, "_render", no_rendering)
    assert fetch_pdf(client, "/en/guides/lw-our-work/handout.pdf") == first
    with client.get("/en/guides/lw-our-work/handout.pdf") as response:
        etag = response.headers["ETag"]
    url = "/en/guides/lw-our-work/handout.pdf"
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304


def test_changed_guide_gets_a_new_pdf_and_the_old_one_goes(tmp_path):
    guide, _ = LIBRARY.get("en", "lw-our-work")
    cache = pdf_cache.PdfCache(tmp_path)
    old = pdf_cache.handout_key(guide, "en", "a4", app_version="1", fingerprint="f")
    edited = dataclasses.replace(guide, source_hash="0" * 16)
    new = pdf_cache.handout_key(edited, "en", "a4", app_version="1", fingerprint="f")
    assert new != old
    assert pdf_cache.handout_key(guide, "en", "a4", app_version="2", fingerprint="f") != old
    assert pdf_cache.handout_key(guide, "en", "a5", app_version="1", fingerprint="f") != old
    cache.put(old, b"%PDF-old")
    cache.put(new, b"%PDF-new")
    assert cache.get(old) is None and cache.get(new).read_bytes() == b"%PDF-new"


@pytest.mark.parametrize(
    "url",
    [
        "/ne/guides/no-such-guide/handout.pdf",
        "/ne/modules/no-such-module/booklet.pdf",
        "/xx/booklet.pdf",
        "/xx/guides/lw-our-work/handout.pdf",
        "/ne/guides/lw-our-work/handout.pdf?size=letter",
    ],
)
def test_unknown_guide_module_language_or_size_is_404(client, url):
    assert client.get(url).status_code == 404


def test_guide_page_links_to_its_handout(client):
    page = client.get("/ne/guides/lw-our-work").get_data(as_text=True)
    assert 'href="/ne/guides/lw-our-work/handout.pdf"' in page
    assert 'href="/ne/guides/lw-our-work/handout.pdf?size=a5"' in page
    assert "पर्चा छाप्नुहोस्" in page


def test_index_links_to_the_booklets(client):
    page = client.get("/ur/").get_data(as_text=True)
    assert 'href="/ur/booklet.pdf"' in page
    for module in dict.fromkeys(guide.module for guide, _ in LIBRARY.for_language("ur")):
        assert f'href="/ur/modules/{module}/booklet.pdf"' in page
    assert "سہولت کار کا کتابچہ" in page


# --- Logging, laziness, prebuild ---------------------------------------------------------------


def test_weasyprint_problems_are_caught(weasyprint_log):
    pdf.write_pdf("<p style='colour: red'>bad property</p>")
    assert any("colour" in record.getMessage() for record in weasyprint_log)
    weasyprint_log.clear()  # expected here; any other test with such a record fails


def test_create_app_does_not_import_weasyprint(tmp_path):
    code = (
        "import sys; from toolkit import create_app; "
        f"create_app({{'TESTING': True, 'DATABASE': r'{tmp_path / 'db.sqlite'}'}}); "
        "print('weasyprint' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_prebuild_renders_with_two_processes_then_serves_from_disk(
    app, client, monkeypatch, start_method
):
    jobs = [
        pdfs.PrintJob("handout", "en", "lw-our-work"),
        pdfs.PrintJob("handout", "ur", "ng-agent"),
    ]
    seen = []
    result = pdfs.prebuild(
        app, processes=2, jobs=jobs, progress=lambda *a: seen.append(a), start_method=start_method
    )
    assert (result.total, result.rendered, result.warnings) == (2, 2, [])
    assert [done for done, _, _ in seen] == [1, 2]
    monkeypatch.setattr(pdf, "_render", lambda *a, **k: pytest.fail("rendered again"))
    fetch_pdf(client, "/en/guides/lw-our-work/handout.pdf")
    fetch_pdf(client, "/ur/guides/ng-agent/handout.pdf")


def test_print_jobs_cover_every_handout_and_each_languages_booklets(app):
    jobs = pdfs.print_jobs(app)
    assert sorted((j.lang, j.name) for j in jobs if j.kind == "handout") == sorted(
        (lang, slug) for lang in LANGUAGES for slug in LIBRARY.slugs()
    )
    assert sorted(j.lang for j in jobs if j.kind == "booklets") == sorted(LANGUAGES)
    assert {j.size for j in jobs} == {"a4"}


# --- Golden images -----------------------------------------------------------------------------


def golden_guide(lang: str):
    guide, problems = parse_guide(GOLDEN / lang / "lw-our-work.md", lang)
    assert guide is not None, problems
    return guide


def first_page_png(data: bytes) -> bytes:
    """Page 1 at 50 dpi, as pdftoppm draws it."""
    result = subprocess.run(
        ["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def image_difference(png_a: bytes, png_b: bytes) -> float:
    """Mean absolute difference per channel (0-255); infinite when the sizes differ."""
    from PIL import Image, ImageChops, ImageStat

    a = Image.open(io.BytesIO(png_a)).convert("RGB")
    b = Image.open(io.BytesIO(png_b)).convert("RGB")
    if a.size != b.size:
        return float("inf")
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def render_golden(app, lang: str, guide=None) -> bytes:
    with app.app_context():
        return first_page_png(pdf.handout_pdf(guide or golden_guide(lang), lang, "a4", False))


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_handout_first_page_matches_golden_image(pdf_app, lang):
    golden = (GOLDEN / f"handout-{lang}-lw-our-work.png").read_bytes()
    difference = image_difference(render_golden(pdf_app, lang), golden)
    assert difference < GOLDEN_TOLERANCE, (
        f"page 1 of the {lang} handout differs from tests/golden (mean {difference:.2f}); look at "
        "it, and if the change is intended run: python -m tests.test_pdf --update-golden"
    )


def test_golden_comparison_fails_on_a_changed_page(pdf_app):
    golden = (GOLDEN / "handout-ne-lw-our-work.png").read_bytes()
    guide = golden_guide("ne")
    retitled = dataclasses.replace(guide, handout_title=guide.handout_title.replace("जीवन", "घर"))
    assert image_difference(render_golden(pdf_app, "ne", retitled), golden) >= GOLDEN_TOLERANCE
    assert image_difference(render_golden(pdf_app, "ur"), golden) >= GOLDEN_TOLERANCE


def update_goldens() -> None:
    app = create_app({"TESTING": True})
    for lang in ("ne", "ur"):
        path = GOLDEN / f"handout-{lang}-lw-our-work.png"
        path.write_bytes(render_golden(app, lang))
        print(f"wrote {path.relative_to(ROOT)}: look at it before committing")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update-golden"]:
        sys.exit("usage: python -m tests.test_pdf --update-golden")
    update_goldens()


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_draft_notice_is_in_the_booklet_but_not_on_the_participants_handout(pdf_app, lang):
    from flask_babel import force_locale

    from toolkit import pdf

    guide, _ = LIBRARY.get(lang, "ng-agent")
    assert guide.translation == "draft"
    with pdf_app.test_request_context(), force_locale(lang):
        handout = pdf.handout_page_html(guide, lang, "a4", False)
        booklet = pdf.in_language(lang, pdf.booklet_html, [(guide, False)], lang)
    assert "marker-draft" not in handout
    assert "marker-draft" in booklet
