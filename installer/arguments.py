"""Command-line parsers that answer a wrong option in words, with the options there are."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import NoReturn

COMMAND_NAMES = ("doctor", "repair", "backup", "restore", "password", "upgrade", "migrate",
                 "health-check", "alert-test", "renew-cert")


class WordsParser(argparse.ArgumentParser):
    """argparse, but its errors are sentences a person can act on (exit 2, as argparse)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {self.in_words(message)}\n{self.options_in_words()}")

    def in_words(self, message: str) -> str:
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            words = unknown.group(1).split()
            options = [w for w in words if w.startswith("-")]
            if options:
                return f"{options[0].split('=')[0]} is not one of its options."
            if self.prog == "cht-install" and words[0] not in COMMAND_NAMES:
                return (f"there is no command {words[0]!r}. The commands are "
                        f"{', '.join(COMMAND_NAMES)}.")
            return f"{' '.join(words)!r} is not understood here."
        missing = re.match(r"the following arguments are required: (.*)", message)
        if missing:
            return f"it needs {missing.group(1).upper()}."
        bad = re.match(r"argument (\S+): (.*)", message)
        if bad:
            option, why = bad.group(1).split("/")[-1], bad.group(2)
            number = re.match(r"invalid int value: (.*)", why)
            if number:
                return f"{option} takes a whole number, not {number.group(1)}."
            choice = re.match(r"invalid choice: (.*) \(choose from (.*)\)", why)
            if choice:
                return (f"{option} takes {choice.group(2).replace(chr(39), '')}, "
                        f"not {choice.group(1)}.")
            return f"{option}: {why}."
        return message

    def options_in_words(self) -> str:
        if self.prog == "cht-install":
            return ("`cht-install --help` lists every option; `cht-install COMMAND --help` "
                    "a command's.\n")
        lines = []
        positionals_first = sorted(self._actions, key=lambda a: bool(a.option_strings))
        for action in positionals_first:
            if action.help == argparse.SUPPRESS:
                continue
            if action.option_strings:
                name = max(action.option_strings, key=len)
                if action.metavar or action.nargs is None and not isinstance(
                        action, (argparse._StoreTrueAction, argparse._HelpAction)):
                    name += f" {action.metavar or action.dest.upper()}"
            else:
                name = str(action.metavar or action.dest).upper()
            what = "what it takes, and what each option means" \
                if isinstance(action, argparse._HelpAction) else action.help or ""
            lines.append(f"  {name:<18} {what}")
        return f"What {self.prog} takes:\n" + "\n".join(lines) + "\n"


def command_parser(name: str, description: str) -> WordsParser:
    """A command's own parser: --yes (no questions) as everywhere, the tests' --root hidden."""
    p = WordsParser(prog=f"cht-install {name}", description=description)
    p.add_argument("--yes", action="store_true",
                   help="no questions (as with cht-install --yes)")
    p.add_argument("--root", type=Path, default=Path("/"), help=argparse.SUPPRESS)
    return p
