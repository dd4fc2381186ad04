"""The command line speaks in words: its help lists every command, `repair` is a re-run, a
closed pipe ends quietly, a user without sudo is told to use it; never a traceback."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

OS_RELEASE = Path(__file__).parent.parent / "data/os-release/debian-12"
COMMAND = [sys.executable, "-m", "installer.cli"]


def cli(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, check=False,
                          **kwargs)  # type: ignore[call-overload]


def test_help_lists_every_command() -> None:
    done = cli("--help")
    assert done.returncode == 0
    for command in ("cht-install doctor", "cht-install renew-cert", "cht-install repair"):
        assert command in done.stdout
    assert "(default: no user)" in done.stdout and "nobody" not in done.stdout


def test_repair_is_a_plain_re_run(tmp_path: Path) -> None:
    plain = cli("--dry-run", "--json", "--root", str(tmp_path), "--os-release", str(OS_RELEASE),
                "--hostname", "cht.example.org")
    repair = cli("repair", "--dry-run", "--json", "--root", str(tmp_path), "--os-release",
                 str(OS_RELEASE), "--hostname", "cht.example.org")
    assert repair.returncode == plain.returncode == 0, repair.stderr
    assert repair.stdout.count('"id"') == plain.stdout.count('"id"') > 10


def test_a_reader_that_goes_away_ends_the_output_quietly(tmp_path: Path) -> None:
    for _ in range(10):
        reader = subprocess.Popen(
            [*COMMAND, "--dry-run", "--root", str(tmp_path), "--os-release", str(OS_RELEASE),
             "--hostname", "cht.example.org"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert reader.stdout is not None and reader.stderr is not None
        reader.stdout.readline()
        reader.stdout.close()  # `| head -1`
        errors = reader.stderr.read().decode()
        reader.wait(timeout=60)
        assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors


AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
REPO = Path(__file__).parents[2]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_a_user_without_sudo_is_told_to_use_it_even_for_a_dry_run() -> None:
    readable = subprocess.run([*AS_NOBODY, sys.executable, "-c", "import installer.cli"],
                              cwd=REPO, capture_output=True, check=False)
    if readable.returncode != 0:
        pytest.skip("this checkout or its .venv is not readable by other users")
    root = Path(tempfile.mkdtemp(prefix="cht-cli-"))
    try:
        root.chmod(0o755)
        answers = root / "etc/cht-install/answers.yml"
        answers.parent.mkdir(parents=True)
        answers.parent.chmod(0o755)
        answers.write_text("hostname: cht.example.org\n")
        answers.chmod(0o600)
        assert stat.S_IMODE(answers.stat().st_mode) == 0o600
        done = subprocess.run(
            [*AS_NOBODY, *COMMAND, "--dry-run", "--root", str(root)],
            capture_output=True, text=True, check=False, cwd=REPO,
            env={**os.environ, "HOME": "/nonexistent"})
        assert done.returncode == 2
        assert "sudo cht-install --dry-run" in done.stderr, done.stderr
        assert "bad answer" not in done.stderr and "Permission denied" not in done.stderr
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=True)


def test_a_scheduled_job_finds_the_system_tools_with_crons_short_path() -> None:
    from installer.cli import with_system_path

    assert with_system_path("/usr/bin:/bin").split(":")[:2] == ["/usr/bin", "/bin"]
    assert "/usr/sbin" in with_system_path("/usr/bin:/bin").split(":")
    done = subprocess.run(
        [sys.executable, "-c", "import os, installer.cli as c; c.run = lambda argv: "
         "print(os.environ['PATH']) or 0; c.main([])"],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True)
    assert "/usr/sbin" in done.stdout.split(":")


@pytest.mark.parametrize("command", ["doctor", "renew-cert", "backup", "restore",
                                     "health-check", "alert-test"])
def test_every_command_takes_yes_and_answers_a_wrong_option_with_its_own(
        command: str, tmp_path: Path) -> None:
    file = [str(tmp_path / "cht-backup.tar.gz")] if command == "restore" else []
    done = cli(command, *file, "--yes", "--no-such-option", "--root", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"cht-install {command}: --no-such-option is not one of its options.\n"
        f"What cht-install {command} takes:\n"), done.stderr
    assert "--yes " in done.stderr and "--root" not in done.stderr
    assert "usage:" not in done.stderr and "unrecognized" not in done.stderr
    if command == "restore":
        assert "FILE " in done.stderr and "--replace-data" in done.stderr


def test_restore_takes_yes_and_still_changes_nothing_unasked(tmp_path: Path) -> None:
    # Refused for the missing file, or (on a test host with CHT's data) for the data that
    # only --replace-data replaces: either way before any change.
    done = cli("restore", str(tmp_path / "cht-backup-x.tar.gz"), "--yes", "--root",
               str(tmp_path))
    assert done.returncode == 2
    assert "Nothing was changed" in done.stderr, done.stderr
    assert "not one of its options" not in done.stderr


@pytest.mark.parametrize(("args", "said"), [
    (("--no-such-option",), "cht-install: --no-such-option is not one of its options.\n"),
    (("restor", "x"), "cht-install: there is no command 'restor'. The commands are doctor, "),
    (("--http-port", "eighty"), "cht-install: --http-port takes a whole number, not "
                                "'eighty'.\n"),
    (("--tls-mode", "lets"), "cht-install: --tls-mode takes self-signed, own, letsencrypt, "
                             "not 'lets'.\n"),
])
def test_a_wrong_word_on_the_command_line_is_answered_in_words(
        args: tuple[str, ...], said: str) -> None:
    done = cli(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(said), done.stderr
    assert "`cht-install --help` lists every option" in done.stderr


def test_version_is_read_only_when_asked() -> None:
    from importlib.metadata import version as installed

    built = subprocess.run(  # every command builds the parser: no metadata read for it
        [sys.executable, "-c", "import sys, installer.cli as c; c.parser(); "
         "print('importlib.metadata' in sys.modules)"], capture_output=True, text=True,
        check=True, cwd=Path(__file__).parents[2])
    assert built.stdout.strip() == "False"
    asked = cli("--version")
    assert asked.returncode == 0
    assert asked.stdout == f"cht-install {installed('cht-install')}\n"
