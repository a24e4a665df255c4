"""untrusted.py: strict JSON with bounded nesting, and clipped echoes of a caller's values."""

import math

import pytest
import untrusted


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_loads_accepts_strict_json_nested_up_to_the_limit():
    assert untrusted.loads('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert untrusted.loads(nested(untrusted.MAX_DEPTH)) is not None


@pytest.mark.parametrize("depth", [untrusted.MAX_DEPTH + 1, 900, 100_000])
def test_loads_refuses_deeper_nesting_whether_or_not_python_could_parse_it(depth):
    with pytest.raises(untrusted.TooDeepError, match=r"nests deeper than 64 levels"):
        untrusted.loads(nested(depth))


def test_depth_counts_objects_too():
    text = '{"a": ' * 65 + "0" + "}" * 65
    with pytest.raises(untrusted.TooDeepError):
        untrusted.loads(text)


@pytest.mark.parametrize(
    "text", ["NaN", "[Infinity]", '{"x": -Infinity}', "1" * 5000, b"\xff", "", "{", "'x'"]
)
def test_loads_refuses_what_is_not_json(text):
    with pytest.raises(untrusted.InvalidJSONError):
        untrusted.loads(text)


def test_dumps_refuses_nan_rather_than_write_invalid_json():
    assert untrusted.dumps({"x": 1.5}) == '{"x": 1.5}'
    with pytest.raises(ValueError, match="not JSON compliant"):
        untrusted.dumps({"x": math.nan})


def test_clip_keeps_short_text_and_cuts_long_text_saying_how_long_it_was():
    assert untrusted.clip("short") == "short"
    assert untrusted.clip(None) == "None"
    clipped = untrusted.clip("y" * 1000, 10)
    assert clipped == "yyyyyyyyyy... (1000 characters)"
