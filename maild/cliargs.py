"""How the `maild` command line is read: `--config FILE` anywhere.

Administrators type `maild tickets --config /etc/maild/maild.toml` as often as
`maild --config ... tickets`; click reads group options only before the
command's name, so the group moves every `--config` it finds (up to a `--`)
to the front before parsing. No subcommand has an option of that name.
"""

from __future__ import annotations

import click

JSON_HELP = "Print JSON instead of text: stable field names, for scripts."


def hoist_config(args: list[str]) -> list[str]:
    """`tickets --config F --json` -> `--config F tickets --json`, order kept."""
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest += args[index:]
            break
        if arg == "--config" and index + 1 < len(args):
            front += args[index : index + 2]
            index += 2
            continue
        (front if arg.startswith("--config=") else rest).append(arg)
        index += 1
    return front + rest


class ConfigAnywhere(click.Group):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_config(args))
