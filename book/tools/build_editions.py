"""Build the course website's two editions from one source.

- ``full``: every exercise with its worked solution, into ``OUT/html``;
- ``student``: the same pages with the worked solutions removed (the local
  extension ``student_edition``), into ``OUT/html-student``.

Both editions share one execution cache (``OUT/.jupyter_cache``), so the second
build reuses the notebooks the first one executed. Warnings are errors
(``-W -n --keep-going``, as ``jupyter-book build`` spells them).

Usage: ``python book/tools/build_editions.py [--out _build] [--edition full|student|both]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from jupyter_book.sphinx import build_sphinx

ROOT = Path(__file__).resolve().parents[2]
# edition: (output folder, configuration overrides, Sphinx tags for ``{only}``)
EDITIONS: dict[str, tuple[str, dict[str, Any], list[str]]] = {
    "full": ("html", {}, ["full"]),
    # no page sources in the student edition (nor the button that downloads them):
    # they hold the worked solutions
    "student": (
        "html-student",
        {
            "student_edition": True,
            "html_copy_source": False,
            "html_show_sourcelink": False,
            "html_theme_options": {"use_download_button": False},
        },
        ["student"],
    ),
}


def build_edition(edition: str, out: Path) -> int:
    """Build one edition into ``out``; return Sphinx's exit status (0 when clean)."""
    html_dir, overrides, tags = EDITIONS[edition]
    print(f"== {edition} edition -> {out / html_dir}", flush=True)
    result = build_sphinx(
        ROOT,
        out / html_dir,
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
    )
    return 1 if isinstance(result, Exception) else int(result)


def main(argv: list[str] | None = None) -> int:
    """Build the editions asked for; non-zero if any build failed or warned."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build", help="output folder")
    parser.add_argument("--edition", choices=[*EDITIONS, "both"], default="both")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    os.chdir(ROOT)  # _config.yml names its local extensions relative to the book root
    editions = list(EDITIONS) if args.edition == "both" else [args.edition]
    failed = [edition for edition in editions if build_edition(edition, out) != 0]
    if failed:
        print(f"build failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
