"""The dev stack under the real engine: preview, up, idempotence, a release, destroy.

The tests of this module share one workspace and run in file order, each one a step of a
stack's life: first deploy, second ``up``, a release made by CodeDeploy (the stand-in's
cloud changes behind Pulumi's back), the next ``up`` with and without ``--refresh``, and
``destroy``. A step that fails leaves the later ones failing too; read the first failure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra_pulumi.plan.runner import evaluate
from tests_engine.engine import Workspace, calls, summary
from tests_engine.standin.store import CloudObject

ALIAS = "aws:lambda/alias:Alias"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
#: Pulumi.dev.yaml's second function; its alias is the one the release moves.
FUNCTION = "container-delivery-dev-api"
ALIAS_URN_SUFFIX = "::api-alias"
DESCRIPTION_FILE = Path("infra_pulumi") / "components" / "container_function.py"
DESCRIPTION = "What every invoker calls; CodeDeploy shifts it between versions."


@pytest.fixture(scope="module")
def dev(workspace: Workspace) -> Workspace:
    workspace.init_stack("dev")
    return workspace


def _live_alias(workspace: Workspace) -> CloudObject:
    aliases = [
        o for o in workspace.cloud.objects(ALIAS) if o.properties["functionName"] == FUNCTION
    ]
    assert len(aliases) == 1, f"expected one live alias of {FUNCTION}, have {aliases}"
    return aliases[0]


def _release(workspace: Workspace, version: str) -> None:
    """What CodeDeploy does at the end of a release: UpdateAlias(FunctionVersion=...)."""
    alias = _live_alias(workspace)
    workspace.cloud.change(alias.type, alias.id, functionVersion=version)


def _describe_alias(workspace: Workspace, description: str) -> None:
    """Change another input of the alias (its description) in the project's copy."""
    path = workspace.project / DESCRIPTION_FILE
    text = path.read_text(encoding="utf-8")
    # The alias's description is a module constant (a change is a code change).
    current = next(line for line in text.splitlines() if line.startswith("ALIAS_DESCRIPTION = "))
    path.write_text(
        text.replace(current, f"ALIAS_DESCRIPTION = {json.dumps(description)}"),
        encoding="utf-8",
    )


