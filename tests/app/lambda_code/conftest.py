"""Put app/lambda on sys.path, as LAMBDA_TASK_ROOT is in the image, for these tests only."""

import sys
from pathlib import Path

import pytest

LAMBDA_ROOT = Path(__file__).resolve().parents[3] / "app" / "lambda"

if str(LAMBDA_ROOT) not in sys.path:
    sys.path.insert(0, str(LAMBDA_ROOT))


@pytest.fixture
def image_tag(monkeypatch: pytest.MonkeyPatch) -> str:
    """The tag the Dockerfile would bake in with --build-arg IMAGE_TAG=..."""
    monkeypatch.setenv("IMAGE_TAG", "abc1234")
    return "abc1234"
