"""Command line: ``python -m grader <command> ...``.

Each command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; the modules are imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = {
    "grade": ("grader.course.cli", "grade every submission of an assignment in a sandbox"),
    "serve": ("grader.course.serve_cli", "grade each submission as it arrives"),
    "export": ("grader.course.export_cli", "grades and pages for Canvas or Moodle"),
    "report": ("grader.judgment.cli", "feedback pages and a class summary from answer files"),
    "collusion": ("grader.course.collusion_cli", "rebuild the collusion report from the records"),
}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        sub.set_defaults(module=module_name)
        if name in (argv if argv is not None else sys.argv[1:])[:1]:
            importlib.import_module(module_name).add_arguments(sub)
    args = parser.parse_args(argv)
    code: int = importlib.import_module(args.module).run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
