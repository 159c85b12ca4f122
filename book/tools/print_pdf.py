"""Print each edition of the website to a PDF, in Debian's Chromium.

For each edition: its single-page build (``build_editions.build_edition(...,
single_page=True)``, from the website's own environment: nothing is read or executed
again), served on 127.0.0.1, loaded in Chromium with every other host blocked, and
printed once MathJax has typeset every formula and every figure has loaded. The page's
print style sheet (``book/_static/print.css``) starts each chapter on a new page. The
PDF goes to ``OUT/pdf/hw4-<edition>.pdf`` and into the edition's website
(``OUT/<site>/pdf/``), where every page's sidebar links it.

The chapters are whatever ``_toc.yml`` lists: the single page holds them all.

Usage: ``python book/tools/print_pdf.py [--out _build] [--edition full|student|both]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from build_editions import EDITIONS, PDF_FOLDER, ROOT, build_edition, pdf_name, single_page_folder
from local_site import LOCAL_HOST, serve  # beside this script

PRINTED_PAGE = "print.html"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
# page numbers at the foot of every page (Chromium fills in the classes' values)
FOOTER = (
    '<div style="font-size: 8pt; width: 100%; text-align: center; color: #555;">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)
# resolves once the page is ready to print; names what is not
READY = """
async () => {
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    return 'MathJax did not load';
  }
  await MathJax.startup.promise;
  await document.fonts.ready;
  const images = [...document.querySelectorAll('img')];
  const loaded = await Promise.all(images.map(img => {
    img.loading = 'eager';
    return img.decode().then(() => img.naturalWidth > 0, () => false);
  }));
  const broken = images.filter((img, i) => !loaded[i]).map(img => img.src);
  if (broken.length) return 'figures that did not load: ' + broken.join(', ');
  const formulas = [...document.querySelectorAll('.math')];
  const raw = formulas.filter(m => !m.querySelector('mjx-container')).length;
  const wrong = document.querySelectorAll('mjx-merror').length;
  if (raw || wrong) return `${raw} formulas not typeset, ${wrong} with a TeX error`;
  return '';
}
"""
# a link into the page stays a link within the PDF; one to another file of the local
# build (a download, the site's PDF) would point to a server that no longer runs: it
# keeps its text only
LOCAL_LINKS = """
() => {
  for (const link of document.querySelectorAll('a[href]')) {
    const target = new URL(link.href);
    if (target.hostname !== location.hostname) continue;
    const id = decodeURIComponent(target.hash.slice(1));
    if (id && document.getElementById(id)) link.setAttribute('href', '#' + id);
    else link.removeAttribute('href');
  }
}
"""


class PrintError(Exception):
    """The PDF could not be made; the message says why."""


def page_to_print(folder: Path) -> Path:
    """The single page, as a file at the top of its build.

    Sphinx writes it under the root chapter's name (``book/intro.html``), but its
    addresses are relative to the top of the build: a copy there finds its style
    sheets, scripts and figures.
    """
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    page = folder / PRINTED_PAGE
    shutil.copyfile(folder / f"{toc['root']}.html", page)
    return page


def chromium() -> str:
    """Debian's Chromium (never a browser playwright downloads)."""
    executable = shutil.which("chromium")
    if executable is None:
        raise PrintError("chromium is needed to print the PDFs (Debian: apt-get install chromium)")
    return executable


def only_local(route: Any) -> None:
    """Let 127.0.0.1 through; abort any other host (the PDF is made offline)."""
    if urlparse(route.request.url).hostname == LOCAL_HOST:
        route.continue_()
    else:
        route.abort()


def print_page(url: str, target: Path) -> None:
    """Load ``url`` in Chromium, wait for the formulas and figures, print it to ``target``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(color_scheme="light")
            context.route("**/*", only_local)
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_load_state("networkidle")
            problem = page.evaluate(READY)
            if problem:
                raise PrintError(f"{url}: {problem}")
            page.evaluate(LOCAL_LINKS)
            page.pdf(
                path=str(target),
                prefer_css_page_size=True,
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
            )
        finally:
            browser.close()


def print_edition(edition: str, out: Path, quiet: bool = False) -> Path:
    """Build ``edition`` as one page and print it; return the PDF (also put in its site)."""
    if build_edition(edition, out, quiet=quiet, single_page=True) != 0:
        raise PrintError(f"the single-page build of the {edition} edition failed")
    target = out / PDF_FOLDER / pdf_name(edition)
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    print(f"printing the {edition} edition to {shown}", flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    folder = out / single_page_folder(edition)
    page = page_to_print(folder)
    try:
        with serve(folder) as base_url:
            print_page(base_url + page.name, partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    in_site = out / EDITIONS[edition][0] / PDF_FOLDER / target.name
    in_site.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, in_site)
    return target


def main(argv: list[str] | None = None) -> int:
    """Print the editions asked for; non-zero, with one line, if one cannot be printed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build", help="output folder")
    parser.add_argument("--edition", choices=[*EDITIONS, "both"], default="both")
    parser.add_argument("--quiet", action="store_true", help="progress only")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    os.chdir(ROOT)  # _config.yml names its local extensions relative to the book root
    editions = list(EDITIONS) if args.edition == "both" else [args.edition]
    try:
        for edition in editions:
            print_edition(edition, out, args.quiet)
    except PrintError as error:
        print(f"cannot print the PDF: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
