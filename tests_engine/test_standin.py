"""The stand-ins' own rules, without the engine: what counts as a change, what the exec
script is given, and what the record and the cloud keep."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime.proto import language_pb2

from tests_engine.standin.langhost import exec_arguments, virtualenv
from tests_engine.standin.provider import _logged, _type_and_name, changed_inputs
from tests_engine.standin.store import CallRecord, Cloud, CloudObject

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"}


def test_an_unchanged_input_is_no_change() -> None:
    olds = {"name": "live", "description": "d", "arn": "arn:computed"}
    assert (
        changed_inputs(
            olds, {"name": "live", "description": "d"}, {"name": "live", "description": "d"}, []
        )
        == []
    )


def test_a_changed_input_is_compared_with_the_state() -> None:
    olds = {"description": "old", "functionVersion": "2"}
    old_inputs = {"description": "old", "functionVersion": "1"}
    news = {"description": "new", "functionVersion": "1"}
    assert changed_inputs(olds, old_inputs, news, []) == ["description", "functionVersion"]
    assert changed_inputs(olds, old_inputs, news, ["functionVersion"]) == ["description"]


def test_a_removed_input_and_an_unknown_one_are_changes() -> None:
    olds = {"description": "d", "kmsKeyArn": "arn:k"}
    assert changed_inputs(olds, olds, {"description": "d"}, []) == ["kmsKeyArn"]
    assert changed_inputs(olds, olds, {**olds, "description": Unknown()}, []) == ["description"]


def test_the_record_masks_secrets_and_unknowns() -> None:
    logged = _logged({"registry": {"password": SECRET}, "size": 512.0, "arn": Unknown()})
    assert logged == {"registry": {"password": "[secret]"}, "size": 512, "arn": "[unknown]"}


def test_a_urn_names_the_resource_type_and_name() -> None:
    urn = (
        "urn:pulumi:dev::container-delivery::"
        "container-delivery:lambda:ContainerFunction$aws:lambda/alias:Alias::api-alias"
    )
    assert _type_and_name(urn) == ("aws:lambda/alias:Alias", "api-alias")


def test_the_exec_script_gets_the_hosts_arguments(tmp_path: Path) -> None:
    options = struct_pb2.Struct()
    options.update({"toolchain": "pip", "virtualenv": ".venv"})
    request = language_pb2.RunRequest(
        project="container-delivery",
        stack="dev",
        pwd=str(tmp_path / "infra_pulumi"),
        monitor_address="127.0.0.1:1",
        dryRun=True,
        parallel=8,
        info=language_pb2.ProgramInfo(
            root_directory=str(tmp_path),
            program_directory=str(tmp_path / "infra_pulumi"),
            entry_point=".",
            options=options,
        ),
    )

    assert exec_arguments(request, "127.0.0.1:2") == [
        "--monitor", "127.0.0.1:1",
        "--engine", "127.0.0.1:2",
        "--project", "container-delivery",
        "--root_directory", str(tmp_path),
        "--stack", "dev",
        "--pwd", str(tmp_path / "infra_pulumi"),
        "--dry_run", "true",
        "--parallel", "8",
        ".",
    ]  # fmt: skip
    assert virtualenv(request.info) == tmp_path / ".venv"


def test_changing_what_the_cloud_lacks_names_what_it_has(tmp_path: Path) -> None:
    cloud = Cloud(tmp_path / "cloud.json")
    cloud.put(CloudObject("aws:lambda/alias:Alias", "a1", "urn:a1", {"functionVersion": "1"}))

    assert cloud.change("aws:lambda/alias:Alias", "a1", functionVersion="2").properties == {
        "functionVersion": "2"
    }
    with pytest.raises(KeyError, match=r"no aws:lambda/alias:Alias::a2; it has .*a1"):
        cloud.change("aws:lambda/alias:Alias", "a2", functionVersion="3")


def test_the_record_reads_back_in_order(tmp_path: Path) -> None:
    record = CallRecord(tmp_path / "calls.jsonl")
    record.append({"method": "Create", "size": 1.0})
    mark = record.mark()
    record.append({"method": "Update"})

    assert record.entries() == [{"method": "Create", "size": 1}, {"method": "Update"}]
    assert record.since(mark) == [{"method": "Update"}]
