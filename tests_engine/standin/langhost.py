"""A stand-in ``pulumi-language-python``: runs the program with Pulumi's own exec script.

The Go module proxy serves ``pkg/v3`` and ``sdk/v3`` but not the language host's module
(``sdk/python/cmd/pulumi-language-python/v3``), so the real host cannot be built here. This
stand-in does the one thing ``pulumi preview/up/refresh/destroy`` need from it: ``Run``
starts ``<virtualenv>/bin/python <pulumi-language-python-exec> <arguments>``, with the
arguments and environment the real host builds from the engine's ``RunRequest``
(pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go: ``Run``,
``constructArguments``, ``constructConfig``; ``toolchain/pip.go``: ``Command``). The
exec script, from the ``sdk/v3`` module the engine is built with, then changes to the
``pwd`` the engine gives, configures the root directory and runs the program with
``runpy``. What the engine sends is recorded, so tests can assert it.

Not covered: ``pulumi install`` (``InstallDependencies`` is answered with an error that
says so, after recording the request), plugin discovery from the virtualenv
(``GetRequiredPackages`` answers "none"; the engine starts each provider when a resource
first needs it), type checkers and debuggers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

from tests_engine.standin.store import CallRecord

#: The exit code with which the exec script says it already showed the user the error
#: (``pythonProcessExitedAfterShowingUserActionableMessage`` in the real host).
_SHOWN_TO_USER = 32
EXEC_SCRIPT = "pulumi-language-python-exec"


def _info(info: Any) -> dict[str, Any]:
    return {
        "rootDirectory": info.root_directory,
        "programDirectory": info.program_directory,
        "entryPoint": info.entry_point,
        "options": json_format.MessageToDict(info.options),
    }


def exec_arguments(request: Any, engine_address: str) -> list[str]:
    """The exec script's arguments, in the order and with the names the real host uses."""
    args: list[str] = []

    def optional(key: str, value: str) -> None:
        if value:
            args.extend([f"--{key}", value])

    optional("monitor", request.monitor_address)
    optional("engine", engine_address)
    optional("project", request.project)
    optional("root_directory", request.info.root_directory)
    optional("stack", request.stack)
    optional("pwd", request.pwd)
    optional("dry_run", "true" if request.dryRun else "false")
    optional("parallel", str(request.parallel))
    optional("organization", request.organization)
    return [*args, request.info.entry_point, *request.args]


def virtualenv(info: Any) -> Path:
    """``runtime.options.virtualenv`` of Pulumi.yaml, resolved from the project root."""
    options = json_format.MessageToDict(info.options)
    configured = options.get("virtualenv")
    if not configured:
        raise RuntimeError(
            "Pulumi.yaml sets no runtime.options.virtualenv; the stand-in language host "
            "runs the program only in a virtualenv, as this project's Pulumi.yaml asks"
        )
    return (Path(info.root_directory) / str(configured)).resolve()


class StandInLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The language runtime protocol's ``Run``, plus the small questions the CLI asks."""

    def __init__(self, engine_address: str) -> None:
        self.engine_address = engine_address
        self.record = CallRecord.from_env()

    def _log(self, method: str, **fields: Any) -> None:
        self.record.append({"provider": "python-host", "method": method, **fields})

    def GetPluginInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        return plugin_pb2.PluginInfo(version="")

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.GetRequiredPackagesResponse()

    def About(self, request: Any, context: Any) -> Any:  # noqa: N802
        return language_pb2.AboutResponse(executable=sys.executable, version=sys.version)

    def InstallDependencies(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._log("InstallDependencies", info=_info(request.info), directory=request.directory)
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "the stand-in Python language host does not install dependencies: the real "
            "pulumi-language-python could not be built here (README, 'Running the real "
            "Pulumi engine offline')",
        )

    def Run(self, request: Any, context: Any) -> Any:  # noqa: N802
        self._log(
            "Run",
            pwd=request.pwd,
            program=request.program,
            info=_info(request.info),
            dryRun=request.dryRun,
            # The config as the program receives it, secret values masked.
            config={
                key: "[secret]" if key in request.configSecretKeys else value
                for key, value in request.config.items()
            },
            configSecretKeys=sorted(request.configSecretKeys),
        )
        venv = virtualenv(request.info)
        python = venv / "bin" / "python"
        if not python.exists():
            return language_pb2.RunResponse(
                error=f"the virtualenv {venv} (Pulumi.yaml runtime.options.virtualenv) has no "
                "bin/python; create it, or point virtualenv at one that exists"
            )
        script = shutil.which(EXEC_SCRIPT)
        if script is None:
            return language_pb2.RunResponse(
                error=f"{EXEC_SCRIPT} is not on PATH; tools/pulumi-engine/build.sh puts it in "
                "tools/pulumi-engine/bin beside pulumi"
            )
        env = dict(os.environ)
        # toolchain.ActivateVirtualEnv: the virtualenv's bin first on PATH, no PYTHONHOME.
        env.pop("PYTHONHOME", None)
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        command = [str(python), script, *exec_arguments(request, self.engine_address)]
        # The program's output goes to this plugin's stdout and stderr, which the engine
        # shows; stdout's first line (the port) was written long before.
        code = subprocess.run(command, env=env, check=False).returncode
        if code == 0:
            return language_pb2.RunResponse()
        if code == _SHOWN_TO_USER:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")


def main(argv: list[str]) -> None:
    """``pulumi-language-python <engine address>``, as the engine launches it."""
    if not argv:
        raise SystemExit("usage: pulumi-language-python [engine flags] <engine address>")
    # The engine passes its address last (plugin.buildArgsForNewPlugin).
    engine = argv[-1]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(StandInLanguageHost(engine), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    # The engine ends its plugins with SIGINT when it is done with them.
    with contextlib.suppress(KeyboardInterrupt):
        server.wait_for_termination()


if __name__ == "__main__":
    main(sys.argv[1:])
