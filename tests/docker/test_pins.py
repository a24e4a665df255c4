"""Supply-chain pins: every Dockerfile's base image by digest, and the Dependabot config.

Dependabot moves the pins by pull request (issue 15, finding 8); these tests make sure a
new Dockerfile or requirements folder cannot slip out of its watch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted([*REPO.glob("app/*/Dockerfile"), *REPO.glob("docker/*/Dockerfile")])
DEPENDABOT = REPO / ".github" / "dependabot.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

FROM = re.compile(
    r"^FROM\s+(?:--platform=\S+\s+)?(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# name:tag@sha256:<64 hex>: the tag tells readers and Dependabot what it is, the digest
# is what is pulled (Docker ignores the tag when a digest is given).
PINNED = re.compile(r"[a-z0-9][a-z0-9./_-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*@sha256:[0-9a-f]{64}")


def base_images(dockerfile: Path) -> list[str]:
    """Each FROM's image, leaving out FROMs of an earlier build stage."""
    stages: set[str] = set()
    images = []
    for match in FROM.finditer(dockerfile.read_text()):
        if match["image"] not in stages:
            images.append(match["image"])
        if match["stage"]:
            stages.add(match["stage"])
    return images


def dependabot_directories(ecosystem: str) -> set[str]:
    config = yaml.safe_load(DEPENDABOT.read_text())
    found: set[str] = set()
    for update in config["updates"]:
        if update["package-ecosystem"] == ecosystem:
            found |= set(update.get("directories") or [update["directory"]])
    return found


def test_the_images_are_the_four_the_architecture_names() -> None:
    assert [p.relative_to(REPO).as_posix() for p in DOCKERFILES] == [
        "app/lambda/Dockerfile",
        "app/web/Dockerfile",
        "docker/initial_lambda/Dockerfile",
        "docker/initial_web/Dockerfile",
    ]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_every_base_image_is_pinned_by_digest(dockerfile: Path) -> None:
    images = base_images(dockerfile)
    assert images, f"{dockerfile} has no FROM"
    for image in images:
        assert PINNED.fullmatch(image), f"{dockerfile}: FROM {image} is not name:tag@sha256:..."


def test_one_image_has_one_digest_everywhere() -> None:
    # The placeholder and the app image share a base (and so its layers); a half-applied
    # update would quietly split them.
    digests: dict[str, set[str]] = defaultdict(set)
    for dockerfile in DOCKERFILES:
        for image in base_images(dockerfile):
            ref, _, digest = image.partition("@")
            digests[ref].add(digest)
    assert {ref: len(found) for ref, found in digests.items()} == dict.fromkeys(digests, 1)
    assert set(digests) == {"python:3.12-slim-bookworm", "public.ecr.aws/lambda/python:3.12"}


def test_dependabot_watches_every_dockerfile() -> None:
    expected = {f"/{p.parent.relative_to(REPO).as_posix()}" for p in DOCKERFILES}
    assert dependabot_directories("docker") == expected


def test_dependabot_watches_every_requirements_folder() -> None:
    generated = {".venv", ".git", "node_modules", "cdk.out", "out"}
    # Files that pin something; infra_pulumi/requirements.txt only includes the root one
    # (for `pulumi install`) and installs the project itself, so it has nothing to bump.
    files = [
        p
        for p in REPO.glob("**/requirements*.*")
        if not generated & set(p.relative_to(REPO).parts) and "==" in p.read_text()
    ]
    folders = {p.parent for p in files}
    expected = {"/" + p.relative_to(REPO).as_posix() if p != REPO else "/" for p in folders}
    assert dependabot_directories("pip") == expected
    assert dependabot_directories("github-actions") == {"/"}


def test_dependabot_config_matches_its_schema() -> None:
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.dependabot", str(DEPENDABOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_sees_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "dependabot.yml"
    shutil.copy(DEPENDABOT, broken)
    broken.write_text(broken.read_text().replace("interval: weekly", "interval: fortnightly", 1))
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.dependabot", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fortnightly" in result.stdout


def test_every_ecosystem_waits_before_taking_a_release() -> None:
    """A cooldown on every update entry: nothing is proposed the day it is published."""
    updates = yaml.safe_load(DEPENDABOT.read_text())["updates"]
    assert {u["package-ecosystem"] for u in updates} == {"docker", "pip", "github-actions"}
    for update in updates:
        cooldown = update.get("cooldown") or {}
        assert cooldown.get("default-days", 0) >= 3, update["package-ecosystem"]
        if update["package-ecosystem"] == "pip":
            assert cooldown["semver-major-days"] >= cooldown["semver-minor-days"] >= 3
