"""Shared fixtures: an app on a temporary database, its test client and CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit import create_app
from toolkit.db import init_db

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture
def app(tmp_path):
    database = str(tmp_path / "toolkit.sqlite")
    init_db(database)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": database,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": False,
            "PDF_CACHE_DIR": str(tmp_path / "pdf"),
        }
    )
    yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
