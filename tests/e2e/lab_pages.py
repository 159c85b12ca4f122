"""What a student does in JupyterLab's pages, with playwright: each step waits for what it
changes to show, never for a set time.

The Assignment List is nbgrader's lab extension: three lists (released, downloaded,
submitted) whose rows carry one button each (Fetch, Submit, Fetch Feedback). Notebook
cells are CodeMirror 6 editors: a cell is found by the lines it shows, and a new source
is inserted as one input (as a paste is), so that the editor adds no indentation or
closing brackets of its own.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
STEP_TIMEOUT_MS = 30_000
"""The longest wait for one step to show in the page (a busy shared machine is slow)."""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by playwright (which never downloads a browser of its own);
    playwright's ``expect`` waits up to ``STEP_TIMEOUT_MS`` meanwhile."""
    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Debian's chromium is needed for the browser tests (see .ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        try:
            yield browser
        finally:
            expect.set_options(timeout=None)  # playwright's default again
            browser.close()


def open_lab(page: Page, url: str) -> None:
    """Load JupyterLab and wait for its menu bar and file browser."""
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(url)
    expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_be_visible()
    expect(page.locator(".jp-DirListing")).to_be_visible()


def click_menu(page: Page, *labels: str) -> None:
    """Open a menu of the menu bar and click an item: ``click_menu(page, "File", "Save")``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(labels[0])}$")).click()
    for label in labels[1:]:
        item = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(label)}$"))
        item.click()


class AssignmentList:
    """nbgrader's Assignment List panel (menu Nbgrader > Assignment List)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.released = page.locator("#released_assignments_list")
        self.fetched = page.locator("#fetched_assignments_list")
        self.submitted = page.locator("#submitted_assignments_list")

    def open(self) -> None:
        """Open the panel and wait until the course's lists are loaded."""
        click_menu(self.page, "Nbgrader", "Assignment List")
        expect(self.page.locator("#course_list_default")).not_to_have_text(
            "Loading, please wait..."
        )
        for listing in (self.released, self.fetched, self.submitted):
            expect(listing.locator(".list_loading")).to_be_hidden()

    def show(self) -> None:
        """Bring the panel's tab to the front (after a notebook was opened beside it)."""
        self.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments").click()
        expect(self.released).to_be_visible()

    def row(self, listing: Locator, assignment: str) -> Locator:
        """The top row of an assignment in one of the lists."""
        name = self.page.locator(":scope > .col-md-12 > .item_name")
        return listing.locator(":scope > .list_item").filter(
            has=name.filter(has_text=re.compile(f"^{re.escape(assignment)}$"))
        )

    def refresh(self) -> None:
        """Click the refresh button and wait for the lists to be loaded again."""
        self.page.locator("#refresh_assignments_list").click()
        for listing in (self.released, self.fetched, self.submitted):
            expect(listing.locator(".list_loading")).to_be_hidden()

    def fetch(self, assignment: str) -> None:
        """Fetch a released assignment; wait for it in the downloaded list."""
        self.row(self.released, assignment).get_by_role("button", name="Fetch", exact=True).click()
        expect(
            self.row(self.fetched, assignment).get_by_role("button", name="Submit", exact=True)
        ).to_be_visible()

    def open_notebook(self, assignment: str, notebook: str) -> None:
        """Unfold a downloaded assignment and click one of its notebooks."""
        row = self.row(self.fetched, assignment)
        row.locator("a.assignment-notebooks-link").click()
        link = row.locator(".assignment-notebooks .item_name a", has_text=notebook)
        expect(link).to_be_visible()
        link.click()

    def submit(self, assignment: str) -> Locator:
        """Submit a downloaded assignment; wait for it in the submitted list and return its row."""
        self.row(self.fetched, assignment).get_by_role("button", name="Submit", exact=True).click()
        row = self.row(self.submitted, assignment)
        expect(row.get_by_role("button", name="Fetch Feedback", exact=True)).to_be_visible()
        return row

    def wait_for_feedback(self, assignment: str, timeout: float) -> Locator:
        """Refresh the list until a submission says that feedback is ready; return that line."""
        ready = self.row(self.submitted, assignment).locator(
            ".nested_list_item", has_text="(feedback available to fetch)"
        )
        deadline = time.monotonic() + timeout
        while True:
            self.refresh()
            if ready.count() > 0:
                return ready.first
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no feedback to fetch for {assignment} after {timeout:g} s; the submitted "
                    f"list shows: {self.submitted.inner_text()!r}"
                )
            self.page.wait_for_timeout(500)  # between two refreshes: the list has no push

    def fetch_feedback(self, assignment: str) -> Locator:
        """Click Fetch Feedback; wait for the '(view feedback)' link and return it."""
        row = self.row(self.submitted, assignment)
        row.get_by_role("button", name="Fetch Feedback", exact=True).click()
        link = row.locator("a", has_text="(view feedback)")
        expect(link).to_be_visible()
        return link


class Notebook:
    """The notebook open in the main area."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.panel = page.locator(".jp-NotebookPanel:visible")
        self.tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=name)

    def wait_until_loaded(self) -> None:
        """Wait for the notebook's tab, cells and kernel to be there."""
        expect(self.tab).to_be_visible()
        expect(self.panel.locator(".jp-Cell").first).to_be_visible()
        # the kernel's first reply changes the notebook's metadata: once it has come, a save
        # leaves the notebook clean
        expect(self.page.locator(".jp-StatusBar-Widget", has_text="| Idle")).to_be_visible()

    def code_cell(self, *lines: str) -> Locator:
        """The one code cell whose editor shows each of these lines (whole lines), found by
        them once and then by its place in the notebook (its lines are about to change)."""
        cell = self.panel.locator(".jp-CodeCell")
        for line in lines:
            exact = re.compile(f"^{re.escape(line)}$")
            cell = cell.filter(has=self.page.locator(".cm-line", has_text=exact))
        expect(cell).to_have_count(1)
        index = cell.get_attribute("data-windowed-list-index")
        assert index is not None, "JupyterLab's cells no longer say their index"
        return self.panel.locator(f'.jp-CodeCell[data-windowed-list-index="{index}"]')

    def replace_source(self, cell: Locator, source: str) -> None:
        """Click into the cell's editor, select all and insert ``source`` in its place."""
        editor = cell.locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(source)
        expect(editor.locator(".cm-line")).to_have_text(source.split("\n"))

    def save(self) -> None:
        """Save with Ctrl+S and wait until the tab no longer marks unsaved changes."""
        expect(self.tab).to_have_class(re.compile(r"\bjp-mod-dirty\b"))
        self.page.keyboard.press("ControlOrMeta+s")
        expect(self.tab).not_to_have_class(re.compile(r"\bjp-mod-dirty\b"))


def frame_text(page: Page, selector: str, shown: str) -> str:
    """The visible text of the document in an iframe (e.g. the HTML viewer's), once it
    shows ``shown``, scrolled to there."""
    frame = page.frame_locator(selector)
    found = frame.get_by_text(shown).first
    expect(found).to_be_visible()
    found.scroll_into_view_if_needed()
    text: Any = frame.locator("body").inner_text()
    return str(text)


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """Save a screenshot of the whole window as ``folder/name``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=path)
    return path
