"""The text layer of a PDF: what copying, searching, a screen reader or `pdftotext` read back.

WeasyPrint maps each glyph to one Unicode string; for shaped scripts (Devanagari conjuncts, joined
Arabic letters) that text is wrong. `mark_lines_with_actual_text` gives every such line its real
text; pdf.py calls it once per process before the first render.
"""

from __future__ import annotations

import re

from .languages import FONTS

# Scripts whose glyphs do not map one-to-one to characters (Devanagari conjuncts and pre-base vowel
# signs, joined Arabic letters): the script blocks of the language table's fonts.
_SHAPED = dict.fromkeys(f"{chr(a)}-{chr(b)}" for font in FONTS.values() for a, b in font.script)
_SHAPED_SCRIPTS = re.compile(f"[{''.join(_SHAPED)}]")


def mark_lines_with_actual_text() -> None:
    """Give every line of shaped script its real text, so PDF text extraction reads it right.

    WeasyPrint maps each glyph to one Unicode string, taken from the first cluster the glyph is drawn
    in; in Devanagari the same glyph stands in different clusters, so copying, searching or a screen
    reader got "जीविन" for "जीवन". Wrapping each line in a marked-content span with /ActualText (PDF
    1.5) carries the real text beside the glyphs. WeasyPrint has no hook for this: wrap its
    line-drawing function once per process.

    Extractors lay the span's characters out left to right across the line and then apply their own
    right-to-left ordering, so a logical Urdu string came out of pdftotext reversed. The text of a
    line with right-to-left runs is therefore given in visual order (see `_visual_text`): poppler
    (pdftotext, Evince, Okular) then reads it back in reading order; PDFium (Chrome) gives each word
    right but the words of a line in visual order, as it did with no way to do better from one span.
    """
    import pydyf
    from weasyprint.draw import text as draw_text

    original = draw_text.draw_first_line
    if getattr(original, "toolkit_actual_text", False):
        return

    def draw_first_line(stream, textbox, *args, **kwargs):
        if not _SHAPED_SCRIPTS.search(textbox.text):
            return original(stream, textbox, *args, **kwargs)
        actual = pydyf.Dictionary({"ActualText": pydyf.String(_visual_text(textbox))})
        stream.begin_marked_content("Span", actual)
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw_first_line.toolkit_actual_text = True
    draw_text.draw_first_line = draw_first_line


def _visual_text(textbox) -> str:
    """The line's text in the order Pango drew it: its runs left to right, right-to-left runs
    reversed. A line with no right-to-left run is returned as it is."""
    from weasyprint.text.ffi import ffi

    layout = textbox.pango_layout
    data = layout.text.encode("utf-8")
    line, _index = layout.get_first_line()
    parts, rtl = [], False
    run = line.runs
    while run != ffi.NULL:
        item = ffi.cast("PangoGlyphItem *", run.data).item
        part = data[item.offset : item.offset + item.length].decode("utf-8", "replace")
        if item.analysis.level % 2:
            rtl, part = True, part[::-1]
        parts.append(part)
        run = run.next
    return "".join(parts) if rtl else textbox.text
