"""The content check: format, then the do-no-harm house rules (`build.py --check`, and every build)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..content import load_library
from ..content_rules import DISTRICTS_CSV, check_house_rules


def check_content(content_dir: Path, districts_csv: Path = DISTRICTS_CSV) -> int:
    """Print every content problem (format, then do-no-harm rules); return how many there were."""
    library = load_library(content_dir)
    problems = library.problems + check_house_rules(content_dir, districts_csv)
    for problem in problems:
        print(problem, file=sys.stderr)
    langs = sorted({lang for lang, _ in library.guides})
    print(
        f"content: {len(library.slugs())} guides in {', '.join(langs) or 'no language'}, "
        f"version {library.version}, {len(problems)} problem(s)"
    )
    return len(problems)
