"""ECR's documented lifecycle-policy evaluation, as a test oracle.

Written from the Amazon ECR User Guide ("Lifecycle policy evaluation rules" and
"Lifecycle policy properties"), not from the program:

- rules apply from the lowest ``rulePriority`` up; an image is expired by at most one rule;
- an image that matches the tagging requirements of a higher-priority rule cannot be
  expired by a lower-priority rule, but lower rules still identify (count) it;
- ``tagged`` with ``tagPrefixList``/``tagPatternList``: the image is selected only if
  *every* entry of the list matches one of its tags ("only images with all specified tags
  are selected"); ``*`` in a pattern matches any run of characters;
- ``untagged`` selects images without tags; ``any`` selects every image;
- ``imageCountMoreThan`` sorts the selected images newest push first and expires those
  beyond the count; ``sinceImagePushed`` expires those pushed more than N days ago.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Image:
    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime


def _pattern_matches(pattern: str, tag: str) -> bool:
    # ECR's only wildcard is '*'; escape fnmatch's other specials.
    escaped = pattern.replace("[", "[[]").replace("?", "[?]")
    return fnmatch.fnmatchcase(tag, escaped)


def selects(selection: dict[str, Any], image: Image) -> bool:
    status = selection["tagStatus"]
    if status == "untagged":
        return not image.tags
    if status == "any":
        return True
    if not image.tags:
        return False
    prefixes: list[str] = selection.get("tagPrefixList", [])
    patterns: list[str] = selection.get("tagPatternList", [])
    return all(any(t.startswith(p) for t in image.tags) for p in prefixes) and all(
        any(_pattern_matches(p, t) for t in image.tags) for p in patterns
    )


def expired(policy: dict[str, Any], images: Sequence[Image], now: datetime) -> set[str]:
    """Digests the policy expires in this repository at ``now``."""
    claimed: set[str] = set()
    gone: set[str] = set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        matched = [i for i in images if selects(selection, i)]
        if selection["countType"] == "imageCountMoreThan":
            newest_first = sorted(matched, key=lambda i: i.pushed_at, reverse=True)
            candidates = newest_first[selection["countNumber"] :]
        elif selection["countType"] == "sinceImagePushed":
            assert selection["countUnit"] == "days"
            limit = timedelta(days=selection["countNumber"])
            candidates = [i for i in matched if now - i.pushed_at > limit]
        else:  # pragma: no cover - the policy under test uses only these two
            raise AssertionError(f"unmodelled countType {selection['countType']}")
        gone |= {i.digest for i in candidates if i.digest not in claimed}
        claimed |= {i.digest for i in matched}
    return gone
