"""A stand-in resource provider plugin (``pulumi-resource-aws``, ``pulumi-resource-docker``).

It speaks Pulumi's provider protocol through the Python provider SDK's gRPC server
(``pulumi.provider.server``), for any resource type: ``Check`` accepts the inputs as
given, ``Diff`` calls every changed input an update and never a replacement (it has no
schema, so it cannot know which properties force a new resource: that stays unproven),
``Create`` answers with the ids and outputs of the offline mocks
(``infra_pulumi.plan.mocks._outputs_for``), ``Read`` returns what its cloud holds, and
invokes are answered by the offline mocks' handlers (a tag parameter that the cloud holds
is read from there). Every call is recorded (store.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.output import Unknown
from pulumi.provider.provider import Provider
from pulumi.provider.server import ProviderServicer
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    EXAMPLE_ACCOUNT,
    SSM_GET_PARAMETER,
    EngineError,
    InvokeHandler,
    OfflineMocks,
    _outputs_for,
    image_tags,
    parameter_value,
)
from tests_engine.standin.store import CallRecord, Cloud, CloudObject, plain

#: The cloud-object type of an image in a registry (see ``_cloud_lookup``).
REGISTRY_IMAGE = "standin:ecr:image"

#: The Python SDK package whose version each stand-in reports, so that the engine finds
#: the version the program's SDK asks for (requirements.txt pins both).
SDK_PACKAGES = {"aws": "pulumi-aws", "docker": "pulumi-docker"}

#: pulumi/pulumi pkg/resource/deploy/source_eval.go (ResourceMonitor.Invoke) prefixes a
#: provider's invoke error with this; EngineError texts already carry it, so it is taken
#: off here and the engine puts it back.
_ENGINE_INVOKE_PREFIX = "invocation of {token} returned an error: "


def _to_dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Property values as the SDK's mock monitor hands them to the offline mocks
    (``rpc.deserialize_properties``): secrets stay wrapped, numbers are floats."""
    values: dict[str, Any] = rpc.deserialize_properties(struct, keep_unknowns=True)
    return values


