"""The deploy-manifest contract: what infra publishes and the release tool accepts."""

import copy
import json

import pytest

from app.deploy.exceptions import (
    ManifestInvalidError,
    ManifestNotFoundError,
    UnknownImageError,
    UnsupportedSchemaError,
)
from app.deploy.manifest import (
    DeployManifest,
    ImageTargets,
    LambdaTarget,
    load_manifest,
    parse_manifest,
)

URL = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"

DOCUMENT = {
    "schema": 1,
    "project": "cd",
    "stack": "dev",
    "images": {
        "lambda": {
            "repositoryName": "cd-dev-lambda",
            "repositoryUrl": f"{URL}/cd-dev-lambda",
            "tagParameter": "/cd/dev/images/lambda/tag",
            "placeholderTag": "initial",
            "lambdaFunctions": ["cd-dev-jobs", "cd-dev-api"],
            "ecsServices": [],
        },
        "web": {
            "repositoryName": "cd-dev-web",
            "repositoryUrl": f"{URL}/cd-dev-web",
            "tagParameter": "/cd/dev/images/web/tag",
            "placeholderTag": "initial",
            "lambdaFunctions": [],
            "ecsServices": [{"cluster": "cd-dev", "service": "cd-dev-web", "container": "web"}],
        },
    },
}


def document(**changes):
    doc = copy.deepcopy(DOCUMENT)
    doc.update(changes)
    return doc


def test_parses_the_documented_example():
    manifest = parse_manifest(json.dumps(DOCUMENT))

    lambda_image = manifest.image("lambda")
    assert lambda_image.lambda_functions == ("cd-dev-jobs", "cd-dev-api")
    assert lambda_image.image_uri("abc1234") == f"{URL}/cd-dev-lambda:abc1234"
    assert manifest.image("web").ecs_services[0].container == "web"


def test_round_trips_with_the_contracts_camel_case_names():
    manifest = parse_manifest(json.dumps(DOCUMENT))

    assert json.loads(manifest.to_json()) == DOCUMENT


def test_infra_can_build_it_from_python_names():
    manifest = DeployManifest(
        schema_version=1,
        project="cd",
        stack="dev",
        images={
            "lambda": ImageTargets(
                repository_name="cd-dev-lambda",
                repository_url=f"{URL}/cd-dev-lambda",
                tag_parameter="/cd/dev/images/lambda/tag",
                placeholder_tag="initial",
            )
        },
    )

    published = json.loads(manifest.to_json())
    assert published["images"]["lambda"]["lambdaFunctions"] == []
    assert parse_manifest(manifest.to_json()) == manifest


def test_construction_checks_consistency_too():
    with pytest.raises(ValueError, match="does not end with repositoryName 'cd-dev-lambda'"):
        ImageTargets(
            repository_name="cd-dev-lambda",
            repository_url=f"{URL}/other",
            tag_parameter="/cd/dev/images/lambda/tag",
            placeholder_tag="initial",
        )


def test_added_fields_are_ignored():
    doc = document(generatedBy="pulumi")
    doc["images"]["lambda"]["architecture"] = "arm64"

    assert parse_manifest(json.dumps(doc)).image("lambda").repository_name == "cd-dev-lambda"


def test_tag_of_reads_only_tags_of_this_repository():
    image = parse_manifest(json.dumps(DOCUMENT)).image("lambda")

    assert image.tag_of(f"{URL}/cd-dev-lambda:abc1234") == "abc1234"
    assert image.tag_of(f"{URL}/cd-dev-web:abc1234") is None
    assert image.tag_of(f"{URL}/cd-dev-lambda@sha256:00") is None


@pytest.mark.parametrize("schema", [5, 0, "1", "4", True, None])
def test_unknown_schema_is_rejected_before_the_fields(schema):
    doc = document(schema=schema, images="renamed in schema 5")
    if schema is None:
        del doc["schema"]

    with pytest.raises(
        UnsupportedSchemaError, match=rf"has schema {schema!r}; .* reads schemas 1, 2, 3 and 4"
    ):
        parse_manifest(json.dumps(doc))


