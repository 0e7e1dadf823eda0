"""Browse the results of ``imgfake scan`` in the dashboard.

:class:`ScanBrowser` (no widgets; the tests drive it) opens a results folder on the machine that
serves the dashboard, counts its answers and pages through its rows, the most suspicious first,
filtered by answer. :class:`ScanPanel` is its card in the page: a folder field, the summary, the
filter, a page of rows and the near-duplicate count. Clicking a row hands the file's path to the
dashboard, which opens it like an upload (the full analysis, every map), when the file is still
there; the stored row is shown either way.

The dashboard reads files on the server. On a shared server, ``IMGFAKE_SCAN_ROOTS`` (folders
separated by ``os.pathsep``) limits which results folders, and so which files, it opens.
"""

from __future__ import annotations

import functools
import html
import math
import os
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import traitlets

from ..display import SHORT_ANSWERS, VERDICT_HEADLINES

__all__ = ["ScanBrowser", "ScanPanel", "ANSWERS", "PAGE_ROWS", "scan_roots"]

#: Rows shown at a time.
PAGE_ROWS = 25
#: The filter's choices: (key, words).
ANSWERS = (("all", "All"), ("edited", "Edited"), ("uncertain", "Can't tell"), ("real", "No sign"),
           ("error", "Errors"))
#: Near-duplicate groups are counted when a scan is opened up to this many rows (a few seconds);
#: beyond, the card points to `imgfake export --duplicates`.
GROUPS_UP_TO = 100_000
#: The columns the card reads (not the tables' signatures, settings or versions).
_COLUMNS = ("path", "name", "p_edited", "verdict", "reason", "drivers", "findings", "camera", "software",
            "error", "scanned_at", "phash", "width", "height", "n_bytes", "jpeg_quality", "format", "metadata_fields")


def scan_roots() -> list[Path] | None:
    """Folders the dashboard may open scans from (``IMGFAKE_SCAN_ROOTS``), or None: anywhere."""
    value = os.environ.get("IMGFAKE_SCAN_ROOTS", "").strip()
    if not value:
        return None
    return [Path(p).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()]


def _inside(path: Path, roots: list[Path] | None) -> bool:
    if roots is None:
        return True
    resolved = path.resolve()
    return any(resolved == r or r in resolved.parents for r in roots)


class ScanBrowser(traitlets.HasTraits):
    """One scan's results: open, summarise, filter and page.

    Examples
    --------
    >>> browser = ScanBrowser()
    >>> browser.open("results.parquet")            # doctest: +SKIP
    >>> browser.answer = "edited"; browser.rows()  # doctest: +SKIP
    """

    folder = traitlets.Unicode("")
    answer = traitlets.Enum([k for k, _ in ANSWERS], default_value="all")
    page = traitlets.Int(0)
    message = traitlets.Unicode("")
    revision = traitlets.Int(0)  # bumped when the rows change (a new folder)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.frame = None
        self._counts: dict[str, int] = {}
        self.groups: int | None = 0  # near-duplicate groups; None: not counted (a large scan)

    def open(self, folder: str | os.PathLike) -> None:
        """Read a results folder (`imgfake scan --out`). Problems become :attr:`message`; the
        previous scan stays open."""
        from ..learn.collection import near_duplicates, read_results

        text = str(folder).strip()
        if not text:
            self.message = "Type the folder `imgfake scan --out` wrote, e.g. /data/results.parquet."
            return
        path = Path(text).expanduser()
        if not _inside(path, scan_roots()):
            self.message = (f"{text!r} is outside the folders this dashboard may open "
                            "(IMGFAKE_SCAN_ROOTS); ask whoever runs the server.")
            return
        if not path.is_dir():
            self.message = (f"{text!r} is not a folder on this server: give the folder `imgfake scan --out` "
                            "wrote (the results are a folder of Parquet parts).")
            return
        try:
            frame = read_results(path, columns=_COLUMNS)
        except ValueError as exc:  # no parts, unreadable or foreign Parquet: say so, keep the last scan
            self.message = str(exc)
            return
        frame = frame.assign(_answer=frame["verdict"].where(frame["error"].isna(), "error").fillna("error"))
        frame = frame.sort_values(["p_edited"], ascending=False, na_position="last", kind="stable")
        self.frame = frame.reset_index(drop=True)
        answers = self.frame["_answer"].value_counts()
        self._counts = {"all": len(self.frame), **{k: int(answers.get(k, 0)) for k, _ in ANSWERS[1:]}}
        self.groups = None  # not counted
        if len(self.frame) <= GROUPS_UP_TO:
            try:
                dups = near_duplicates(self.frame)
                self.groups = int(dups["group"].nunique()) if len(dups) else 0
            except (ValueError, TypeError, KeyError):  # odd hashes in a damaged part: no count
                self.groups = None
        with self.hold_trait_notifications():
            self.folder, self.page, self.message = str(path), 0, ""
            self.revision += 1

    def counts(self) -> dict[str, int]:
        """Files per answer (``all`` is the total)."""
        return dict(self._counts)  # counted once, when the scan was opened

    def _chosen(self):
        if self.frame is None:
            return None
        return self.frame if self.answer == "all" else self.frame[self.frame["_answer"] == self.answer]

    def pages(self) -> int:
        chosen = self._chosen()
        return 0 if chosen is None else max(1, math.ceil(len(chosen) / PAGE_ROWS))

    def rows(self) -> list[dict]:
        """The current page's rows, the highest ``p_edited`` first (errors last)."""
        chosen = self._chosen()
        if chosen is None:
            return []
        page = min(max(self.page, 0), self.pages() - 1)
        part = chosen.iloc[page * PAGE_ROWS:(page + 1) * PAGE_ROWS]
        return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in part.to_dict("records")]

    def file_of(self, row: dict) -> Path | None:
        """The row's file, when it is still on this server and inside the allowed folders."""
        path = Path(str(row.get("path") or ""))
        try:
            return path if path.is_file() and _inside(path, scan_roots()) else None
        except OSError:
            return None