def _type_of(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


def _alias_updates(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in calls(entries, "Update") if e["urn"].endswith(ALIAS_URN_SUFFIX)]


def test_install_asks_the_host_to_install_in_the_program_directory(dev: Workspace) -> None:
    """`pulumi install` hands the language host the `main` folder as the directory to
    install in. The real host then runs pip there (infra_pulumi/requirements.txt); the
    stand-in cannot, and says so: installing is not covered by this stage."""
    mark = dev.record.mark()

    result = dev.run("install", expect=None)

    requests = calls(dev.record.since(mark), "InstallDependencies")
    assert len(requests) == 1, requests
    assert Path(requests[0]["directory"]) == dev.project / "infra_pulumi"
    assert Path(requests[0]["info"]["programDirectory"]) == dev.project / "infra_pulumi"
    assert Path(requests[0]["info"]["rootDirectory"]) == dev.project
    assert requests[0]["info"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
    assert result.returncode != 0
    assert "the stand-in Python language host does not install dependencies" in result.output


def test_preview_runs_the_program_where_the_host_would(dev: Workspace) -> None:
    mark = dev.record.mark()
    result = dev.run("preview", "--stack", "dev")

    runs = calls(dev.record.since(mark), "Run")
    assert len(runs) == 1, runs
    run = runs[0]
    # What the engine tells the language host: the working directory is the `main`
    # folder, the root directory the folder of Pulumi.yaml.
    assert Path(run["pwd"]) == dev.project / "infra_pulumi"
    assert Path(run["info"]["rootDirectory"]) == dev.project
    assert Path(run["info"]["programDirectory"]) == dev.project / "infra_pulumi"
    assert run["info"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
    assert run["dryRun"] is True
    # First deploy: no tag parameter yet, so the program falls back with its own warning.
    assert "/container-delivery/dev/images/lambda/tag does not exist yet" in result.output
    assert summary(result.output)["to create"] > 0
    assert not calls(dev.record.since(mark), "Create"), "a preview created something"


def test_first_up_creates_what_the_preview_planned(dev: Workspace) -> None:
    planned = summary(dev.run("preview", "--stack", "dev").output)["to create"]
    mark = dev.record.mark()

    result = dev.run("up", "--yes", "--stack", "dev")

    assert summary(result.output) == {"created": planned}
    resources = dev.export("dev")["deployment"]["resources"]
    custom = [r for r in resources if r.get("custom") and not r["type"].startswith("pulumi:")]
    assert len(calls(dev.record.since(mark), "Create")) == len(custom)
    assert len(dev.cloud.objects()) == len(custom)
    # The alias starts on the version the function published when it was created.
    assert _live_alias(dev).properties["functionVersion"] == "1"


def test_offline_runner_registers_what_the_engine_deployed(dev: Workspace) -> None:
    """The offline runner (infra_pulumi/plan) and the real engine on the same first deploy:
    the same custom resources, and each one created with the same inputs."""
    offline = evaluate("dev", project_dir=dev.project, preview=False)
    planned = {(r.type, r.name): r.inputs for r in offline.resources if r.custom}
    creates = calls(dev.record.entries(), "Create")
    created = {(_type_of(c["urn"]), c["urn"].rsplit("::", 1)[1]): c["news"] for c in creates}

    assert sorted(created) == sorted(planned)
    differences = {k: (planned[k], created[k]) for k in planned if planned[k] != created[k]}
    assert differences == {}


def test_state_keeps_the_registry_password_secret(dev: Workspace) -> None:
    """The one place where the state differs from what providers (and the offline mocks)
    receive: the SDK registers the image's registry block with only its password secret
    (output values), the engine passes the whole block as one secret to a provider, and
    the state keeps the SDK's finer form."""
    state = dev.export("dev")["deployment"]["resources"]
    images = [r for r in state if r["type"] == "docker:index/image:Image"]
    assert len(images) == 2
    for image in images:
        registry = image["inputs"]["registry"]
        assert set(registry["password"]) == {SECRET_SIG, "ciphertext"}
        assert registry["username"] == "AWS"


def test_second_up_changes_nothing(dev: Workspace) -> None:
    mark = dev.record.mark()

    result = dev.run("up", "--yes", "--expect-no-changes", "--stack", "dev")

    assert set(summary(result.output)) == {"unchanged"}
    changes = [e for e in dev.record.since(mark) if e["method"] in {"Create", "Update", "Delete"}]
    assert changes == []
    # Not a resource change, but the stack's outputs do change: the tag parameters exist
    # now (infra created them with the placeholder), so the tag comes from them.
    outputs = json.loads(dev.run("stack", "output", "--json", "--stack", "dev").stdout)
    assert outputs["resolvedImageTags"]["lambda"] == {"tag": "initial", "source": "parameter"}


def test_up_leaves_a_released_alias_alone(dev: Workspace) -> None:
    _release(dev, "2")
    mark = dev.record.mark()

    dev.run("up", "--yes", "--stack", "dev")

    assert _alias_updates(dev.record.since(mark)) == []
    assert _live_alias(dev).properties["functionVersion"] == "2"


def test_without_refresh_another_alias_change_sends_the_version_in_state(dev: Workspace) -> None:
    """ignore_changes keeps the *state's* functionVersion, not the live one: an update of
    the alias for any other reason sends the version of the last `pulumi up` (here "1")
    and so undoes the release CodeDeploy made ("2")."""
    _describe_alias(dev, "What every invoker calls; shifted by CodeDeploy.")
    mark = dev.record.mark()

    dev.run("up", "--yes", "--stack", "dev")

    updates = _alias_updates(dev.record.since(mark))
    assert len(updates) == 1, updates
    update = updates[0]
    assert update["ignoreChanges"] == ["functionVersion", "routingConfig"]
    assert update["news"]["description"] == "What every invoker calls; shifted by CodeDeploy."
    assert update["news"]["functionVersion"] == "1"
    assert update["oldInputs"]["functionVersion"] == "1"
    assert "routingConfig" not in update["news"]
    assert _live_alias(dev).properties["functionVersion"] == "1", "the release was undone"


def test_with_refresh_the_alias_update_sends_the_live_version(dev: Workspace) -> None:
    _release(dev, "3")
    _describe_alias(dev, DESCRIPTION)
    mark = dev.record.mark()

    dev.run("up", "--yes", "--refresh", "--stack", "dev")

    entries = dev.record.since(mark)
    reads = [e for e in calls(entries, "Read") if e["urn"].endswith(ALIAS_URN_SUFFIX)]
    # `up --refresh` reads every resource twice: in its preview and in the update.
    assert [r["found"] for r in reads] == [True, True], reads
    updates = _alias_updates(entries)
    assert len(updates) == 1, updates
    assert updates[0]["news"]["functionVersion"] == "3"
    assert updates[0]["oldInputs"]["functionVersion"] == "3"
    assert _live_alias(dev).properties["functionVersion"] == "3"


def test_refresh_takes_the_live_version_into_inputs_and_state(dev: Workspace) -> None:
    """After `pulumi refresh`, the state's inputs (what ignore_changes falls back to) and
    outputs both hold the version CodeDeploy set."""
    _release(dev, "4")

    dev.run("refresh", "--yes", "--stack", "dev")

    state = dev.export("dev")["deployment"]["resources"]
    (alias,) = [r for r in state if r["urn"].endswith(ALIAS_URN_SUFFIX)]
    assert alias["inputs"]["functionVersion"] == "4"
    assert alias["outputs"]["functionVersion"] == "4"


def test_destroy_deletes_everything(dev: Workspace) -> None:
    """dev protects no data (``protectData`` follows ``requireRelease``, off in dev), so
    destroy completes: the repositories have ``force_delete`` and the artifact bucket
    ``force_destroy``, which a real ECR and S3 need to delete them with images and objects
    in them. The stand-ins delete whatever they are asked to, so they do not check that."""
    created = len(dev.cloud.objects())
    state = dev.export("dev")["deployment"]["resources"]
    # The summary counts every resource but the default providers (also deleted).
    counted = [r for r in state if not r["type"].startswith("pulumi:providers:")]
    mark = dev.record.mark()

    result = dev.run("destroy", "--yes", "--stack", "dev")

    assert summary(result.output) == {"deleted": len(counted)}
    deletes = calls(dev.record.since(mark), "Delete")
    assert len(deletes) == created
    assert all(d["found"] for d in deletes)
    assert dev.cloud.objects() == []
