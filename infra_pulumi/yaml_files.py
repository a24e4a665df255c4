"""Reading the project's YAML files (``Pulumi.yaml``, the stack files) with an error a
user can act on: one line naming the file, line, column and problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from infra_pulumi.exceptions import ConfigError


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file as a mapping; a syntax error is one line: file, line, column, problem."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        problem = exc.problem or exc.context or "not valid YAML"
        raise ConfigError(f"{where}: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not valid YAML: {exc}") from exc
    return data if isinstance(data, dict) else {}
