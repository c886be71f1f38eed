"""The library: every guide in every language under `content/`, parsed once, with every problem.

`toolkit/library.py` keeps the app's one `Library`; `build.py` loads one to check and build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..languages import LANGUAGES, SOURCE_LANGUAGE
from .model import MODULES, Guide, Problem
from .parse import parse_guide
from .translations import check_translations


@dataclass
class Library:
    """Every guide in every language, parsed once, with the problems found."""

    content_dir: Path
    guides: dict[tuple[str, str], Guide]
    problems: list[Problem]
    version: str

    def get(self, lang: str, slug: str) -> tuple[Guide | None, bool]:
        """The guide in `lang`, else the English one. The flag says English stands in."""
        guide = self.guides.get((lang, slug))
        if guide is not None:
            return guide, False
        return self.guides.get((SOURCE_LANGUAGE, slug)), lang != SOURCE_LANGUAGE

    def slugs(self) -> list[str]:
        """Every slug, in module and order of the English guides."""
        slugs = {slug for (_, slug) in self.guides}

        def key(slug: str) -> tuple:
            guide = self.guides.get((SOURCE_LANGUAGE, slug)) or next(
                g for (_, s), g in self.guides.items() if s == slug
            )
            module_rank = MODULES.index(guide.module) if guide.module in MODULES else 99
            return (module_rank, guide.order, slug)

        return sorted(slugs, key=key)

    def for_language(self, lang: str) -> list[tuple[Guide, bool]]:
        """Every guide as shown in `lang` (with the English stand-in flag), in order."""
        return [pair for slug in self.slugs() if (pair := self.get(lang, slug))[0] is not None]

    def by_module(self, lang: str) -> dict[str, list[tuple[Guide, bool]]]:
        groups: dict[str, list[tuple[Guide, bool]]] = {module: [] for module in MODULES}
        for guide, fallback in self.for_language(lang):
            groups.setdefault(guide.module, []).append((guide, fallback))
        return {module: items for module, items in groups.items() if items}


def guide_files(content_dir: Path) -> dict[str, dict[str, Path]]:
    """Every guide file, by language and slug (`content/<lang>/<slug>.md`)."""
    files: dict[str, dict[str, Path]] = {lang: {} for lang in LANGUAGES}
    for lang in LANGUAGES:
        folder = content_dir / lang
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            files[lang][path.stem] = path
    return files


def load_library(content_dir: Path | str) -> Library:
    """Parse every guide under `content_dir` and check them against each other."""
    content_dir = Path(content_dir)
    guides: dict[tuple[str, str], Guide] = {}
    problems: list[Problem] = []
    digest = hashlib.sha256()
    files = guide_files(content_dir)
    for lang, by_slug in files.items():
        for slug, path in by_slug.items():
            shown = f"{content_dir.name}/{lang}/{path.name}"
            digest.update(f"{lang}/{slug}\0".encode() + path.read_bytes())
            guide, found = parse_guide(path, lang, shown)
            problems += found
            if guide is not None:
                guides[(lang, slug)] = guide
    problems += check_translations(content_dir, files, guides)
    from ..materials.card_rule import check_materials  # it imports this package

    problems += check_materials(content_dir, guides)
    return Library(content_dir, guides, problems, digest.hexdigest()[:12])
