"""The man page and shell completions: generated from the parser, shipped, and working."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from photofinish.cli import manual
from photofinish.cli.parser import SUBCOMMANDS
from tests.cli.support import run
from tests.conftest import ROOT


def test_the_shipped_files_are_what_the_parser_makes_now():
    """Regenerate with: python -m photofinish.cli.manual resources"""
    for name, text in manual.shipped().items():
        assert (ROOT / "resources" / name).read_text(encoding="utf-8") == text, name


def test_the_man_page_has_every_command(tmp_path):
    page = manual.man_page()
    assert page.startswith(".TH PHOTOFINISH")
    for command in SUBCOMMANDS:
        assert f"photofinish {command}".replace("-", "\\-") in page
    groff = shutil.which("groff")
    if groff is not None:  # it renders without a warning where groff is there
        done = subprocess.run(
            [groff, "-man", "-Tutf8", "-ww", "-z"], input=page, capture_output=True, text=True
        )
        assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_print_completion_prints_the_script(capsys):
    code, out, _ = run(capsys, "--print-completion", "bash")
    assert code == 0
    assert out == manual.completion("bash")


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_and_their_options():
    script = ROOT / "resources" / "photofinish.bash"

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        done = subprocess.run(
            [
                "bash",
                "-c",
                f"source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                "_shtab_photofinish; printf '%s\\n' \"${COMPREPLY[@]}\"",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("photofinish", "su") == ["summary"]
    assert "lookup" in complete("photofinish", "")
    assert "--json" in complete("photofinish", "summary", "--")
    assert "--follow" in complete("photofinish", "new", "--f")
