"""What a reader sees on every page and in every PDF template, in each language, with demo data.

- No dot-like glyph within three characters of a digit in any language: in Urdu "·" reads as the
  zero "۰" ("۶۶۳ · شرکاء" read as 6,630), elsewhere as a decimal point.
- No 0-9 digits and no English words in Nepali and Urdu output, outside an allow-list of codes,
  units and names that are written in Latin letters in those languages too.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from toolkit.coordinator import create_coordinator
from toolkit.db import connect
from toolkit.languages import LANGUAGES
from toolkit.library import library
from toolkit.phones import BROWSERS, SYSTEMS

PASSWORD = "a long demo password"
DOT_LIKE = "\u00b7\u2022\u2219\u22c5\u2027\u30fb\u25cf\u25e6"  # · • ∙ ⋅ ‧ ・ ● ◦
URDU_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
# Written in Latin letters in Nepali and Urdu too: units, paper sizes, file kinds, the names of
# systems, browsers and apps, and how an address starts.
ALLOWED_WORDS = {
    "PDF",
    "CSV",
    "json",
    "MB",
    "KB",
    "QR",
    "PIN",
    "A4",
    "A5",
    "https",
    "JavaScript",
    "Viber",
    "DoFE",
    *(word for name, _ in SYSTEMS + BROWSERS for word in name.split()),
}
ALLOWED_PATTERNS = [
    re.compile(r"\b[\w/]+\.md\b"),  # a document of the repository (docs/DEPLOY.md)
    re.compile(r"https?://\S+"),  # a link to give to someone, as it must be typed
    re.compile(r"\{[a-z_]+\}"),  # a placeholder the page's JavaScript fills in
    re.compile(r"\b\d+\.\d+\.\d+\b"),  # the app version, a code read out to support
    re.compile(r"\b[0-9a-f]{8,}\b"),  # the content version
    re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b"),  # an enrolment code
    re.compile(r"\b[A-Z]+[0-9]+\b"),  # a convention or paper code (C189, A5)
    re.compile(r"\b[A-Z]{3,8}\b"),  # acronyms of offices and lists (BEOE, ILO, NORMLEX)
    re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b"),  # a setting the operator sets (BASE_URL)
]


class VisibleText(HTMLParser):
    """Text a reader sees: not scripts or styles, not what is marked translate="no"; plus the
    placeholders, labels and titles of controls, and the strings the page's JavaScript shows."""

    SKIP = {"script", "style", "template"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}
    ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")

    def __init__(self, lang: str | None = None):
        super().__init__()
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []
        self.json_script = False

    def hidden(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # Text marked as another language is that language on purpose (the language links, a
        # guide shown in English until it is translated).
        other = self.lang and attrs.get("lang") not in (None, self.lang)
        skip = tag in self.SKIP or attrs.get("translate") == "no" or bool(other and tag != "html")
        self.json_script = tag == "script" and attrs.get("type") == "application/json"
        if not self.hidden():
            self.texts += [attrs[name] for name in self.ATTRIBUTES if attrs.get(name)]
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break
        self.json_script = False

    def handle_data(self, data):
        if self.json_script:
            strings = json.loads(data).get("strings", {})
            self.texts += [str(text) for text in strings.values()]
        elif not self.hidden() and data.strip():
            self.texts.append(data)


def visible_texts(html: str, lang: str | None = None) -> list[str]:
    parser = VisibleText(lang)
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts]


def dots_beside_digits(text: str) -> list[str]:
    """Each dot-like glyph within three characters of a digit, with its surroundings."""
    found = []
    for index, char in enumerate(text):
        near = text[max(0, index - 3) : index + 4]
        if char in DOT_LIKE and any(c.isdigit() for c in near):
            found.append(near)
        elif char == "." and any(c in URDU_DIGITS for c in near):
            found.append(near)  # in Urdu digits a full stop is a zero
    return found


