"""Shared fixtures: `make_app(**config)`, an app on a temporary database, its client and CLI runner,
and a signed-up coordinator. Helpers that are not fixtures are in tests/helpers.py."""

from __future__ import annotations

import pytest

from tests.helpers import add_coordinator, new_app


@pytest.fixture(scope="session")
def make_app(tmp_path_factory):
    """`make_app(**config)`: a new app with a migrated database and a PDF cache of its own, and
    `config` on top, e.g. `make_app(CONTENT_DIR=str(folder), WTF_CSRF_ENABLED=False)`. CSRF
    protection is on, as on a server, unless `config` turns it off.

    Session-scoped, so module-scoped fixtures can make their app with it too.
    """

    def make(**config):
        folder = tmp_path_factory.mktemp("app")
        return new_app(folder, **{"PDF_CACHE_DIR": str(folder / "pdf"), **config})

    return make


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(
        DATABASE=str(tmp_path / "toolkit.sqlite"),
        PDF_CACHE_DIR=str(tmp_path / "pdf"),
        WTF_CSRF_ENABLED=False,
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def coordinator(app) -> str:
    """An admin coordinator, `asha`, who signs in with tests.helpers.PASSWORD."""
    return add_coordinator(app)
