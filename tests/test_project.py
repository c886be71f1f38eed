"""The project keeps its promises: version, commands with help, README commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from toolkit.version import APP_VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_changelog_top_version_is_the_app_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## (\S+)", changelog, re.M).group(1) == APP_VERSION


def test_every_command_has_help_text(app):
    from click import Group

    def walk(group: Group, prefix: str = ""):
        for name, command in group.commands.items():
            yield f"{prefix}{name}", command
            if isinstance(command, Group):
                yield from walk(command, f"{prefix}{name} ")

    for name, command in walk(app.cli):
        assert command.help or command.short_help, f"`toolkit {name}` has no help text"


def test_toolkit_command_runs(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_readme_names_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_cli_is_the_console_script():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'toolkit = "toolkit.cli:cli"' in pyproject


def test_every_command_the_readme_names_exists(app):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`toolkit ([a-z][a-z-]+)", readme))
    assert {"init-db", "enrol", "purge-notes", "sync"} <= named
    from toolkit.cli import cli

    known = set(cli.commands) | set(app.cli.commands)  # Flask's own (run, routes) and the app's
    missing = sorted(name for name in named if name not in known)
    assert missing == [], f"README names commands that do not exist: {missing}"


def test_every_page_the_readme_names_is_routed(app):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # The README writes `/<lang>/guides/<slug>`; the route is `/<lang:lang>/...` (toolkit/converters.py).
    rules = {re.sub(r"<\w+:(\w+)>", r"<\1>", rule.rule) for rule in app.url_map.iter_rules()}
    paths = re.findall(r"^\| `(/[^`]*)`", readme, re.M)
    assert len(paths) >= 8
    for path in paths:
        assert path in rules, f"README names {path}, which is not a route"


# Serves a guide page, a handout PDF and the service worker, then names every module of
# toolkit.build that was imported on the way (there must be none).
SERVE_WITHOUT_BUILD = """
import sys
from toolkit import create_app
from toolkit.db import init_db

init_db(sys.argv[1] + "/toolkit.sqlite")
app = create_app({
    "TESTING": True, "SECRET_KEY": "test", "DATABASE": sys.argv[1] + "/toolkit.sqlite",
    "PDF_CACHE_DIR": sys.argv[1] + "/pdf",
})
client = app.test_client()
for url in ("/en/guides/lw-our-work", "/en/guides/lw-our-work/handout.pdf", "/sw.js"):
    assert client.get(url).status_code == 200, url
print(" ".join(name for name in sys.modules if name.split(".")[:2] == ["toolkit", "build"]))
"""


def test_serving_never_imports_the_build_steps(tmp_path):
    """Build code (PDF prebuild, icons, offline pack, calendar) stays out of the running server:
    creating the app and serving a page, a PDF and /sw.js imports nothing of toolkit/build/."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE_WITHOUT_BUILD, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.split() == [], f"imported while serving: {done.stdout}"
