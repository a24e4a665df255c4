"""The web image's requirements: a hash-locked file current with its source, and the tests'.

``requirements.in`` pins the image's packages; ``requirements.txt`` is pip-compile's lock of
it with a hash for every file, which the Dockerfile installs with ``--require-hashes``.
The last two tests ask PyPI, as pip-compile and the image build do.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from .dockerfile import CONTEXT, instructions

REPO = CONTEXT.parents[1]
SOURCE = CONTEXT / "requirements.in"
LOCK = CONTEXT / "requirements.txt"
BIN = Path(sys.executable).parent
# The lock's header names the command that made it; requirements.in tells people to run it.
COMPILE = (
    "pip-compile --allow-unsafe --generate-hashes --no-emit-find-links --no-emit-index-url "
    "--output-file=requirements.txt --strip-extras requirements.in"
)
# The image's interpreter and platform (python:3.12-slim-bookworm: glibc 2.36, x86_64).
IMAGE_PLATFORM = [
    "--python-version=3.12",
    "--implementation=cp",
    "--abi=cp312",
    "--platform=manylinux_2_36_x86_64",
    *(f"--platform=manylinux_2_{minor}_x86_64" for minor in range(17, 36)),
    "--platform=manylinux2014_x86_64",
    "--platform=manylinux1_x86_64",
]


def canonical(name: str) -> str:
    """A project name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def source_pins() -> dict[str, str]:
    pins = {}
    for line in SOURCE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
            assert match, f"requirements.in: {line!r} is not pinned with =="
            pins[canonical(match[1])] = match[2]
    return pins


def locked() -> dict[str, tuple[str, list[str]]]:
    """{name: (version, [sha256, ...])} from the lock."""
    found: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in LOCK.read_text().splitlines():
        requirement = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\", line)
        hashed = re.fullmatch(r"\s+--hash=sha256:([0-9a-f]{64})(?: \\)?", line)
        if requirement:
            current = canonical(requirement[1])
            found[current] = (requirement[2], [])
        elif hashed:
            found[current][1].append(hashed[1])
        else:
            assert line.lstrip().startswith("#") or not line.strip(), f"unexpected: {line!r}"
    return found


def test_the_lock_pins_exactly_what_the_source_pins() -> None:
    # The source pins every package, so a stale lock (a version bumped, a package added
    # or dropped, and pip-compile not run) shows as a difference here.
    assert {name: pinned for name, (pinned, _) in locked().items()} == source_pins()


def test_every_locked_package_has_hashes_and_the_header_names_the_command() -> None:
    for name, (_, hashes) in locked().items():
        assert hashes, f"{name} has no --hash in the lock"
    assert f"#    {COMPILE}\n" in LOCK.read_text()
    assert f"#   {COMPILE}\n" in SOURCE.read_text()


def test_the_image_installs_the_lock_with_hashes_required() -> None:
    builder = [i for i in instructions() if i.keyword in {"COPY", "RUN"}]
    assert "COPY requirements.txt /tmp/requirements.txt" in [f"COPY {i.args}" for i in builder]
    (install,) = [shlex.split(i.args) for i in builder if "pip install" in i.args]
    assert {"--require-hashes", "--no-deps", "--only-binary=:all:"} <= set(install)
    assert install[-2:] == ["-r", "/tmp/requirements.txt"]


def test_the_tests_run_what_the_image_installs() -> None:
    # requirements-dev.txt takes the source: pip cannot install hashed and unhashed
    # requirements together, and the dev install has many more packages.
    dev = (REPO / "requirements-dev.txt").read_text().splitlines()
    assert "-r app/web/requirements.in" in dev
    assert "-r app/web/requirements.txt" not in dev
    for name, (pinned, _) in locked().items():
        assert version(name) == pinned, f"tests run {name} {version(name)}, the image {pinned}"


def test_pip_compile_makes_the_committed_lock(tmp_path: Path) -> None:
    # From the source alone (no old lock to copy pins or hashes from), in a folder laid
    # out like app/web, so the header and the "via" notes come out the same.
    shutil.copy(SOURCE, tmp_path / SOURCE.name)
    command = [str(BIN / "pip-compile"), "--quiet", *shlex.split(COMPILE)[1:]]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr

    def comparable(text: str) -> str:  # the header names the Python that ran pip-compile
        return re.sub(r"pip-compile with Python \d+\.\d+", "pip-compile with Python X", text)

    fresh = (tmp_path / LOCK.name).read_text()
    assert comparable(fresh) == comparable(LOCK.read_text()), (
        f"app/web/requirements.txt is not current with requirements.in: run `{COMPILE}` in app/web"
    )


def test_the_lock_installs_on_the_image_platform_with_hashes_checked(tmp_path: Path) -> None:
    # What the builder stage's pip does, short of running it in the image: fetch a wheel of
    # every locked package for CPython 3.12 on manylinux x86_64, checking each hash.
    command = [
        str(BIN / "pip"),
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--require-hashes",
        "--no-deps",
        "--only-binary=:all:",
        *IMAGE_PLATFORM,
        "--dest",
        str(tmp_path),
        "-r",
        str(LOCK),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = {canonical(p.name.split("-")[0]) for p in tmp_path.glob("*.whl")}
    assert wheels == set(locked())
