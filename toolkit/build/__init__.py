"""Build steps: everything `build.py` makes from source before the app serves it.

Nothing here runs while serving requests; the runtime reads only what these steps wrote
(tests/test_project.py checks that serving never imports this package). One module per thing
made: the content check, the catalogs, the Bikram Sambat table, the chart widths, the icons, the
offline pack and the PDFs.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .. import create_app

ROOT = Path(__file__).resolve().parents[2]


def build_app(content_dir: Path) -> Flask:
    """The app the steps that render pages walk: the server's own configuration (instance/config.py,
    TOOLKIT_*) for the project's content, or the given content folder (tests, bench)."""
    if Path(content_dir).resolve() == (ROOT / "content").resolve():
        return create_app()
    return create_app({"CONTENT_DIR": str(content_dir)})