def _missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: a value
        return False


class ScanPanel(widgets.VBox):
    """The dashboard's "Open a scan" card.

    Parameters
    ----------
    on_file : callable
        ``on_file(path, row)`` when a row whose file is on the server is clicked.
    browser : ScanBrowser, optional
    """

    def __init__(self, on_file: Callable[[Path, dict], None], browser: ScanBrowser | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.browser = browser if browser is not None else ScanBrowser()
        self._on_file = on_file
        self._folder = widgets.Text(placeholder="/path/to/results.parquet",
                                    layout=widgets.Layout(flex="1 1 auto", width="auto")).add_class("imgfake-scan-folder")
        self._open = widgets.Button(description="Open", icon="folder-open", tooltip="Read this scan's results",
                                    layout=widgets.Layout(width="auto")).add_class("imgfake-scan-open")
        self._summary = widgets.HTML().add_class("imgfake-scan-summary")
        self._answer = widgets.ToggleButtons(options=[(w, k) for k, w in ANSWERS],
                                             style={"button_width": "74px"}).add_class("imgfake-scan-answer")
        self._body = widgets.VBox().add_class("imgfake-scan-rows")
        self._prev = widgets.Button(description="◀", tooltip="Previous page", layout=widgets.Layout(width="40px"))
        self._next = widgets.Button(description="▶", tooltip="Next page", layout=widgets.Layout(width="40px"))
        self._page = widgets.HTML().add_class("imgfake-scan-page")
        self._stored = widgets.HTML().add_class("imgfake-scan-stored")
        self._pager = widgets.HBox([self._prev, self._page, self._next]).add_class("imgfake-controls")
        self.add_class("imgfake-card").add_class("imgfake-scan")
        self.children = [
            widgets.HTML("<h3>Open a scan</h3><div class='imgfake-hint'>The results folder of <code>imgfake scan "
                         "--out</code>, on the machine that serves this page. The most suspicious files come "
                         "first; click one to analyse it here.</div>"),
            widgets.HBox([self._folder, self._open]).add_class("imgfake-controls"),
            self._summary, self._answer, self._body, self._pager, self._stored,
        ]
        self._open.on_click(self._on_open_click)
        self._answer.observe(self._on_answer_value, names="value")
        self._prev.on_click(functools.partial(self._on_page_click, -1))
        self._next.on_click(functools.partial(self._on_page_click, +1))
        self.browser.observe(self._render, names=["revision", "answer", "page", "message"])
        self._render()

    # handlers (guarded: an exception is a message in the card, never a broken page)

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:
            from ..scan import error_message

            self.browser.message = f"could not do that: {error_message(exc)}"

    def _on_open_click(self, _button) -> None:
        self._guarded(lambda: self.browser.open(self._folder.value))

    def _on_answer_value(self, change) -> None:
        def choose():
            with self.browser.hold_trait_notifications():
                self.browser.answer, self.browser.page = change["new"], 0

        self._guarded(choose)

    def _on_page_click(self, step: int, _button) -> None:
        pages = self.browser.pages()
        self._guarded(lambda: setattr(self.browser, "page", min(max(0, self.browser.page + step), max(0, pages - 1))))

    def _on_row_click(self, row: dict, _button) -> None:
        def show():
            self._stored.value = _stored_html(row)
            path = self.browser.file_of(row)
            if path is not None:
                self._on_file(path, row)

        self._guarded(show)

    # drawing

    def _render(self, _change=None) -> None:
        b = self.browser
        note = f"<div class='imgfake-error-box'>{html.escape(b.message)}</div>" if b.message else ""
        opened = b.frame is not None
        for w in (self._answer, self._pager):
            w.layout.display = None if opened else "none"
        if not opened:
            self._summary.value = note
            self._body.children = []
            return
        c = b.counts()
        parts = [f"{c['edited']} edited", f"{c['uncertain']} can't tell", f"{c['real']} no sign",
                 f"{c['error']} could not be read"]
        dups = (f", {b.groups} near-duplicate group{'s' if b.groups != 1 else ''}" if b.groups else
                "; near-duplicates: <code>imgfake export … --duplicates</code>" if b.groups is None else "")
        self._summary.value = (f"{note}<div class='imgfake-hint' data-scan-files='{c['all']}'><b>{c['all']} files</b> in "
                               f"{html.escape(b.folder)}: {', '.join(parts)}{dups}.</div>")
        rows = b.rows()
        children = []
        for row in rows:
            answer = row.get("_answer")
            tag = ("<span class='imgfake-tag err'>error</span>" if answer == "error" else
                   f"<span class='imgfake-tag {VERDICT_HEADLINES.get(answer, ('', 'none'))[1]}'>"
                   f"{html.escape(SHORT_ANSWERS.get(answer, str(answer)))}</span>")
            p = row.get("p_edited")
            button = widgets.Button(description=str(row.get("name") or row.get("path")),
                                    tooltip=str(row.get("path")),
                                    layout=widgets.Layout(flex="1 1 auto", width="auto")).add_class("imgfake-row-button")
            button.on_click(functools.partial(self._on_row_click, row))
            cell = widgets.HTML(f"<span class='imgfake-cell'>{'' if p is None else f'{p:.2f}'}</span> {tag}",
                                layout=widgets.Layout(width="140px", flex="0 0 auto"))
            children.append(widgets.HBox([button, cell]).add_class("imgfake-row").add_class("imgfake-scan-row"))
        for old in self._body.children:
            for w in (old, *old.children):
                w.close()
        self._body.children = children
        self._page.value = f"<span class='imgfake-hint'>page {min(b.page, b.pages() - 1) + 1} of {b.pages()}</span>"


def _stored_html(row: dict) -> str:
    """What the scan stored about a file (shown also when the file is gone)."""
    facts = [("File", row.get("path")), ("Verdict", SHORT_ANSWERS.get(row.get("verdict"), row.get("verdict"))),
             ("Why", row.get("reason")), ("Driven by", row.get("drivers")), ("Findings", row.get("findings")),
             ("Camera", row.get("camera")), ("Software", row.get("software")), ("Error", row.get("error")),
             ("Scanned", row.get("scanned_at"))]
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts if v)
    gone = "" if Path(str(row.get("path") or "")).is_file() else (
        "<div class='imgfake-hint'>The file is no longer at this path on the server: only what the scan "
        "stored is shown.</div>")
    return f"<table class='imgfake-facts'>{cells}</table>{gone}"
