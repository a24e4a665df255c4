"""Schema 2 end to end (issue 14): versions, the ``live`` alias and CodeDeploy canaries.

The real CLI runs as separate processes against one moto server over HTTP. moto keeps
a CodeDeploy deployment in ``Created`` forever, so the CodeDeploy double at the proxy
(codedeploy_double.py) drives each deployment's life: the alias's weights at each
step, the group's alarms, rollback. Its "minute" lasts 0.05 s.

Images are verified through version numbers: moto 5.2 reports a published version's
image as the function's *current* image, so ``GetFunction`` on a version number cannot
tell which image that version was published with. The tests read which version each
alias serves, and the tag that version was published for (its Description), instead;
``$LATEST``'s image, which moto does report truly, is read directly.
"""

from __future__ import annotations

import json
import signal

import pytest

from .fakes import ALL_AT_ONCE, CANARY, NEW, NEWER, OLD, FakeStack
from .faultproxy import Rule, json_target, lost_answer

pytestmark = pytest.mark.e2e


def latest_images(stack: FakeStack) -> set[str]:
    return set(stack.function_images("lambda").values())


def assert_released(stack: FakeStack, tag: str) -> None:
    """The parameter, every ``$LATEST`` and every alias (alone, no weights) on ``tag``."""
    assert stack.recorded_tag("lambda") == tag
    assert latest_images(stack) == {stack.uri("lambda", tag)}
    assert stack.serving("lambda") == {fn: tag for fn in stack.functions("lambda")}


