"""What a valid record may name on this server: its guides and their steps, and the vocabularies.

Built from the content library and the deployment's config (`toolkit.library.sync_rules()` builds
them once per app); `record.validate_record` checks a record against them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..vocabulary import DISTRICTS, REFERRAL_TYPES, THEMES, VENUE_TYPES, vocabulary_from


@dataclass(frozen=True)
class SyncRules:
    """What a valid record may contain on this server: guides and their steps, vocabularies."""

    steps: Mapping[str, frozenset[str]]  # guide slug -> step ids (the same in every language)
    guides: frozenset[str]
    languages: frozenset[str]
    themes: frozenset[str]
    venue_types: frozenset[str]
    referral_types: frozenset[str]
    districts: Mapping[str, frozenset[str]]  # country -> districts

    def districts_for(self, country: str | None) -> frozenset[str]:
        """The country's districts; a relayed record of an unknown country may use any of them."""
        if country in self.districts:
            return self.districts[country]
        return frozenset().union(*self.districts.values())


def rules_from(library, languages: Iterable[str], config: Mapping | None = None) -> SyncRules:
    """Rules from the content library (`toolkit.content.Library`) and the deployment's config.

    Configured vocabularies add to the built-in ones, so a record valid yesterday stays valid.
    """
    config = config or {}
    steps: dict[str, set[str]] = {}
    for (_lang, slug), guide in library.guides.items():
        steps.setdefault(slug, set()).update(step.id for step in guide.steps)
    districts = {country: set(names) for country, names in DISTRICTS.items()}
    for country, names in (vocabulary_from(config, "DISTRICTS", {}) or {}).items():
        districts.setdefault(country, set()).update(names)
    return SyncRules(
        steps={slug: frozenset(ids) for slug, ids in steps.items()},
        guides=frozenset(steps),
        languages=frozenset(languages),
        themes=frozenset(THEMES) | frozenset(vocabulary_from(config, "THEMES", ())),
        venue_types=frozenset(VENUE_TYPES) | frozenset(vocabulary_from(config, "VENUE_TYPES", ())),
        referral_types=frozenset(REFERRAL_TYPES)
        | frozenset(vocabulary_from(config, "REFERRAL_TYPES", ())),
        districts={country: frozenset(names) for country, names in districts.items()},
    )
