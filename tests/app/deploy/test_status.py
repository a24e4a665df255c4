"""status: recorded tag against what each target really runs."""

from app.deploy.release import Releaser
from app.deploy.status import collect_status, status_table

from .fakes import NEW, OLD, FakeStack, FaultyClient, fail_when


def test_everything_in_step_after_a_release(released, make_releaser):
    releaser: Releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    assert image.recorded_tag == OLD
    assert [(t.name, t.running_tag, t.drift) for t in image.targets] == [
        (fn, OLD, False) for fn in released.functions("lambda")
    ]
    assert "DRIFT" not in status_table([image])


def test_drift_is_marked_per_target(released, make_releaser):
    drifted = released.functions("lambda")[3]
    released.set_function_image(drifted, released.uri("lambda", NEW))
    releaser: Releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    assert {t.name for t in image.targets if t.drift} == {drifted}
    (row,) = [line for line in status_table([image]).splitlines() if drifted in line]
    assert row.split()[-3:] == [OLD, NEW, "DRIFT"]


def test_ecs_service_image_comes_from_its_task_definition(stack, make_releaser):
    entry = stack.add_image("web", ecs_services=2)
    stack.push("web", NEW)
    make_releaser().release("web", NEW, imagedefinitions=None)
    # As the pipeline's ECS deploy action would, from imagedefinitions.json:
    first, second = entry["ecsServices"]
    stack.set_service_image(first["cluster"], first["service"], "web", stack.uri("web", NEW))
    releaser: Releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    assert [(t.kind, t.name, t.running_tag, t.drift) for t in image.targets] == [
        ("ecs", f"{first['cluster']}/{first['service']}", NEW, False),
        ("ecs", f"{second['cluster']}/{second['service']}", "initial", True),
    ]


def test_unreadable_targets_are_reported_not_fatal(released, make_releaser):
    missing = released.functions("lambda")[0]
    released.lambda_.delete_function(FunctionName=missing)
    released.images["lambda"]["ecsServices"] = [
        {"cluster": "nowhere", "service": "ghost", "container": "web"}
    ]
    released.publish_manifest()
    releaser: Releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    errors = {t.name: t.error for t in image.targets if t.error}
    assert set(errors) == {missing, "nowhere/ghost"}
    assert errors[missing].startswith("ResourceNotFoundException")
    assert all(t.drift for t in image.targets if t.error)
    assert len([t for t in image.targets if not t.drift]) == 4


def test_unreadable_recorded_tag_is_drift(released, make_releaser):
    ssm = FaultyClient(
        released.ssm,
        get_parameter=fail_when(
            lambda kw: kw["Name"].endswith("/tag"), "AccessDeniedException", "GetParameter"
        ),
    )
    releaser: Releaser = make_releaser(ssm=ssm)

    (image,) = collect_status(releaser.clients, releaser.manifest)

    assert image.recorded_tag is None
    assert image.error is not None
    assert "AccessDeniedException" in image.error
    assert all(t.drift for t in image.targets)
    assert "cannot read recorded tag" in status_table([image])


def _pin_placeholder_by_digest(stack: FakeStack) -> str:
    """Point every function at the placeholder by digest, as the infra program does."""
    entry = stack.images["lambda"]
    (detail,) = stack.ecr.describe_images(
        repositoryName=entry["repositoryName"], imageIds=[{"imageTag": "initial"}]
    )["imageDetails"]
    pinned = f"{entry['repositoryUrl']}@{detail['imageDigest']}"
    for function in stack.functions("lambda"):
        stack.set_function_image(function, pinned)
    return pinned


def test_a_placeholder_pinned_by_digest_is_in_step_with_initial(stack, make_releaser):
    stack.add_image("lambda", functions=2)
    pinned = _pin_placeholder_by_digest(stack)
    releaser: Releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    assert image.recorded_tag == "initial"
    assert [(t.running_image, t.running_tag, t.drift) for t in image.targets] == [
        (pinned, "initial", False),
        (pinned, "initial", False),
    ]


def test_a_digest_ecr_no_longer_has_is_drift(stack, make_releaser):
    stack.add_image("lambda", functions=1)
    _pin_placeholder_by_digest(stack)
    # The lifecycle policy expired it (an untagged old placeholder, say).
    entry = stack.images["lambda"]
    stack.ecr.batch_delete_image(
        repositoryName=entry["repositoryName"], imageIds=[{"imageTag": "initial"}]
    )
    releaser: Releaser = make_releaser()

    (image,) = collect_status(releaser.clients, releaser.manifest)

    (target,) = image.targets
    assert (target.running_tag, target.drift, target.error) == (None, True, None)


def test_release_from_a_digest_pinned_placeholder(stack, make_releaser):
    stack.add_image("lambda", functions=2)
    _pin_placeholder_by_digest(stack)
    stack.push("lambda", NEW)
    releaser: Releaser = make_releaser()

    releaser.release("lambda", NEW, imagedefinitions=None)

    assert stack.state("lambda") == {
        "tag": NEW,
        "functions": {fn: stack.uri("lambda", NEW) for fn in stack.functions("lambda")},
    }
