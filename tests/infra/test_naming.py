"""The promotion tag's rule: ``promoted-<stack>-<commit tag>``, refused where ECR would be."""

from __future__ import annotations

import pytest

from infra_pulumi.naming import promotion_tag

COMMIT = "0123456789abcdef0123456789abcdef01234567"  # a full 40-character commit


def test_a_promotion_tag_names_the_stack_and_the_release() -> None:
    assert promotion_tag("prod", "abc1234") == "promoted-prod-abc1234"


@pytest.mark.parametrize("tag", ["initial", "abc123", "ABC1234", "abc1234x", "a" * 41, ""])
def test_only_a_commit_tag_is_promoted(tag: str) -> None:
    """7 to 40 lowercase hex characters: the placeholder, a short, upper-case or too
    long tag is not a release."""
    with pytest.raises(ValueError, match=rf"^'{tag}' is not a commit tag .*only a released"):
        promotion_tag("prod", tag)


def test_the_tag_fits_the_docker_reference_format() -> None:
    """At most 128 characters: ``promoted-`` (9) + stack + ``-`` (1) + 40 leaves 78."""
    assert len(promotion_tag("s" * 78, COMMIT)) == 128
    with pytest.raises(ValueError, match=r"is not a valid image tag: at most 128 characters"):
        promotion_tag("s" * 79, COMMIT)


def test_a_stack_name_with_a_character_a_tag_refuses_is_named() -> None:
    with pytest.raises(ValueError, match=r"'promoted-my/prod-abc1234' is not a valid image tag"):
        promotion_tag("my/prod", "abc1234")
