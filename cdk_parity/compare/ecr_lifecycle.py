"""ECR lifecycle policies read the way ECR evaluates them, so two renderings compare by meaning.

From ECR's documentation ("Lifecycle policy properties", "How lifecycle policies work"):
rules apply in ``rulePriority`` order; ``tagPatternList`` and ``tagPrefixList`` select an
image only when *every* entry matches one of its tags; ``imageCountMoreThan`` keeps the
newest N selected images; ``sinceImagePushed`` expires selected images older than N
days; and an image that matches a higher-priority rule's tag selection can never be
expired by a lower-priority rule (it is still counted by it).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The repository every policy is evaluated against: the placeholder pushed first, then
#: one commit-tagged image a day for ``COMMITS`` days, and untagged leftovers of
#: re-pushed placeholders at these ages (days). One early commit was promoted to another
#: stage (README, "Build once, promote"): it also carries ``promoted-prod-<tag>``.
COMMITS = 150
UNTAGGED_AGES = (30, 10, 6, 1)
PROMOTED_COMMIT = 5


@dataclass(frozen=True)
class Image:
    name: str
    tags: tuple[str, ...]
    age_days: int


def scenario() -> list[Image]:
    images = [Image("initial", ("initial",), COMMITS + 250)]
    images += [
        Image(
            f"commit-{n}",
            (f"{n:07x}", f"promoted-prod-{n:07x}") if n == PROMOTED_COMMIT else (f"{n:07x}",),
            COMMITS + 1 - n,
        )
        for n in range(1, COMMITS + 1)
    ]
    images += [Image(f"untagged-{age}d", (), age) for age in UNTAGGED_AGES]
    return images


def _rules(document: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    rules = (json.loads(document) if isinstance(document, str) else document)["rules"]
    return sorted(rules, key=lambda r: r["rulePriority"])


def _tag_match(selection: Mapping[str, Any], image: Image) -> bool:
    status = selection["tagStatus"]
    if status == "any":
        return True
    if status == "untagged":
        return not image.tags
    if not image.tags:
        return False
    patterns = selection.get("tagPatternList") or []
    prefixes = selection.get("tagPrefixList") or []
    return all(any(fnmatch.fnmatchcase(t, p) for t in image.tags) for p in patterns) and all(
        any(t.startswith(p) for t in image.tags) for p in prefixes
    )


def expired(document: str | Mapping[str, Any], images: Sequence[Image]) -> set[str]:
    """Names of the images the policy expires."""
    gone: set[str] = set()
    claimed: set[str] = set()  # matched by a higher-priority rule's tag selection
    for rule in _rules(document):
        selection = rule["selection"]
        matched = [i for i in images if _tag_match(selection, i)]
        if selection["countType"] == "imageCountMoreThan":
            newest_first = sorted(matched, key=lambda i: i.age_days)
            candidates = newest_first[int(selection["countNumber"]) :]
        else:  # sinceImagePushed
            candidates = [i for i in matched if i.age_days > int(selection["countNumber"])]
        gone |= {i.name for i in candidates if i.name not in claimed}
        claimed |= {i.name for i in matched}
    return gone


def rules(document: str | Mapping[str, Any] | None) -> list[str] | None:
    """Each rule as one line, in priority order; numbers and descriptions left out."""
    if document is None:
        return None
    lines = []
    for rule in _rules(document):
        selection = rule["selection"]
        what = selection["tagStatus"]
        for field, label in (("tagPatternList", "tags matching"), ("tagPrefixList", "prefixes")):
            if selection.get(field):
                what += f" with {label} all of [{', '.join(selection[field])}]"
        number = selection["countNumber"]
        if selection["countType"] == "imageCountMoreThan":
            lines.append(f"{what}: keep the newest {number}")
        else:
            lines.append(f"{what}: expire {number} {selection.get('countUnit', 'days')} after push")
    return lines


def effect(document: str | Mapping[str, Any] | None) -> list[str] | None:
    """What the policy does to the ``scenario()`` repository, in four lines."""
    if document is None:
        return None
    images = scenario()
    gone = expired(document, images)
    promoted = f"commit-{PROMOTED_COMMIT}"
    commits = [i for i in images if i.name.startswith("commit-") and i.name != promoted]
    kept = {i.name for i in commits if i.name not in gone}
    newest = {i.name for i in sorted(commits, key=lambda i: i.age_days)[: len(kept)]}
    if len(kept) == len(commits):
        commit_line = f"keeps all {len(commits)} commit-tagged images"
    elif kept == newest:
        commit_line = f"keeps the newest {len(kept)} of {len(commits)} commit-tagged images"
    else:
        commit_line = f"keeps {len(kept)} of {len(commits)} commit-tagged images, not the newest"
    untagged = [i for i in images if not i.tags]
    untagged_gone = sorted((i.age_days for i in untagged if i.name in gone), reverse=True)
    return [
        "expires the initial placeholder" if "initial" in gone else "keeps the initial placeholder",
        commit_line,
        f"expires {len(untagged_gone)} of {len(untagged)} untagged images"
        + (f" (pushed {', '.join(map(str, untagged_gone))} days ago)" if untagged_gone else ""),
        ("expires" if promoted in gone else "keeps")
        + f" the image promoted to another stage {COMMITS + 1 - PROMOTED_COMMIT} days ago",
    ]
