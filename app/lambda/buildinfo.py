"""Build-time facts baked into the image, shared by every handler in it."""

import os

DEFAULT_IMAGE_TAG = "dev"


def image_tag() -> str:
    """Return the image tag this code was built under.

    The Dockerfile turns the ``IMAGE_TAG`` build argument into an environment
    variable, so a function reports the release it actually runs, not the one the
    SSM parameter says it should run. Outside an image (tests, a laptop) it is "dev".
    """
    return os.environ.get("IMAGE_TAG") or DEFAULT_IMAGE_TAG
