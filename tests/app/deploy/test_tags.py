"""`tag`: the first 7 characters of the commit, from CodeBuild or git."""

import subprocess

import pytest

from app.deploy.exceptions import MalformedTagError, NotAGitRepositoryError
from app.deploy.tags import current_tag, validate_tag

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_codebuild_source_version_wins():
    assert current_tag({"CODEBUILD_RESOLVED_SOURCE_VERSION": COMMIT}) == "0123456"


@pytest.mark.parametrize("value", ["main", "0123456789ABCDEF", "abc123", "g" * 40, "a" * 41])
def test_malformed_codebuild_source_version_is_refused(value):
    with pytest.raises(MalformedTagError, match=r"CODEBUILD_RESOLVED_SOURCE_VERSION"):
        current_tag({"CODEBUILD_RESOLVED_SOURCE_VERSION": value})


@pytest.fixture
def isolated_git(monkeypatch, tmp_path):
    """Keep git from finding any repository above tmp_path, or any user config."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_falls_back_to_git_head(isolated_git):
    repo = isolated_git / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()

    assert current_tag({}, cwd=repo) == head[:7]


def test_outside_a_repository_fails_clearly(isolated_git):
    with pytest.raises(NotAGitRepositoryError, match=r"`git rev-parse HEAD` failed in .*not a git"):
        current_tag({}, cwd=isolated_git)


@pytest.mark.parametrize("tag", ["abc1234", COMMIT, "0000000"])
def test_valid_tags(tag):
    assert validate_tag(tag) == tag


@pytest.mark.parametrize("tag", ["initial", "latest", "abc123", "ABC1234", " abc1234", ""])
def test_invalid_tags(tag):
    with pytest.raises(MalformedTagError, match="expected 7 to 40 lowercase hex"):
        validate_tag(tag)