def _without_function_list():
    doc = document()
    del doc["images"]["lambda"]["repositoryName"]
    return doc


def _mismatched_url():
    doc = document()
    doc["images"]["web"]["repositoryUrl"] = f"{URL}/other"
    return doc


def _duplicate_function():
    doc = document()
    doc["images"]["lambda"]["lambdaFunctions"] = ["a", "b", "a"]
    return doc


def _relative_parameter():
    doc = document()
    doc["images"]["lambda"]["tagParameter"] = "cd/dev/tag"
    return doc


def _image_name_with_space():
    doc = document()
    doc["images"]["web app"] = doc["images"].pop("web")
    return doc


def _empty_service_name():
    doc = document()
    doc["images"]["web"]["ecsServices"][0]["service"] = " "
    return doc


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", r"is not valid JSON"),
        ("[1]", r"must be a JSON object, got list"),
        (
            json.dumps(_without_function_list()),
            r"missing required field `repositoryName` - at `\$\.images\.lambda`",
        ),
        (
            json.dumps(_mismatched_url()),
            r"repositoryUrl '.*/other' does not end with .* - at `\$\.images\.web`",
        ),
        (json.dumps(_image_name_with_space()), r"matching regex .* - at `key` in `\$\.images`"),
        (json.dumps(_duplicate_function()), r"lambdaFunctions lists a more than once"),
        (
            json.dumps(_relative_parameter()),
            r"matching regex .* - at `\$\.images\.lambda\.tagParameter`",
        ),
        (
            json.dumps(_empty_service_name()),
            r"matching regex .* - at `\$\.images\.web\.ecsServices\[0\]\.service`",
        ),
    ],
)
def test_invalid_documents_are_rejected_naming_the_field(text, match):
    with pytest.raises(ManifestInvalidError, match=match) as raised:
        parse_manifest(text, "deploy manifest /cd/dev/deploy-manifest")

    assert str(raised.value).startswith("deploy manifest /cd/dev/deploy-manifest ")
    assert str(raised.value).endswith("point --manifest-parameter at the right parameter")
    assert raised.value.exit_code == 2


def test_unknown_image_lists_the_known_ones():
    manifest = parse_manifest(json.dumps(DOCUMENT))

    with pytest.raises(
        UnknownImageError, match=r"'api' is not .* cd/dev; known images: lambda, web"
    ):
        manifest.image("api")


def test_load_reads_the_parameter(stack):
    stack.ssm.put_parameter(
        Name="/cd/dev/deploy-manifest", Value=json.dumps(DOCUMENT), Type="String"
    )

    assert load_manifest(stack.ssm, "/cd/dev/deploy-manifest").project == "cd"


def test_load_of_a_missing_parameter_says_to_deploy_infra(stack):
    with pytest.raises(
        ManifestNotFoundError, match=r"/cd/dev/deploy-manifest does not exist; deploy"
    ):
        load_manifest(stack.ssm, "/cd/dev/deploy-manifest")


# -- each target and parameter belongs to one image (issue 11.6) ----------------------


def _function_under_two_images():
    doc = document()
    doc["images"]["web"]["lambdaFunctions"] = ["cd-dev-api"]
    return doc


def _container_under_two_images():
    doc = document()
    doc["images"]["lambda"]["ecsServices"] = list(doc["images"]["web"]["ecsServices"])
    return doc


def _shared_tag_parameter():
    doc = document()
    doc["images"]["web"]["tagParameter"] = doc["images"]["lambda"]["tagParameter"]
    return doc


def _shared_lock():
    doc = document()
    doc["images"]["web"]["lockParameter"] = "/cd/dev/images/lambda/release-lock"
    return doc


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        (_function_under_two_images(), r"Lambda function cd-dev-api is listed under images "),
        (_container_under_two_images(), r"ECS service cd-dev/cd-dev-web \(container web\) is "),
        (_shared_tag_parameter(), r"SSM parameter /cd/dev/images/lambda/tag is listed under"),
        (_shared_lock(), r"SSM parameter /cd/dev/images/lambda/release-lock is listed under"),
    ],
)
def test_a_target_or_parameter_under_two_images_is_refused(doc, match):
    with pytest.raises(ManifestInvalidError, match=match) as raised:
        parse_manifest(json.dumps(doc))

    assert raised.value.exit_code == 2


