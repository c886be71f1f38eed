"""A request body as a batch of logs: JSON that is not too deep, a list of objects, within limits.

What cannot be read at all is a BadBatch (a 400, or 413 for too many records); each record is then
checked on its own (record.py `validate_record`). The API and the unsent-logs import use the same.
"""

from __future__ import annotations

import json
from typing import Any

from .messages import (
    NOT_JSON,
    RECORD_NOT_OBJECT,
    RECORDS_NOT_LIST,
    TOO_DEEP,
    TOO_LARGE,
    VERSION_NOT_TEXT,
)
from .record import MAX_JSON_DEPTH, MAX_RECORDS


class BadBatch(ValueError):
    """A request body that is not a batch of logs: a message (a msgid), its parameters, a status."""

    def __init__(self, message: str, status: int = 400, **params: Any):
        super().__init__(message)
        self.message, self.status, self.params = message, status, params


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Is a parsed JSON value nested more than `limit` levels? (A loop: no recursion to overflow.)"""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return False


def parse_json(data: bytes | str) -> Any:
    """A request body as JSON, or BadBatch: malformed, not UTF-8, or nested too deeply.

    The JSON parser itself gives up (RecursionError) somewhere below Python's recursion limit;
    MAX_JSON_DEPTH keeps what passes shallow, so nothing later can overflow either.
    """
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as failure:
        if isinstance(failure, RecursionError):
            raise BadBatch(TOO_DEEP, depth=MAX_JSON_DEPTH) from None
        raise BadBatch(NOT_JSON) from None
    if too_deep(value):
        raise BadBatch(TOO_DEEP, depth=MAX_JSON_DEPTH)
    return value


def batch_records(body: Any, limit: int | None = MAX_RECORDS) -> list[dict]:
    """The records of a sync body or an unsent-logs file, or BadBatch saying what is wrong.

    Every record must be a JSON object (each is then validated on its own by `validate_record`);
    `limit` bounds a sync request (None: a file, bounded by its size only).
    """
    if not isinstance(body, dict):
        raise BadBatch(NOT_JSON)
    records = body.get("records")
    if not isinstance(records, list):
        raise BadBatch(RECORDS_NOT_LIST)
    if limit is not None and len(records) > limit:
        raise BadBatch(TOO_LARGE, status=413, records=limit)
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise BadBatch(RECORD_NOT_OBJECT, number=number)
    for name in ("app_version", "content_version"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise BadBatch(VERSION_NOT_TEXT, name=name)
    return records