def foreign_bits(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """0-9 digits and English words outside the allow-list (and the people's `names`)."""
    for pattern in ALLOWED_PATTERNS:
        text = pattern.sub(" ", text)
    words = re.findall(r"[A-Za-z][A-Za-z0-9'’]*", text)
    return [w for w in words if w not in ALLOWED_WORDS | names] + re.findall(
        r"(?<![A-Za-z])[0-9]+", text
    )


# --- the pages and templates, rendered once for the module --------------------------------------


@pytest.fixture(scope="module")
def rendered(make_app) -> dict[str, dict[str, str]]:
    """{lang: {what: html}} for every page a facilitator or coordinator sees, and the PDFs' HTML."""
    app = make_app(WTF_CSRF_ENABLED=False)
    database = app.config["DATABASE"]
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    db = connect(database)
    for lang in LANGUAGES:
        create_coordinator(db, f"c-{lang}", PASSWORD, role="admin", lang=lang)
    device = next(db["devices"].rows)
    person = next(db["facilitators"].rows)
    # Facilitators' names are written as their people write them, in any script.
    names = frozenset(
        word for row in db["facilitators"].rows for word in re.findall(r"\w+", row["name"])
    )
    db.conn.close()
    pages: dict = {"names": names}
    for lang in LANGUAGES:
        client = app.test_client()
        found = pages[lang] = {}
        urls = [f"/{lang}/", f"/{lang}/log", f"/{lang}/enrol", f"/{lang}/offline"]
        with app.app_context():
            slugs = [guide.slug for guide, _ in library().for_language(lang)]
        for slug in slugs:
            urls += [f"/{lang}/guides/{slug}", f"/{lang}/guides/{slug}/run"]
        response = client.post(
            "/coordinator/login", data={"username": f"c-{lang}", "password": PASSWORD}
        )
        assert response.status_code == 302
        urls += [
            "/coordinator/",
            "/coordinator/?start=2026-09&end=2026-11",
            "/coordinator/facilitators",
            f"/coordinator/devices/{device['id']}/withdraw",
            "/coordinator/attention",
            "/coordinator/import",
            "/coordinator/password",
            "/coordinator/export/logs.csv",
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            found[url] = response.get_data(as_text=True)
        code_page = client.post(f"/coordinator/facilitators/{person['id']}/enrol")
        found["enrolment code page"] = code_page.get_data(as_text=True)
        found.update(pdf_templates(app, client, lang))
    return pages


def pdf_templates(app, client, lang: str) -> dict[str, str]:
    """The HTML that goes to WeasyPrint: a handout, the booklet and the coordinator's report."""
    from flask_babel import force_locale

    from toolkit import pdf, printing

    found = {}
    with app.test_request_context(), force_locale(lang):
        guides = printing.booklet_guides(lang, None)
        for guide, fallback in guides:
            found[f"handout {guide.slug}"] = pdf.handout_page_html(guide, lang, "a4", fallback)
        found["booklet"] = pdf.in_language(lang, pdf.booklet_html, guides, lang)
    captured = []
    original = pdf.write_pdf
    pdf.write_pdf = lambda html, **kwargs: captured.append(html) or b"%PDF"
    try:
        for query in ("", "?start=2026-09&end=2026-11"):
            assert client.get("/coordinator/export/report.pdf" + query).status_code == 200
    finally:
        pdf.write_pdf = original
    found["report"], found["report for a period"] = captured
    return found


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_no_dot_like_glyph_beside_a_digit_on_any_page_or_pdf(rendered, lang):
    problems = {
        what: found
        for what, html in rendered[lang].items()
        if (found := [near for text in visible_texts(html) for near in dots_beside_digits(text)])
    }
    assert problems == {}


@pytest.mark.parametrize("lang", ["ne", "ur"])
def test_no_latin_digits_or_english_words_in_nepali_and_urdu_output(rendered, lang):
    names = rendered["names"]
    problems = {
        what: sorted(set(found))
        for what, html in rendered[lang].items()
        if (
            found := [
                bit for text in visible_texts(html, lang) for bit in foreign_bits(text, names)
            ]
        )
    }
    assert problems == {}


def test_the_scanner_finds_what_it_is_for():
    assert dots_beside_digits("۶۶۳ · شرکاء") == ["۶۳ · شر"]
    assert dots_beside_digits("10 steps — 75 minutes") == []
    assert dots_beside_digits("۰.۲.۰") and not dots_beside_digits("0.2.0")
    assert foreign_bits("۸ حروف، 8 PM") == ["PM", "8"]
    assert foreign_bits("ACDE-FGHJ، PDF، Android، 0.2.0، 4cd7a9298c9d") == []
    texts = visible_texts(
        '<p title="8">a<script>9</script><span translate="no">beoe.gov.pk 7</span></p>'
        '<script type="application/json">{"strings": {"x": "6 PM"}}</script>'
    )
    assert texts == ["8", "a", "6 PM"]


def test_numbers_in_guides_are_native_but_codes_and_addresses_stay_as_written():
    from toolkit.content.text import native_numbers, running_text_html

    assert native_numbers("सी 189, C189, COVID-19, A5, 2025-26", "ne") == (
        "सी १८९, C189, COVID-19, A5, २०२५-२६"
    )
    assert native_numbers("1.5 لاکھ", "ur") == "۱٫۵ لاکھ"  # a dot beside Urdu digits reads as 0
    html = running_text_html("beoe.gov.pk/list-of-oeps پر 2025", "ur")
    assert '<span class="url" dir="ltr" translate="no">beoe.gov.pk/list-of-oeps</span>' in html
    assert html.endswith("پر ۲۰۲۵")
    assert native_numbers("1.5 at dofe.gov.np", "en") == "1.5 at dofe.gov.np"
