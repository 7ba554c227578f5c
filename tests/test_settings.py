"""Shared options are declared once (kg.settings) and `--help`, README's tables and the code agree."""
import re

import click

from kg.cli import cli
from kg.settings import SETTINGS, markdown_table

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def commands(group=cli, path=()):
    """(path, command) of every command, subcommands of groups included."""
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from commands(cmd, path + (name,))
        else:
            yield path + (name,), cmd


def options(cmd) -> dict[str, click.Option]:
    return {o.opts[0]: o for o in cmd.params if isinstance(o, click.Option) and o.name != "help"}


def test_every_shared_option_comes_from_the_settings_table():
    used = set()
    flags = {s.flag: s for s in SETTINGS.values()}
    for path, cmd in commands():
        for flag, opt in options(cmd).items():
            s = flags.get(flag)
            if s is None:
                continue
            used.add(s.name)
            assert (opt.name, opt.default, opt.help) == (s.name, s.default, s.help), (path, flag)
    assert used == set(SETTINGS), f"settings no command uses: {set(SETTINGS) - used}"


def test_help_shows_the_settings():
    for path, cmd in commands():
        text = cmd.get_help(click.Context(cmd, info_name=" ".join(("kg",) + path)))
        text = " ".join(text.split())
        for flag, opt in options(cmd).items():
            if opt.name in SETTINGS:
                assert " ".join(SETTINGS[opt.name].help.split()) in text, (path, flag)


def test_readme_settings_table_is_current():
    block = re.search(r"<!-- settings:begin -->\n(.*?)\n<!-- settings:end -->", README, re.S)
    assert block and block.group(1) == markdown_table(), \
        "README's settings table is stale; paste kg.settings.markdown_table() between the markers"


def test_readme_command_table_lists_every_option():
    table = README.split("| command | what |\n", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `kg ")]
    documented: dict[tuple, set] = {}
    for row in rows:
        for usage in re.findall(r"`(kg [^`]+)`", row.split(" | ")[0]):
            words = usage.split()[1:]
            group, path = cli, ()
            while words and isinstance(group, click.Group) and words[0] in group.commands:
                path += (words[0],)
                group = group.commands[words.pop(0)]
            documented[path] = set(re.findall(r"--[a-z][a-z-]*", usage))
    for path, cmd in commands():
        assert path in documented, f"kg {' '.join(path)} is missing from README's command table"
        assert documented[path] == set(options(cmd)), f"kg {' '.join(path)}: README vs --help options"