def test_canary_release_shifts_each_alias_in_steps_and_status_sees_it(
    traffic_stack, codedeploy, deploy
):
    stack = traffic_stack

    run = deploy("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.returncode == 0, run.stderr
    assert_released(stack, NEW)
    result = json.loads(run.stdout)
    for fn in stack.functions("lambda"):
        (deployment,) = codedeploy.of(fn)
        assert deployment.config == CANARY  # the group's own config
        assert deployment.weights == [0.1, 1.0]  # 10%, then all
        assert (deployment.current, deployment.target) == ("2", "3")
        assert stack.alias(fn) == ("3", {})
        assert f"[{fn}] verified: live serves version 3" in run.stderr
        assert "live: 2 90% / 3 10%" in run.stderr  # the traffic step, as progress
    targets = {t["name"]: t for t in result["targets"]}
    assert {t["previousVersion"] for t in targets.values()} == {"2"}
    assert {t["version"] for t in targets.values()} == {"3"}

    status = deploy("status", "--json")
    assert status.returncode == 0, status.stdout
    (image,) = json.loads(status.stdout)["images"]
    for target in image["targets"]:
        assert (target["alias"], target["aliasVersion"], target["weights"]) == ("live", "3", {})
        assert target["deploymentsInProgress"] == target["configPending"] == []

    again = deploy("release", "--image", "lambda", "--tag", NEW, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["noop"] is True
    assert all(len(codedeploy.of(fn)) == 1 for fn in stack.functions("lambda"))


def test_an_alarm_mid_canary_rolls_back_and_exits_1_with_everything_restored(
    traffic_stack, codedeploy, spawn
):
    stack = traffic_stack
    alarmed = stack.functions("lambda")[0]
    pause = codedeploy.pause()
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--json")
    pause.wait_arrived(2)  # traffic is split: 10% on the new version, on both functions

    stack.set_alarm(alarmed)
    pause.open()
    finished = release.finish()

    assert finished.returncode == 1, finished.stderr
    document = finished.json()
    assert document["errorType"] == "ReleaseFailedError"
    assert "ALARM_ACTIVE" in document["error"]
    (deployment,) = codedeploy.of(alarmed)
    assert deployment.status == "Stopped"
    assert deployment.weights == [0.1]  # never went further than the canary
    assert_released(stack, OLD)  # aliases, $LATEST and the parameter all back
    assert f"Lambda function {alarmed} (alias live) back on version 2" in document["restored"]
    written = [int(v["Version"]) for v in stack.history("lambda") if v["Value"] == NEW]
    assert set(stack.failed_record("lambda")) >= set(written) != set()
    assert stack.lock_value("lambda") is None


def test_a_pipeline_killed_mid_shift_leaves_codedeploy_going_and_the_next_release_waits(
    traffic_stack, codedeploy, spawn, deploy
):
    stack = traffic_stack
    pause = codedeploy.pause()
    killed = spawn("release", "--image", "lambda", "--tag", NEW, "--lock-ttl", "1")
    killed.wait_for_line("live: 2 90% / 3 10%")
    killed.send(signal.SIGKILL)
    assert killed.finish().returncode == -signal.SIGKILL
    pause.wait_arrived(2)  # both deployments go on without it, held at 10%

    status = deploy("status", "--json")
    assert status.returncode == 6, status.stderr
    (image,) = json.loads(status.stdout)["images"]
    assert image["lock"]["pid"] == killed.pid
    for target in image["targets"]:
        assert target["drift"]
        assert target["aliasVersion"] == "2"
        assert target["weights"] == {"3": 0.1}
        assert target["deploymentsInProgress"] == [codedeploy.of(target["name"])[0].id]
    table = deploy("status")
    assert "in progress" in table.stdout
    assert "2 90% / 3 10%" in table.stdout

    after = spawn(
        "release", "--image", "lambda", "--tag", NEW, "--lock-wait", "30",
        "--break-expired-lock", "--json",
    )  # fmt: skip
    after.wait_for_line("not started by this release")
    pause.open()  # CodeDeploy finishes the killed pipeline's canary
    finished = after.finish()

    assert finished.returncode == 0, finished.stderr
    assert finished.json()["noop"] is True  # it waited, then found the tag live
    assert_released(stack, NEW)
    assert [len(codedeploy.of(fn)) for fn in stack.functions("lambda")] == [1, 1]
    assert deploy("status").returncode == 0


def test_rollback_deploys_the_previous_tag_all_at_once(traffic_stack, codedeploy, deploy):
    stack = traffic_stack
    stack.push("lambda", "ccccccc")
    stack.release_directly("lambda", "ccccccc")  # history: initial, OLD, ccccccc

    run = deploy("rollback", "--image", "lambda", "--json")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["tag"] == OLD
    assert_released(stack, OLD)
    for fn in stack.functions("lambda"):
        (deployment,) = codedeploy.of(fn)
        assert deployment.config == ALL_AT_ONCE  # not the group's canary
        assert deployment.weights == [1.0]
        assert deployment.current == "3"


def test_a_config_only_change_from_infra_is_pending_until_the_recorded_tag_is_released(
    traffic_stack, codedeploy, deploy
):
    stack = traffic_stack
    changed, other = stack.functions("lambda")
    stack.lambda_.update_function_configuration(FunctionName=changed, MemorySize=1024)

    status = deploy("status", "--json")
    assert status.returncode == 6, status.stdout
    (image,) = json.loads(status.stdout)["images"]
    pending = {t["name"]: t["configPending"] for t in image["targets"]}
    assert pending == {changed: ["memory"], other: []}
    assert "config pending (memory)" in deploy("status").stdout

    run = deploy("release", "--image", "lambda", "--tag", OLD, "--json")

    assert run.returncode == 0, run.stderr
    targets = {t["name"]: t for t in json.loads(run.stdout)["targets"]}
    assert targets[changed]["action"] == "shifted"
    assert targets[other]["action"] == "unchanged"
    assert codedeploy.of(other) == []
    (deployment,) = codedeploy.of(changed)
    assert deployment.weights == [0.1, 1.0]  # through the same canary as a code change
    version, weights = stack.alias(changed)
    assert (version, weights) == ("3", {})
    served = stack.lambda_.get_function_configuration(FunctionName=changed, Qualifier=version)
    assert served["MemorySize"] == 1024
    assert stack.version_tag(changed, version) == OLD
    assert deploy("status").returncode == 0


def test_sigterm_mid_shift_stops_the_deployments_and_restores(traffic_stack, codedeploy, spawn):
    stack = traffic_stack
    codedeploy.pause()  # never opened: only the stop ends the deployments
    release = spawn("release", "--image", "lambda", "--tag", NEW, "--json")
    release.wait_for_line("live: 2 90% / 3 10%")

    release.send(signal.SIGTERM)
    finished = release.finish()

    assert finished.returncode == 1, finished.stderr
    assert "interrupted by SIGTERM" in finished.json()["error"]
    for fn in stack.functions("lambda"):
        assert [d.status for d in codedeploy.of(fn)] == ["Stopped"]
    assert_released(stack, OLD)
    assert stack.lock_value("lambda") is None


def test_a_lost_create_deployment_answer_is_found_not_repeated(
    traffic_stack, codedeploy, proxy, deploy
):
    stack = traffic_stack
    lost = proxy.add(
        Rule(
            json_target("CodeDeploy_20141006.CreateDeployment"),
            500,
            "InternalFailure",
            forward=True,
            times=1,
        )
    )

    run = deploy("release", "--image", "lambda", "--tag", NEW)

    assert run.returncode == 0, run.stderr
    assert lost.hits == 1
    assert sorted(len(codedeploy.of(fn)) for fn in stack.functions("lambda")) == [1, 1]
    assert_released(stack, NEW)


def test_a_rollback_whose_finished_deployment_lost_its_answer_is_not_undone(
    traffic_stack, codedeploy, proxy, deploy
):
    """Issue 21.4: the answer to CreateDeployment is lost after the deployment ended.

    Rollback deploys all at once, so a deployment can be over before the tool hears
    of it. The tool must find it among the group's deployments, finished ones included,
    and neither repeat the request nor deploy the alias back.
    """
    stack = traffic_stack
    stack.push("lambda", NEWER)
    stack.release_directly("lambda", NEWER)  # history: initial, OLD, NEWER
    lost = proxy.add(
        lost_answer(
            json_target("CodeDeploy_20141006.CreateDeployment"),
            after=codedeploy.wait_all_ended,  # the answer is lost once the deployment ended
        )
    )

    run = deploy("rollback", "--image", "lambda", "--json")

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["tag"] == OLD
    assert lost.hits == 2  # one CreateDeployment per function, none repeated
    for fn in stack.functions("lambda"):
        (deployment,) = codedeploy.of(fn)
        assert deployment.status == "Succeeded"
        assert deployment.config == ALL_AT_ONCE
    assert_released(stack, OLD)
