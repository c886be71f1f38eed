"""The one table of languages (like Kolibri's language_info).

Everything language-dependent reads from here: `<html lang dir>`, fonts for the web and PDFs, digits,
the web manifest, the PDF page-number counter style. No Flask import, so content and PDF code use it too.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    english_name: str
    direction: str  # "ltr" | "rtl"
    font_family: str  # CSS family name of the subset web font
    font_file: str  # subset WOFF2 under static/fonts/
    source_font: str  # Debian fonts-noto-core file the subset is made from
    digits: str  # the ten digits 0-9 in this language's script
    page_counter: str  # CSS counter style for PDF page numbers
    country: str | None  # content is written for this country (None: both)
    calendar: str  # "bs" (Bikram Sambat beside Gregorian) | "gregorian"
    line_height: float
    # Put between two items on one line ("10 steps — 75 minutes"). Never "·" or another dot: beside
    # digits it reads as a digit or a decimal point, and in Urdu it looks exactly like zero ("۰").
    separator: str
    # After a step's number ("1. Welcome"). Urdu writes "۱۔": "۱." would read as ten ("۱۰").
    number_suffix: str


FONT_DIR = "/usr/share/fonts/truetype/noto"

LANGUAGES: dict[str, Language] = {
    "ne": Language(
        code="ne",
        native_name="नेपाली",
        english_name="Nepali",
        direction="ltr",
        font_family="Noto Sans Devanagari",
        font_file="noto-sans-devanagari.woff2",
        source_font="NotoSansDevanagari-Regular.ttf",
        digits="०१२३४५६७८९",
        page_counter="devanagari",
        country="NP",
        calendar="bs",
        line_height=1.7,
        separator=" — ",
        number_suffix=".",
    ),
    "en": Language(
        code="en",
        native_name="English",
        english_name="English",
        direction="ltr",
        font_family="Noto Sans",
        font_file="noto-sans.woff2",
        source_font="NotoSans-Regular.ttf",
        digits="0123456789",
        page_counter="decimal",
        country=None,
        calendar="gregorian",
        line_height=1.5,
        separator=" — ",
        number_suffix=".",
    ),
    "ur": Language(
        code="ur",
        native_name="اردو",
        english_name="Urdu",
        direction="rtl",
        font_family="Noto Nastaliq Urdu",
        font_file="noto-nastaliq-urdu.woff2",
        source_font="NotoNastaliqUrdu-Regular.ttf",
        digits="۰۱۲۳۴۵۶۷۸۹",
        page_counter="persian",
        country="PK",
        calendar="gregorian",
        line_height=2.2,
        separator="، ",  # the Urdu comma, as Urdu writes a list
        number_suffix="۔",
    ),
}

SOURCE_LANGUAGE = "en"

# Naskh is offered to Urdu readers who find Nastaliq hard to read; downloaded only when chosen.
NASKH = Language(
    code="ur",
    native_name="اردو (نسخ)",
    english_name="Urdu (Naskh)",
    direction="rtl",
    font_family="Noto Naskh Arabic",
    font_file="noto-naskh-arabic.woff2",
    source_font="NotoNaskhArabic-Regular.ttf",
    digits="۰۱۲۳۴۵۶۷۸۹",
    page_counter="persian",
    country="PK",
    calendar="gregorian",
    line_height=1.8,
    separator="، ",
    number_suffix="۔",
)

_ASCII_DIGITS = "0123456789"
_ALL_NATIVE_DIGITS = "".join(lang.digits for lang in LANGUAGES.values()) + "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_ALL_NATIVE_DIGITS, _ASCII_DIGITS * (len(_ALL_NATIVE_DIGITS) // 10))


def native_digits(value: object, lang: str) -> str:
    """Write the digits of `value` in the language's script (Babel never emits native digits)."""
    text = str(value)
    digits = LANGUAGES[lang].digits if lang in LANGUAGES else _ASCII_DIGITS
    return text.translate(str.maketrans(_ASCII_DIGITS, digits))


def ascii_digits(text: str) -> str:
    """Normalise Devanagari, Urdu (Extended Arabic-Indic) and Arabic-Indic digits to 0-9."""
    return text.translate(_TO_ASCII)
