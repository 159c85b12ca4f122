"""Build the course website's two editions from one source.

- ``full``: every exercise with its worked solution, into ``OUT/html``;
- ``student``: the same pages with the worked solutions removed (the local
  extension ``student_edition``), into ``OUT/html-student``.

Both editions share one execution cache (``OUT/.jupyter_cache``), so the second
build reuses the notebooks the first one executed. Warnings are errors
(``-W -n --keep-going``, as ``jupyter-book build`` spells them).

With ``--quiet`` (as ``make`` runs it) Sphinx's progress log is reduced to one
line per edition and one per chapter executed; warnings are printed as always.

Usage: ``python book/tools/build_editions.py [--out _build] [--edition full|student|both]
[--quiet]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from jupyter_book.sphinx import build_sphinx

ROOT = Path(__file__).resolve().parents[2]


def pdf_name(edition: str) -> str:
    """The file name of an edition's PDF (``book/tools/print_pdf.py`` makes it)."""
    return f"hw4-{edition}.pdf"


# where the site keeps its edition's PDF (every page's sidebar links it)
PDF_FOLDER = "pdf"
# edition: (output folder, configuration overrides, Sphinx tags for ``{only}``)
EDITIONS: dict[str, tuple[str, dict[str, Any], list[str]]] = {
    "full": ("html", {"edition_pdf": f"{PDF_FOLDER}/{pdf_name('full')}"}, ["full"]),
    # no page sources in the student edition (nor the button that downloads them):
    # they hold the worked solutions
    "student": (
        "html-student",
        {
            "student_edition": True,
            "edition_pdf": f"{PDF_FOLDER}/{pdf_name('student')}",
            "html_copy_source": False,
            "html_show_sourcelink": False,
            "html_theme_options": {"use_download_button": False},
        },
        ["student"],
    ),
}


# myst-nb's log line for a chapter it executes (colour codes aside)
EXECUTING = re.compile(r"(\S+): Executing notebook")
COLOUR = re.compile(r"\x1b\[[0-9;]*m")


class ProgressOnly(io.TextIOBase):
    """Sphinx's status stream reduced to one line per chapter executed.

    Only the status stream passes through it; Sphinx writes warnings and errors
    to its own stream (stderr), untouched.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            match = EXECUTING.search(COLOUR.sub("", line))
            if match:
                path = Path(match.group(1))
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                print(f"  executing {shown}", file=self.out, flush=True)
        return len(text)


def single_page_folder(edition: str) -> str:
    """The output folder of an edition's single-page build (the one printed to PDF)."""
    return f"singlehtml-{edition}"


def build_edition(edition: str, out: Path, quiet: bool = False, single_page: bool = False) -> int:
    """Build one edition into ``out``; return Sphinx's exit status (0 when clean).

    ``single_page``: the edition as one page (Sphinx's ``singlehtml`` builder), from the
    same environment as its website, so that nothing is read or executed again.
    """
    html_dir, overrides, tags = EDITIONS[edition]
    target = out / (single_page_folder(edition) if single_page else html_dir)
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    what = "website as one page" if single_page else "website"
    print(f"building the {what}, {edition} edition, into {shown}/", flush=True)
    # jupyter-book hands Sphinx the sys.stdout of the moment as its status stream
    status = ProgressOnly(sys.stdout) if quiet else sys.stdout
    with contextlib.redirect_stdout(status):
        result = build_sphinx(
            ROOT,
            target,
            noconfig=True,
            path_config=str(ROOT / "_config.yml"),
            confoverrides={
                "external_toc_path": (ROOT / "_toc.yml").as_posix(),
                "latex_individualpages": False,
                "nitpicky": True,
                "nb_execution_cache_path": str(out / ".jupyter_cache"),
                **overrides,
            },
            doctreedir=out / f".doctrees-{edition}",
            tags=tags,
            warningiserror=True,
            keep_going=True,
            builder="singlehtml" if single_page else "html",
        )
    return 1 if isinstance(result, Exception) else int(result)


def main(argv: list[str] | None = None) -> int:
    """Build the editions asked for; non-zero if any build failed or warned."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build", help="output folder")
    parser.add_argument("--edition", choices=[*EDITIONS, "both"], default="both")
    parser.add_argument(
        "--quiet", action="store_true", help="progress only: editions and chapters executed"
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    os.chdir(ROOT)  # _config.yml names its local extensions relative to the book root
    editions = list(EDITIONS) if args.edition == "both" else [args.edition]
    failed = [edition for edition in editions if build_edition(edition, out, args.quiet) != 0]
    if failed:
        print(f"build failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