def test_two_containers_of_one_service_may_run_two_images():
    doc = document()
    doc["images"]["lambda"]["ecsServices"] = [
        {"cluster": "cd-dev", "service": "cd-dev-web", "container": "sidecar"}
    ]

    manifest = parse_manifest(json.dumps(doc))

    assert manifest.image("lambda").ecs_services[0].container == "sidecar"


# -- the lock and the failed-release record: named, or derived (issue 11.2, 11.4) ------


def test_without_the_new_fields_the_names_are_derived_from_the_tag_parameters_folder():
    image = parse_manifest(json.dumps(DOCUMENT)).image("lambda")

    assert image.lock_parameter_name == "/cd/dev/images/lambda/release-lock"
    assert image.failed_releases_parameter_name == "/cd/dev/images/lambda/failed-releases"
    # Absent fields stay absent when the model is written back out.
    assert (
        "lockParameter"
        not in json.loads(parse_manifest(json.dumps(DOCUMENT)).to_json())["images"]["lambda"]
    )


def test_the_names_a_manifest_gives_are_used():
    doc = document()
    doc["images"]["lambda"]["lockParameter"] = "/cd/dev/locks/lambda"
    doc["images"]["lambda"]["failedReleasesParameter"] = "/cd/dev/failed/lambda"

    manifest = parse_manifest(json.dumps(doc))

    image = manifest.image("lambda")
    assert (image.lock_parameter_name, image.failed_releases_parameter_name) == (
        "/cd/dev/locks/lambda",
        "/cd/dev/failed/lambda",
    )
    assert json.loads(manifest.to_json()) == doc


@pytest.mark.parametrize(
    ("field", "name", "match"),
    [
        ("lockParameter", "/aws/reserved", r'must not start with "aws" or "ssm"'),
        ("lockParameter", "/cd/dev/lock name", r"matching regex"),
        ("failedReleasesParameter", "/cd/dev/fail*", r"may only contain"),
        ("lockParameter", "/cd/dev/images/lambda/tag", r"three different parameters"),
        ("tagParameter", "/" + "/".join("abcdefghijklmnop"), r"deeper than 15 levels"),
    ],
)
def test_parameter_names_must_be_valid_ssm_names(field, name, match):
    doc = document()
    doc["images"]["lambda"][field] = name

    with pytest.raises(ManifestInvalidError, match=match):
        parse_manifest(json.dumps(doc))


# -- schema 2: versions, a live alias and CodeDeploy (issue 14) -------------------------


def _target(name: str, **changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "name": name,
        "alias": "live",
        "codeDeployApplication": "cd-dev-lambda",
        "deploymentGroup": name,
    }
    entry.update(changes)
    return entry


def document2(*targets: dict[str, object]) -> dict:
    """The example of SPEC-14 / the module docstring, schema 2."""
    doc = document(schema=2)
    for name in ("lambda", "web"):
        folder = f"/cd/dev/images/{name}"
        doc["images"][name]["lockParameter"] = f"{folder}/release-lock"
        doc["images"][name]["failedReleasesParameter"] = f"{folder}/failed-releases"
    doc["images"]["lambda"]["lambdaFunctions"] = list(targets) or [
        _target("cd-dev-jobs"),
        _target("cd-dev-api"),
    ]
    return doc


