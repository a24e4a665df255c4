import buildinfo
import pytest


def test_reports_the_baked_in_tag(image_tag):
    assert buildinfo.image_tag() == image_tag


@pytest.mark.parametrize("value", [None, ""])
def test_defaults_to_dev_outside_an_image(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("IMAGE_TAG", raising=False)
    else:
        monkeypatch.setenv("IMAGE_TAG", value)
    assert buildinfo.image_tag() == "dev"
