"""Config errors as a user reads them: one problem a line, keys as the stack file names
them, the close key a misspelling meant, and the keys a mapping takes."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra_pulumi.config_errors import describe, did_you_mean, format_problems


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stack: str
    region: str | None = None


class Root(BaseModel):
    model_config = ConfigDict(extra="forbid")
    project: str = "p"
    stack: str = "s"
    promote_from: Inner | None = Field(None, alias="promoteFrom")
    count: int = 1


def errors_of(values: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as failed:
        Root.model_validate(values)
    return describe(failed.value, "demo", values, Root)


def test_one_problem_is_one_line_and_several_are_counted() -> None:
    assert format_problems(["a: bad"]) == "invalid stack config: a: bad"
    assert format_problems(["a: bad", "b: worse"]) == (
        "invalid stack config (2 problems):\n  a: bad\n  b: worse"
    )


def test_a_misspelling_names_the_closest_key_else_every_key() -> None:
    assert did_you_mean("regin", ["region", "stack"]) == "; did you mean region?"
    assert did_you_mean("zzz", ["region", "stack"]) == "; known keys: region, stack"


def test_keys_inside_a_mapping_are_the_users_even_where_the_root_reserves_the_name() -> None:
    # stack and region are the root's internal fields, but promoteFrom's own keys.
    assert errors_of({"promoteFrom": {"stak": "dev"}}) == (
        "invalid stack config (2 problems):\n"
        "  demo:promoteFrom[stack]: required, and missing\n"
        "  demo:promoteFrom[stak]: not a key here; did you mean stack?"
    )


def test_a_scalar_where_a_mapping_belongs_names_the_mappings_keys() -> None:
    assert errors_of({"promoteFrom": "dev"}) == (
        "invalid stack config: demo:promoteFrom: should be a mapping with keys stack, region "
        "(got 'dev')"
    )


def test_a_wrong_value_shows_what_was_given() -> None:
    assert errors_of({"count": "many"}).startswith(
        "invalid stack config: demo:count: Input should be a valid integer"
    )
    assert errors_of({"count": "many"}).endswith("(got 'many')")
