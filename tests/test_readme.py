"""The README's transcripts are real: each `$ kg ...` command prints what the README shows."""
import os
import re
import shlex
import shutil
import subprocess
import sys

from .conftest import REPO


def transcripts():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("$ "):
                cmd, out = lines[i][2:], []
                i += 1
                while i < len(lines) and not lines[i].startswith("$ "):
                    out.append(lines[i])
                    i += 1
                yield cmd, out
            else:
                i += 1


def test_readme_transcripts(tmp_path):
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    cases = list(transcripts())
    assert len(cases) >= 4
    env = dict(os.environ, KG_ONTOLOGY_DIR=str(REPO / "ontology"))
    for cmd, expected in cases:
        args = shlex.split(cmd)
        assert args[0] == "kg"
        res = subprocess.run([sys.executable, "-m", "kg", *args[1:]], cwd=tmp_path, capture_output=True,
                             text=True, env=env)
        assert res.returncode == 0, (cmd, res.stderr)
        got = res.stdout.splitlines()
        if expected and expected[-1] == "...":
            expected = expected[:-1]
            got = got[:len(expected)]
        assert got == expected, cmd


def test_readme_setup_commands_match_ci():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    setup = re.search(r"```console\n(.*?)```", text, re.S).group(1).splitlines()
    test_cmd = setup[1].split("#")[0].strip()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines(), "the CI must run exactly the README's test command"
