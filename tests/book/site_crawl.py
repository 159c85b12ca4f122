"""Build the two editions into a folder, serve them on localhost, visit every page.

One visit per page gathers everything the tests check, so each page loads once
per edition: console errors, failed or external requests, images, MathJax, the
page's links and glued values, and an axe-core scan.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urldefrag, urljoin, urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _local_site() -> ModuleType:
    """``book/tools/local_site.py``, the server the PDFs are printed from (not a package)."""
    spec = importlib.util.spec_from_file_location("local_site", ROOT / "book/tools/local_site.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SITE = _local_site()
LOCAL_HOST: str = _SITE.LOCAL_HOST
serve: Callable[[Path], AbstractContextManager[str]] = _SITE.serve
# TeX that must not survive MathJax (code blocks are left out of the check).
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|\\frac|\\begin\{|\\mathbf|\\mathcal|\\delta|\\theta")


def toc_pages() -> list[str]:
    """The site's pages (paths relative to the site root), in the order of ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return ["index.html", *(f"{name}.html" for name in files)]


@dataclass
class PageReport:
    """What one visit to a page found."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    image_count: int = 0
    math_count: int = 0
    unrendered_math: int = 0
    math_errors: int = 0
    raw_tex: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    pasted: list[str] = field(default_factory=list)
    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    solution_count: int = 0
    text: str = ""
    axe_violations: list[dict[str, Any]] = field(default_factory=list)


PAGE_PROBE = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = [...document.querySelectorAll('img')];
  const decoded = await Promise.all(images.map(img => {
    img.loading = 'eager';
    return img.decode().then(() => img.naturalWidth > 0, () => false);
  }));
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, mjx-container, script, style').forEach(e => e.remove());
  const maths = [...main.querySelectorAll('.math')];
  const tables = {};
  main.querySelectorAll('table[id], table').forEach((table, index) => {
    const id = table.id || (table.closest('[id]') || {}).id || `table-${index}`;
    tables[id] = [...table.querySelectorAll('tr')].map(
      row => [...row.querySelectorAll('th, td')].map(cell => cell.innerText.trim()));
  });
  return {
    brokenImages: images.filter((img, i) => !decoded[i]).map(img => img.src),
    imageCount: images.length,
    mathCount: maths.length,
    unrenderedMath: maths.filter(m => !m.querySelector('mjx-container')).length,
    mathErrors: main.querySelectorAll('mjx-merror').length,
    rawText: copy.textContent,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    pasted: [...main.querySelectorAll('.pasted-text')].map(e => e.textContent.trim()),
    tables: tables,
    solutionCount: main.querySelectorAll('.solution').length,
    text: main.innerText,
  };
}
"""

AXE_RUN = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations'], preload: false});
  return result.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}
"""


class Tab:
    """One browser tab that visits the pages in turn (a tab per page would start a
    renderer process per page); what it sees goes to the report of the page it is on."""

    def __init__(self, context: Any) -> None:
        self.report = PageReport(url="")
        self.recording_responses = True
        self.page = context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.report.console_errors.append(str(error)))
        self.page.on("requestfailed", self._on_request_failed)
        self.page.on("response", self._on_response)

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.report.console_errors.append(message.text)

    def _on_request_failed(self, request: Any) -> None:
        self.report.failed_requests.append(f"{request.failure} {request.url}")

    def _on_response(self, response: Any) -> None:
        if self.recording_responses and response.status >= 400:
            self.report.failed_requests.append(f"{response.status} {response.url}")

    def visit(self, url: str, axe_script: Path) -> PageReport:
        """Load one page, open its folded solutions, and probe it."""
        self.report = report = PageReport(url=url)
        self.recording_responses = True
        page = self.page
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")  # index.html redirects to the first chapter
        for button in page.query_selector_all("button.toggle-button"):
            button.click()
        # the solutions fade in: scan them once the transition is over (contrast!)
        page.wait_for_function(
            "() => document.getAnimations().every(a => a.playState !== 'running')"
        )
        page.wait_for_load_state("networkidle")
        probe = page.evaluate(PAGE_PROBE)
        report.broken_images = probe["brokenImages"]
        report.image_count = probe["imageCount"]
        report.math_count = probe["mathCount"]
        report.unrendered_math = probe["unrenderedMath"]
        report.math_errors = probe["mathErrors"]
        report.raw_tex = sorted(set(RAW_TEX.findall(probe["rawText"])))
        report.links = probe["links"]
        report.pasted = probe["pasted"]
        report.tables = probe["tables"]
        report.solution_count = probe["solutionCount"]
        report.text = probe["text"]
        # axe's own requests are not the page's: take the failures before it runs
        report.failed_requests = list(report.failed_requests)
        self.recording_responses = False
        page.add_script_tag(path=str(axe_script))
        report.axe_violations = page.evaluate(AXE_RUN)
        self.report = PageReport(url="")  # what comes after the visit is no page's
        return report


def block_external(route: Any) -> None:
    """Let localhost through; abort anything else (the site must work offline)."""
    if urlparse(route.request.url).hostname == LOCAL_HOST:
        route.continue_()
    else:
        route.abort()


def crawl(browser: Any, base_url: str, axe_script: Path) -> dict[str, PageReport]:
    """Visit every page of the table of contents, in one tab; record external requests."""
    context = browser.new_context()
    external: list[str] = []
    context.on(
        "request",
        lambda request: (
            external.append(request.url)
            if urlparse(request.url).hostname not in (LOCAL_HOST, None)
            and not request.url.startswith("data:")
            else None
        ),
    )
    context.route("**/*", block_external)
    tab = Tab(context)
    reports = {}
    for page_path in toc_pages():
        before = len(external)
        reports[page_path] = tab.visit(urljoin(base_url, page_path), axe_script)
        reports[page_path].external_requests = external[before:]
    context.close()
    return reports


@functools.cache
def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as response:  # local server only
            return response.status, response.read().decode("utf-8", "replace")
    except OSError as error:
        return getattr(error, "code", 0) or 0, ""


def broken_internal_links(report: PageReport, base_url: str) -> list[str]:
    """Links of the page, on the site itself, whose file or anchor does not exist."""
    broken = []
    for link in report.links:
        if not link.startswith(base_url):
            continue
        target, fragment = urldefrag(link)
        status, html = _fetch(target)
        if status != 200:
            broken.append(f"{link} (HTTP {status})")
        elif fragment and not re.search(rf'id="{re.escape(fragment)}"', html):
            broken.append(f"{link} (no element with id {fragment!r})")
    return broken