def test_schema_2_lists_each_function_with_its_alias_and_deployment_group():
    manifest = parse_manifest(json.dumps(document2()))

    image = manifest.image("lambda")
    assert manifest.schema_version == 2
    assert image.uses_aliases
    assert image.function_names == ("cd-dev-jobs", "cd-dev-api")
    assert image.lambda_targets == (
        LambdaTarget("cd-dev-jobs", "live", "cd-dev-lambda", "cd-dev-jobs"),
        LambdaTarget("cd-dev-api", "live", "cd-dev-lambda", "cd-dev-api"),
    )
    assert image.lock_parameter_name == "/cd/dev/images/lambda/release-lock"
    assert not manifest.image("web").uses_aliases  # ECS only: nothing to shift


def test_schema_2_round_trips_with_camel_case_names():
    manifest = parse_manifest(json.dumps(document2()))

    published = json.loads(manifest.to_json())

    assert published["schema"] == 2
    assert published["images"]["lambda"]["lambdaFunctions"][1] == _target("cd-dev-api")
    assert parse_manifest(manifest.to_json()) == manifest


def test_schema_1_keeps_reading_names():
    image = parse_manifest(json.dumps(DOCUMENT)).image("lambda")

    assert image.function_names == ("cd-dev-jobs", "cd-dev-api")
    assert image.lambda_targets == ()
    assert not image.uses_aliases


def _v2(mutate):
    doc = document2()
    mutate(doc)
    return doc


def _drop(field):
    return lambda doc: doc["images"]["lambda"].pop(field)


def _functions(*entries):
    return lambda doc: doc["images"]["lambda"].__setitem__("lambdaFunctions", list(entries))


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        (_v2(_drop("lockParameter")), r"images.lambda has no lockParameter; schema 2 requires"),
        (
            _v2(_drop("failedReleasesParameter")),
            r"images.lambda has no failedReleasesParameter; schema 2 requires",
        ),
        (_v2(_functions("cd-dev-jobs")), r"images.lambda.lambdaFunctions lists names; schema 2"),
        (
            document(schema=1, images={"lambda": document2()["images"]["lambda"]}),
            r"lists objects; schema 1 lists function names",
        ),
        (_v2(_functions("cd-dev-jobs", _target("cd-dev-api"))), r"mixes names and objects"),
        (
            _v2(_functions(_target("cd-dev-api"), _target("cd-dev-api", deploymentGroup="g"))),
            r"lambdaFunctions lists cd-dev-api more than once",
        ),
        (
            _v2(_functions(_target("a", deploymentGroup="g"), _target("b", deploymentGroup="g"))),
            r"deployment group cd-dev-lambda/g to more than one function",
        ),
        (_v2(_functions(_target("a", alias="7"))), r"Expected `str` matching regex"),
        (_v2(_functions(_target("a", alias="$LATEST"))), r"Expected `str` matching regex"),
        (_v2(_functions(_target("a", deploymentGroup=""))), r"Expected `str` matching regex"),
        (
            _v2(_functions({"name": "a", "alias": "live", "codeDeployApplication": "x"})),
            r"missing required field `deploymentGroup`",
        ),
    ],
    ids=[
        "no-lock-parameter",
        "no-failed-releases-parameter",
        "names-in-schema-2",
        "objects-in-schema-1",
        "mixed",
        "duplicate-function",
        "shared-deployment-group",
        "alias-a-version-number",
        "alias-latest",
        "empty-group",
        "missing-group",
    ],
)
def test_invalid_schema_2_documents_are_rejected(doc, match):
    with pytest.raises(ManifestInvalidError, match=match):
        parse_manifest(json.dumps(doc))


def test_schema_2_function_or_deployment_group_under_two_images_is_refused():
    doc = document2()
    web = doc["images"]["web"]
    web["lambdaFunctions"] = [_target("cd-dev-other", deploymentGroup="cd-dev-api")]

    with pytest.raises(
        ManifestInvalidError,
        match=r"CodeDeploy deployment group cd-dev-lambda/cd-dev-api is listed under images "
        r"'lambda' and 'web'",
    ):
        parse_manifest(json.dumps(doc))
    web["lambdaFunctions"] = [_target("cd-dev-api", deploymentGroup="other")]
    with pytest.raises(ManifestInvalidError, match=r"Lambda function cd-dev-api is listed under"):
        parse_manifest(json.dumps(doc))
