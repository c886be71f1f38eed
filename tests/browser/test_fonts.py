"""Each language's own font really loads (document.fonts.check passes even when none did), and no
other script's font is fetched (fonts.css declares them all; each claims only its script's range)."""

import pytest

from toolkit.languages import FONTS, LANGUAGES, page_fonts

FONT_STATUS = """(family) => {
  const faces = [...document.fonts].filter((face) => face.family.replace(/"/g, '') === family);
  return faces.map((face) => face.status);
}"""


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_guide_page_loads_the_language_font(live_server, page, lang):
    fetched = []
    page.on("request", lambda request: fetched.append(request.url.split("?")[0]))
    page.goto(f"{live_server.url}/{lang}/guides/lw-our-work")
    page.evaluate("document.fonts.ready")
    statuses = page.evaluate(FONT_STATUS, LANGUAGES[lang].font.own_family)
    assert "loaded" in statuses, f"{LANGUAGES[lang].font.own_family} did not load: {statuses}"
    assert page.locator("html").get_attribute("dir") == LANGUAGES[lang].direction
    # What the phone downloads, not document.fonts: the browser process is shared by every test, and
    # a face another test's page used can report "loaded" from its memory without any fetch here.
    others = [font.file for font in FONTS.values() if font not in page_fonts(lang)]
    wrong = [url for url in fetched if url.rsplit("/", 1)[-1] in others]
    assert not wrong, f"a {lang} page fetched another script's or an unchosen font: {wrong}"
    assert any(url.endswith("/" + LANGUAGES[lang].font.file) for url in fetched)
