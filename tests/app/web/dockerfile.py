"""Read app/web/Dockerfile as instructions, for tests that rely on what the image does."""

from __future__ import annotations

import glob
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

CONTEXT = Path(__file__).resolve().parents[3] / "app" / "web"
DOCKERFILE = CONTEXT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    """Every instruction, with continuation lines joined and comments dropped."""
    result: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        result.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    return result


def final_stage(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions after the last FROM: what the shipped image is made of."""
    found = instructions(path)
    last_from = max(i for i, ins in enumerate(found) if ins.keyword == "FROM")
    return found[last_from:]


def exec_form(args: str) -> list[str]:
    """A JSON-array CMD/ENTRYPOINT argument list."""
    value = json.loads(args)
    assert isinstance(value, list), args
    return [str(item) for item in value]


def healthcheck_command(path: Path = DOCKERFILE) -> list[str]:
    """The HEALTHCHECK's CMD, after its --options."""
    (check,) = [ins for ins in final_stage(path) if ins.keyword == "HEALTHCHECK"]
    _, _, command = check.args.partition("CMD ")
    return exec_form(command)


def assemble_image_files(root: Path) -> Path:
    """Lay out the final stage's context COPYs under ``root`` as the image would.

    Follows WORKDIR and each ``COPY <src>... <dest>`` that reads the build context
    (not ``--from``), so tests run the code from where the Dockerfile really puts it.
    Returns the final WORKDIR inside ``root``.
    """
    workdir = Path("/")
    for ins in final_stage():
        if ins.keyword == "WORKDIR":
            workdir = workdir / ins.args
        elif ins.keyword == "COPY" and not ins.args.startswith("--"):
            *sources, dest = ins.args.split()
            target = root / (workdir / dest).relative_to("/")
            for source in sources:
                matches = sorted(glob.glob(source, root_dir=CONTEXT))
                assert matches, f"COPY {source} matches nothing in {CONTEXT}"
                for match in matches:
                    origin = CONTEXT / match
                    if origin.is_dir():
                        shutil.copytree(origin, target, dirs_exist_ok=True)
                    else:
                        target.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(origin, target / origin.name)
    return root / workdir.relative_to("/")
