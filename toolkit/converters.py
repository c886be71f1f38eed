"""URL converters: a route names what a segment must be, so no view checks it by hand.

`<lang:lang>` matches only a language of the table (anything else is 404 before the view runs);
`<id:log_id>` matches only a lowercase UUID and gives it as text, the form ids are stored in.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter, ValidationError

from .languages import LANGUAGES


class LanguageConverter(BaseConverter):
    regex = "[a-z]{2,3}"

    def to_python(self, value: str) -> str:
        if value not in LANGUAGES:
            raise ValidationError()  # no route matches: 404
        return value


class IdConverter(BaseConverter):
    regex = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def init_app(app: Flask) -> None:
    app.url_map.converters["lang"] = LanguageConverter
    app.url_map.converters["id"] = IdConverter