def _logged(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values for the record: secrets masked, integral numbers as ints."""

    def mask(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
                return "[secret]"
            return {k: mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mask(v) for v in value]
        if isinstance(value, Unknown):
            return "[unknown]"
        return value

    logged: dict[str, Any] = plain(mask(dict(values)))
    return logged


def _to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(dict(values), struct_pb2.Struct())


async def _abort(context: Any, code: grpc.StatusCode, text: str) -> NoReturn:
    """End the call with a gRPC error (grpc.aio's ``abort`` raises)."""
    await context.abort(code, text)
    raise AssertionError("grpc.aio's abort returned")


def _type_and_name(urn: str) -> tuple[str, str]:
    """``urn:pulumi:<stack>::<project>::<parent types$>type::<name>`` -> (type, name)."""
    _, _, types, name = urn.split("::", 3)
    return types.rsplit("$", 1)[-1], name


def changed_inputs(
    olds: Mapping[str, Any],
    old_inputs: Mapping[str, Any],
    news: Mapping[str, Any],
    ignore: list[str],
) -> list[str]:
    """Top-level inputs whose new value differs from the state's (or the old input's).

    Like Terraform's plan, a new input is compared with the prior state; a key only in
    the old inputs that the program no longer sets is a change too (a removal).
    """
    keys = (set(news) | set(old_inputs)) - {"__defaults"} - set(ignore)
    changed = []
    for key in sorted(keys):
        before = olds[key] if key in olds else old_inputs.get(key)
        if news.get(key) != before:
            changed.append(key)
    return changed


class StandInServicer(ProviderServicer):
    """The provider protocol's resource operations, on top of the SDK's server."""

    def __init__(self, package: str, version: str, engine_address: str) -> None:
        super().__init__(Provider(version=version), [], engine_address=engine_address)
        self.package = package
        self.cloud = Cloud.from_env()
        self.record = CallRecord.from_env()
        self.region = "us-east-1"

    def _log(self, method: str, **fields: Any) -> None:
        self.record.append({"provider": self.package, "method": method, **fields})

    async def CheckConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._log("CheckConfig", urn=request.urn, news=_logged(_to_dict(request.news)))
        return provider_pb2.CheckResponse(inputs=request.news)

    async def DiffConfig(self, request: Any, context: Any) -> Any:  # noqa: N802
        olds, news = _to_dict(request.olds), _to_dict(request.news)
        changed = changed_inputs(olds, _to_dict(request.old_inputs), news, [])
        self._log("DiffConfig", urn=request.urn, changed=changed)
        kind = (
            provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE
        )
        return provider_pb2.DiffResponse(changes=kind, diffs=changed)

    async def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802
        args = _to_dict(request.args)
        region = args.get("region") or request.variables.get(f"{self.package}:config:region")
        if isinstance(region, str) and region:
            self.region = region
        self._log("Configure", args=_logged(args))
        # Secrets arrive wrapped and are answered as they came, as the real providers
        # do; resource references arrive as their ids. Previews of Create and Update come
        # here too (supportsPreview), so a preview shows the outputs an update keeps.
        return provider_pb2.ConfigureResponse(
            acceptSecrets=True, acceptResources=False, supportsPreview=True
        )

    async def Check(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._log("Check", urn=request.urn, news=_logged(_to_dict(request.news)))
        return provider_pb2.CheckResponse(inputs=request.news)

    async def Diff(self, request: Any, context: Any) -> Any:  # noqa: N802
        olds, news = _to_dict(request.olds), _to_dict(request.news)
        old_inputs = _to_dict(request.old_inputs)
        changed = changed_inputs(olds, old_inputs, news, list(request.ignoreChanges))
        self._log(
            "Diff",
            urn=request.urn,
            id=request.id,
            news=_logged(news),
            oldInputs=_logged(old_inputs),
            ignoreChanges=list(request.ignoreChanges),
            changed=changed,
        )
        kind = (
            provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE
        )
        return provider_pb2.DiffResponse(changes=kind, diffs=changed)

    def _state(self, urn: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id and state the offline mocks give a resource with these inputs."""
        typ, name = _type_and_name(urn)
        outputs = _outputs_for(typ, name, inputs, self.region, EXAMPLE_ACCOUNT)
        resource_id = str(outputs.get("id") or inputs.get("name") or f"{name}-id")
        return resource_id, {**inputs, **outputs}

    async def Create(self, request: Any, context: Any) -> Any:  # noqa: N802
        inputs = _to_dict(request.properties)
        if request.preview:
            # Computed outputs are unknown until the resource exists: left out, the SDK
            # sees them as unknown in a preview.
            return provider_pb2.CreateResponse(id="", properties=request.properties)
        resource_id, state = self._state(request.urn, inputs)
        typ, _ = _type_and_name(request.urn)
        self.cloud.put(CloudObject(typ, resource_id, request.urn, state))
        self._log("Create", urn=request.urn, id=resource_id, news=_logged(inputs))
        return provider_pb2.CreateResponse(id=resource_id, properties=_to_struct(state))

    async def Read(self, request: Any, context: Any) -> Any:  # noqa: N802
        typ, _ = _type_and_name(request.urn)
        old_inputs = _to_dict(request.inputs)
        live = self.cloud.get(typ, request.id)
        self._log("Read", urn=request.urn, id=request.id, found=live is not None)
        if live is None:
            return provider_pb2.ReadResponse(id="")
        # As pulumi-terraform-bridge does on a refresh (pkg/tfbridge/schema.go,
        # ExtractInputsFromOutputs with isRefresh): only the inputs already present take
        # their new values from what was read.
        inputs = {k: live.properties.get(k, v) for k, v in old_inputs.items()}
        return provider_pb2.ReadResponse(
            id=request.id, properties=_to_struct(live.properties), inputs=_to_struct(inputs)
        )

    async def Update(self, request: Any, context: Any) -> Any:  # noqa: N802
        news = _to_dict(request.news)
        if request.preview:
            # The outputs an update keeps, with the new inputs (some may be unknown yet).
            planned = struct_pb2.Struct()
            planned.CopyFrom(request.olds)
            planned.update(request.news)
            return provider_pb2.UpdateResponse(properties=planned)
        self._log(
            "Update",
            urn=request.urn,
            id=request.id,
            news=_logged(news),
            olds=_logged(_to_dict(request.olds)),
            oldInputs=_logged(_to_dict(request.old_inputs)),
            ignoreChanges=list(request.ignoreChanges),
        )
        _, state = self._state(request.urn, news)
        typ, _ = _type_and_name(request.urn)
        self.cloud.put(CloudObject(typ, request.id, request.urn, state))
        return provider_pb2.UpdateResponse(properties=_to_struct(state))

    async def Delete(self, request: Any, context: Any) -> Any:  # noqa: N802
        typ, _ = _type_and_name(request.urn)
        found = self.cloud.delete(typ, request.id)
        self._log("Delete", urn=request.urn, id=request.id, found=found)
        return empty_pb2.Empty()

    def _cloud_lookup(self, token: str, args: Mapping[str, Any]) -> InvokeHandler | None:
        """An answer from this stand-in's own cloud, where it holds what was asked for.

        The tag (and a promoted stage's digest) parameters are read back: the program
        creates them, and the app pipeline (or a promotion) writes their value (a test
        puts one in the cloud to stand for a release). So are images a registry holds
        (``REGISTRY_IMAGE`` objects, keyed ``<registry id>/<repository>@<digest>``): no
        program of this stack creates them; a test puts one to stand for what a build
        stage's release and a promotion leave in the build stage's registry. On an empty
        cloud (a first deploy) every answer is the offline mocks'.
        """
        if token == ECR_GET_IMAGE:
            key = f"{args.get('registryId')}/{args.get('repositoryName')}@{args.get('imageDigest')}"
            image = self.cloud.get(REGISTRY_IMAGE, key)
            return image_tags(*image.properties["imageTags"]) if image is not None else None
        if token != SSM_GET_PARAMETER:
            return None
        for obj in self.cloud.objects("aws:ssm/parameter:Parameter"):
            if obj.properties.get("name") == args.get("name"):
                # A parameter's value is set through `value` or, when it is not
                # sensitive, `insecureValue` (this program's tag parameters).
                value = obj.properties.get("value", obj.properties.get("insecureValue"))
                if isinstance(value, dict):  # a secret, as the engine sent it
                    value = value.get("value")
                return parameter_value(str(value))
        return None

    async def Invoke(self, request: Any, context: Any) -> Any:  # noqa: N802
        args = _to_dict(request.args)
        self._log("Invoke", token=request.tok, args=_logged(args))
        handler = self._cloud_lookup(request.tok, args) or OfflineMocks(
            region=self.region
        ).invokes.get(request.tok)
        if handler is None:
            await _abort(
                context,
                grpc.StatusCode.UNIMPLEMENTED,
                f"the stand-in {self.package} provider has no answer for invoke {request.tok}; "
                "add one to infra_pulumi/plan/mocks.py (the offline runner needs it too)",
            )
        try:
            result = handler(args)
        except EngineError as exc:
            text = exc.details().removeprefix(_ENGINE_INVOKE_PREFIX.format(token=request.tok))
            await _abort(context, grpc.StatusCode.UNKNOWN, text)
        values, failures = result if isinstance(result, tuple) else (result, [])
        response = {
            "return": _to_struct(values),
            "failures": [provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures],
        }
        return provider_pb2.InvokeResponse(**response)


def main(argv: list[str]) -> None:
    """``<package> [engine flags] <engine address>``: the wrapper script on PATH named
    ``pulumi-resource-<package>`` passes the package, the engine its address (last)."""
    if len(argv) < 2 or argv[0] not in SDK_PACKAGES:
        raise SystemExit(f"usage: provider {{{','.join(sorted(SDK_PACKAGES))}}} <engine address>")
    package, engine = argv[0], argv[-1]
    version = importlib.metadata.version(SDK_PACKAGES[package])

    async def serve() -> None:
        server = grpc.aio.server()
        servicer = StandInServicer(package, version, engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        # The plugin handshake: the engine reads the port from the first line of stdout.
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    # The engine ends its plugins with SIGINT when it is done with them.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main(sys.argv[1:])
