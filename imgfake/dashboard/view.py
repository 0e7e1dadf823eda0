"""The dashboard's widgets: a view of :class:`~imgfake.dashboard.state.DashboardState`.

Layout: a header; on the left, adding images (upload button, drag and drop, samples), the
progress line, the sortable results table and the report; on the right, the selected image's
verdict, the photo beside its error-level image (linked zoom), the ELA controls, what the file
says, and a "How to read this" help panel.

Controls are linked to the state's traits with ``traitlets.link``; every other handler is named
``_on_<thing>_<event>`` and wired in :meth:`Dashboard._wire`. Every handler is guarded: an
exception becomes a message in the page's error box (print() and tracebacks vanish in Voilà).

Uploads stay in memory; file names are only displayed. Each file may be up to
``MAX_UPLOAD_BYTES`` (25 MiB). The browser sends a FileUpload selection in one websocket
message and each dropped file in its own, so the server's websocket limit must be above that:
``voila.json`` at the project root sets Voilà's ``websocket_max_message_size`` to 512 MiB
(tornado's default is 10 MiB). In JupyterLab, start the server with
``--ServerApp.tornado_settings="{'websocket_max_message_size': 536870912}"`` to add more than
10 MB in one go (a FileUpload selection travels as one message; larger ones close the kernel
connection).
"""

from __future__ import annotations

import functools
import html
import time
from datetime import datetime

import ipywidgets as widgets
import traitlets

from .browser import DropZone, ImagePair, PageHelper
from .scans import ScanPanel
from ..report import download_link, jpeg_bytes
from ..display import FAMILY_TITLES, SHORT_ANSWERS, prediction_headline
from ..forensics.registry import available
from ..results import FAMILIES
from .state import DashboardState, EvidenceView, ImageItem, sample_title

__all__ = ["Dashboard"]

ACCEPT = "image/*,.jpg,.jpeg,.png,.tif,.tiff,.webp,.bmp,.gif"


def _guard(doing: str):
    """Catch a handler's exceptions and show them on the page."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                self.state.report_error(exc, doing=doing)

        return wrapper

    return decorate


def _show(widget: widgets.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


class Dashboard(widgets.VBox):
    """The imgfake dashboard: display it in a notebook cell or serve it with Voilà.

    Parameters
    ----------
    state : DashboardState, optional
        The state to show (a new one by default).
    load_model : bool, default True
        Start loading the detection model in the background right away, so the first verdict
        does not wait for TensorFlow to import.

    Examples
    --------
    >>> from imgfake.dashboard import Dashboard
    >>> Dashboard()  # doctest: +SKIP
    """

    def __init__(self, state: DashboardState | None = None, *, load_model: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.state = state if state is not None else DashboardState()
        self._rows: dict[int, dict] = {}  # uid -> that row's widgets
        self._photo_cache: dict[int, bytes] = {}  # uid -> the photo as shown (JPEG bytes)
        self._shown: tuple[int, int] | None = None  # (uid, factor) of the photo in the image pair
        self._syncing_gain = False
        self._syncing_evidence = False
        self._report_made = False
        self._drop_batch: list[int] = []
        self._build()
        self._wire()
        self._render_all()
        if load_model:
            self.state.start_model()

    # --- building --------------------------------------------------------------------------

    def _build(self) -> None:
        s = self.state
        self.add_class("imgfake-app")
        self._style = widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none"))
        self._helper = PageHelper(layout=widgets.Layout(display="none"))
        self._header = widgets.HTML(_HEADER).add_class("imgfake-header")
        self._model_pill = widgets.HTML().add_class("imgfake-model")

        # left: adding images
        self._drop = DropZone(max_bytes=s.max_upload_bytes)
        self._upload = widgets.FileUpload(accept=ACCEPT, multiple=True, description="Choose images…",
                                          icon="upload", button_style="primary",
                                          layout=widgets.Layout(width="auto")).add_class("imgfake-upload")
        self._limits = widgets.HTML(
            f"<div class='imgfake-hint'>JPEG, PNG, TIFF, WebP or BMP · up to {s.max_upload_bytes / 2**20:.0f} MB "
            "each · several at once. Files stay in memory and are never saved.</div>")
        samples = s.samples()
        self._samples = widgets.Dropdown(
            options=[("Or open a sample image…", "")] + [(sample_title(r), r["file"]) for r in samples],
            value="", layout=widgets.Layout(width="auto")).add_class("imgfake-samples")
        _show(self._samples, bool(samples))
        upload_area = widgets.VBox([
            widgets.HTML("<h3>Add images</h3>"), self._drop, self._upload, self._limits, self._samples,
        ]).add_class("imgfake-card").add_class("imgfake-upload-area")
        self._progress = widgets.HTML().add_class("imgfake-progress")

        # left: results table and report
        self._clear = widgets.Button(description="Clear all", icon="trash", tooltip="Forget every image",
                                     layout=widgets.Layout(width="auto")).add_class("imgfake-clear")
        self._table_header = self._make_table_header()
        self._table_body = widgets.VBox().add_class("imgfake-table-body")
        self._table_empty = widgets.HTML("<div class='imgfake-hint'>No images yet.</div>")
        self._table = widgets.VBox(
            [self._table_header, self._table_body, self._table_empty]).add_class("imgfake-table")
        results = widgets.VBox([
            widgets.HBox([widgets.HTML("<h3>Results</h3>"), self._clear]).add_class("imgfake-card-head"),
            self._table,
        ]).add_class("imgfake-card")
        self._report_button = widgets.Button(description="Create report", icon="file-text",
                                             tooltip="Build an HTML and a JSON report of every result",
                                             layout=widgets.Layout(width="auto")).add_class("imgfake-report-button")
        self._report_links = widgets.HTML().add_class("imgfake-report")
        report = widgets.VBox([
            widgets.HTML("<h3>Report</h3><div class='imgfake-hint'>One HTML page with the figures (opens "
                         "offline) and the same results as JSON.</div>"),
            self._report_button, self._report_links,
        ]).add_class("imgfake-card")
        self._scans = ScanPanel(on_file=self._on_scan_file)
        left = widgets.VBox([upload_area, self._progress, results, report, self._scans]).add_class("imgfake-left")

        # right: the selected image
        self._error = widgets.HTML().add_class("imgfake-error")
        self._title = widgets.HTML().add_class("imgfake-title")
        self._verdict = widgets.HTML().add_class("imgfake-verdict")
        self._show_where = widgets.Button(
            description="Show where, over the photo", icon="crosshairs",
            tooltip="The detector's localisation map (probability of an edit per region) over the photo",
            layout=widgets.Layout(display="none", width="auto")).add_class("imgfake-show-where")
        # every registered method with a map gets a button, grouped by family
        self._kinds = available(heatmap=True)
        families = [f for f in FAMILIES if any(a.family == f for a in self._kinds.values())]
        self._family = widgets.ToggleButtons(
            options=[(FAMILY_TITLES.get(f, f.capitalize()), f) for f in families],
            value=self._kinds[s.evidence].family if s.evidence in self._kinds else families[0],
        ).add_class("imgfake-family")
        self._evidence = widgets.ToggleButtons(
            options=self._family_options(self._family.value),
            tooltips=self._family_tooltips(self._family.value),
            value=s.evidence,
        ).add_class("imgfake-evidence")
        self._guide = widgets.HTML().add_class("imgfake-guide-box")
        self._layout_mode = widgets.ToggleButtons(
            options=[("Side by side", False), ("Overlay", True)],
            tooltips=["The map beside the photo", "The map over the photo"],
        ).add_class("imgfake-layout")
        self._opacity = widgets.FloatSlider(
            value=0.6, min=0.0, max=1.0, step=0.05, description="Opacity", readout_format=".0%",
            continuous_update=True, style={"description_width": "initial"},
            layout=widgets.Layout(width="230px", display="none"),
        ).add_class("imgfake-opacity")
        self._pair = ImagePair().add_class("imgfake-ela")
        self._caption = widgets.HTML().add_class("imgfake-caption")
        self._quality = widgets.IntSlider(
            value=s.quality, min=50, max=100, step=1, description="JPEG quality", continuous_update=False,
            style={"description_width": "initial"}, layout=widgets.Layout(width="330px"),
        ).add_class("imgfake-quality")
        self._auto_gain = widgets.Checkbox(value=s.gain == "auto", description="Auto contrast", indent=False,
                                           layout=widgets.Layout(width="auto")).add_class("imgfake-auto-gain")
        self._gain = widgets.FloatLogSlider(
            value=20.0 if s.gain == "auto" else s.gain, base=10, min=0, max=2.3, step=0.05,
            description="Gain ×", readout_format=".1f", continuous_update=False, disabled=s.gain == "auto",
            style={"description_width": "initial"}, layout=widgets.Layout(width="250px"),
        ).add_class("imgfake-gain")
        self._mode = widgets.ToggleButtons(
            options=[("Linear", "linear"), ("Square root", "sqrt")],
            tooltips=["Brightness proportional to the error level", "Lifts faint error levels"],
            style={"button_width": "100px"},
        ).add_class("imgfake-mode")
        self._controls = widgets.HBox(
            [self._quality, self._auto_gain, self._gain, self._mode]).add_class("imgfake-controls")
        self._evidence_card = widgets.VBox([
            self._family, self._evidence, self._guide,
            widgets.HBox([self._layout_mode, self._opacity]).add_class("imgfake-controls"),
            self._pair, self._caption, self._controls,
        ]).add_class("imgfake-card").add_class("imgfake-ela-card")
        self._findings = widgets.HTML().add_class("imgfake-findings")
        self._help = widgets.Accordion(children=[widgets.HTML(_HELP)], titles=("How to read this",),
                                       selected_index=None).add_class("imgfake-help")
        right = widgets.VBox([
            self._error, self._title, self._verdict, self._show_where, self._evidence_card, self._findings, self._help,
        ]).add_class("imgfake-right")

        self.children = [
            self._style,
            self._helper,
            widgets.HBox([self._header, self._model_pill]).add_class("imgfake-top"),
            widgets.HBox([left, right]).add_class("imgfake-body"),
        ]

    def _make_table_header(self) -> widgets.HBox:
        self._sort_buttons = {}
        cells = []
        for key, text, width in _COLUMNS:
            flex = "1 1 auto" if key == "name" else "0 0 auto"
            button = widgets.Button(description=text, tooltip=f"Sort by {text.lower()}",
                                    layout=widgets.Layout(width=width, flex=flex))
            button.add_class("imgfake-sort").add_class(f"imgfake-sort-{key}")
            button.on_click(functools.partial(self._on_sort_click, key))
            self._sort_buttons[key] = button
            cells.append(button)
        return widgets.HBox(cells).add_class("imgfake-row").add_class("imgfake-row-head")

    # --- wiring (the only place handlers are connected) ------------------------------------

    def _wire(self) -> None:
        s = self.state
        traitlets.link((self._quality, "value"), (s, "quality"))
        traitlets.link((self._mode, "value"), (s, "mode"))
        self._evidence.observe(self._on_evidence_click, names="value")  # state -> widget: _sync_family
        traitlets.link((self._layout_mode, "value"), (self._pair, "overlay"))
        traitlets.link((self._opacity, "value"), (self._pair, "opacity"))
        self._layout_mode.observe(self._on_layout_change, names="value")
        self._show_where.on_click(self._on_show_where)
        self._family.observe(self._on_family_change, names="value")
        self._upload.observe(self._on_upload_value, names="value")
        self._drop.on_msg(self._on_drop_message)
        self._helper.on_msg(self._on_helper_message)
        self._samples.observe(self._on_samples_value, names="value")
        self._clear.on_click(self._on_clear_click)
        self._report_button.on_click(self._on_report_click)
        self._auto_gain.observe(self._on_gain_controls_change, names="value")
        self._gain.observe(self._on_gain_controls_change, names="value")
        s.observe(self._on_state_gain_change, names="gain")
        s.observe(self._on_state_view_change, names="view")
        s.observe(self._on_state_items_change, names=["items", "selected", "sort_by", "sort_descending"])
        s.observe(self._on_state_progress_change,
                  names=["busy", "pending", "status", "model_status", "model_message"])
        s.observe(self._on_state_error_change, names=["error"])
        s.observe(self._on_state_settings_change, names=["quality", "gain", "mode", "evidence"])

    # --- handlers: user actions ------------------------------------------------------------

    @_guard("reading the uploaded files")
    def _on_upload_value(self, change) -> None:
        files = change["new"]
        if not files:
            return
        self.state.error = ""
        self.state.add_uploads([(f["name"], f["content"]) for f in files])
        self._upload.value = ()  # free the bytes; choosing the same file again works

    @_guard("reading the dropped files")
    def _on_drop_message(self, _widget, content, buffers) -> None:
        event = content.get("event")
        if event == "start":
            self.state.error = ""
            self._drop_batch = []
        elif event == "file":
            data = buffers[0] if buffers else b""
            self._drop_batch.append(self.state.add_upload(content.get("name", "dropped file"), data,
                                                          origin="drop", select=not self._drop_batch))
        elif event == "rejected":
            self._drop_batch.append(self.state.add_rejected(content.get("name", "dropped file"),
                                                            int(content.get("size", 0))))
        elif event == "end" and self._drop_batch:
            good = [i for i in self._drop_batch if self.state.items[i].ok]
            self.state.select((good or self._drop_batch)[0])

    @_guard("connecting the page")
    def _on_helper_message(self, _widget, content, _buffers) -> None:
        if content.get("event") == "connected":
            self._render_all()
            for widget in self._volatile_widgets():
                widget.send_state()

    def _volatile_widgets(self) -> list[widgets.Widget]:
        """Widgets whose state can change without the page asking (worker thread, preheat)."""
        rows = [w for row in self._rows.values() for w in row["widgets"]]
        return [self._model_pill, self._progress, self._error, self._title, self._verdict,
                self._findings, self._caption, self._pair, self._evidence_card, self._table_body,
                self._table_header, self._table_empty, self._report_links, *rows]

    @_guard("opening the sample image")
    def _on_samples_value(self, change) -> None:
        if change["new"]:
            self.state.error = ""
            self.state.add_sample(change["new"])
            self._samples.value = ""

    @_guard("opening the scanned file")
    def _on_scan_file(self, path, _row: dict) -> None:
        self.state.error = ""
        self.state.add_path(path)

    @_guard("clearing the results")
    def _on_clear_click(self, _button) -> None:
        self.state.clear()
        self._photo_cache.clear()

    @_guard("sorting the table")
    def _on_sort_click(self, key: str, _button) -> None:
        self.state.sort_table(key)

    @_guard("selecting an image")
    def _on_row_click(self, uid: int, _button) -> None:
        self.state.select_uid(uid)

    @_guard("creating the report")
    def _on_report_click(self, _button) -> None:
        s = self.state
        if not s.items:
            self._report_links.value = "<div class='imgfake-hint'>Add an image first.</div>"
            return
        self._report_button.disabled = True
        s.busy, s.status = True, "Creating the report…"
        try:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            page = s.report_html()
            data = s.report_json()
        finally:
            s.busy, self._report_button.disabled = False, False
            s.status = s._idle_status()
        self._report_links.value = (
            "<div class='imgfake-links'>"
            + download_link(page, filename=f"imgfake-report-{stamp}.html", mime="text/html",
                            text="⬇ HTML report", css_class="imgfake-report-html")
            + download_link(data, filename=f"imgfake-report-{stamp}.json", mime="application/json",
                            text="⬇ JSON data", css_class="imgfake-report-json")
            + f"</div><div class='imgfake-hint'>{len(s.items)} image(s), "
            f"{(len(page) + len(data)) / 1e6:.1f} MB.</div>")
        self._report_made = True

    @_guard("changing the contrast")
    def _family_options(self, family: str) -> list[tuple[str, str]]:
        return [(a.title, name) for name, a in self._kinds.items() if a.family == family]

    def _family_tooltips(self, family: str) -> list[str]:
        return [a.description for a in self._kinds.values() if a.family == family]

    @_guard("choosing a family of methods")
    def _on_family_change(self, change) -> None:
        family = change["new"]
        if self.state.evidence in self._kinds and self._kinds[self.state.evidence].family == family:
            return  # the family followed the method (see _on_state_settings_change)
        self._evidence.options = self._family_options(family)  # selects its first method, and
        self._evidence.tooltips = self._family_tooltips(family)  # _on_evidence_click follows

    @_guard("choosing a map")
    def _on_evidence_click(self, change) -> None:
        if not self._syncing_evidence and change["new"] is not None and change["new"] != self.state.evidence:
            self.state.evidence = change["new"]

    @_guard("switching the layout")
    def _on_layout_change(self, change) -> None:
        self._opacity.layout.display = "" if change["new"] else "none"

    def _sync_family(self) -> None:
        """Show the family of the method state.evidence names (set from code or a test)."""
        kind = self.state.evidence
        spec = self._kinds.get(kind)
        if spec is None:
            return
        self._syncing_evidence = True  # the widgets follow the state here, not the other way
        try:
            if self._family.value != spec.family:
                self._family.value = spec.family
            options = self._family_options(spec.family)
            if list(self._evidence.options) != options:
                self._evidence.options = options
                self._evidence.tooltips = self._family_tooltips(spec.family)
            if self._evidence.value != kind:
                self._evidence.value = kind
        finally:
            self._syncing_evidence = False
        _set(self._guide, _guide_html(spec))

    def _on_gain_controls_change(self, _change) -> None:
        if self._syncing_gain:
            return
        self._gain.disabled = self._auto_gain.value
        self.state.gain = "auto" if self._auto_gain.value else float(self._gain.value)

    # --- handlers: state changes -----------------------------------------------------------

    @_guard("showing the contrast setting")
    def _on_state_gain_change(self, change) -> None:
        self._syncing_gain = True
        try:
            self._auto_gain.value = change["new"] == "auto"
            self._gain.disabled = change["new"] == "auto"
            if change["new"] != "auto":
                self._gain.value = float(change["new"])
        finally:
            self._syncing_gain = False

    @_guard("drawing the image")
    def _on_state_view_change(self, change) -> None:
        self._render_view(change["new"])

    @_guard("updating the results")
    def _on_state_items_change(self, change) -> None:
        self._render_table()
        self._render_current()
        if change["name"] == "items":
            self._invalidate_report()

    @_guard("updating the progress line")
    def _on_state_progress_change(self, _change) -> None:
        self._render_progress()
        if self.state.current is not None:
            self._render_verdict(self.state.current)

    @_guard("showing an error")
    def _on_state_error_change(self, _change) -> None:
        self._render_error()

    @_guard("updating the controls")
    def _on_state_settings_change(self, change) -> None:
        if change["name"] == "evidence":
            self._sync_family()
        self._controls_enabled()
        self._invalidate_report()

    # --- rendering -------------------------------------------------------------------------

    def _render_all(self) -> None:
        self._sync_family()
        self._render_progress()
        self._render_error()
        self._render_table()
        self._render_current()
        self._controls_enabled()

    def _controls_enabled(self) -> None:
        spec = self._kinds.get(self.state.evidence)
        self._quality.disabled = spec is None or "quality" not in spec.defaults()  # from the registry
        gain = self.state.draws_with_gain()
        for w in (self._auto_gain, self._mode):
            w.disabled = not gain
        self._gain.disabled = not gain or self.state.gain == "auto"

    def _invalidate_report(self) -> None:
        if self._report_made:
            self._report_made = False
            self._report_links.value = ("<div class='imgfake-hint'>Results or settings changed: create the "
                                        "report again to include them.</div>")

    def _render_progress(self) -> None:
        s = self.state
        working = s.busy or s.pending > 0 or s.model_status == "loading"
        spinner = "<span class='imgfake-spinner'></span>" if working else "<span class='imgfake-dot'></span>"
        self._progress.value = (f"<div class='imgfake-progress-line{' working' if working else ''}' "
                                f"data-busy='{str(working).lower()}'>{spinner}{html.escape(s.status)}</div>")
        pill = {"ready": ("ok", "Model ready"), "loading": ("wait", "Model loading…"),
                "unavailable": ("off", "No model"), "not-loaded": ("wait", "Model not loaded")}[s.model_status]
        self._model_pill.value = (f"<span class='imgfake-pill {pill[0]}' title='{html.escape(s.model_message)}'>"
                                  f"{pill[1]}</span>")

    def _render_error(self) -> None:
        s = self.state
        _show(self._error, bool(s.error))
        if s.error:
            self._error.value = (
                f"<div class='imgfake-error-box'><b>{html.escape(s.error)}</b>"
                "<div>The rest of the page still works; try again or reload the page.</div>"
                "<details><summary>Technical details</summary>"
                f"<pre>{html.escape(s.error_details)}</pre></details></div>")

    def _render_table(self) -> None:
        s = self.state
        rows = s.table_rows()
        alive = {row["uid"] for row in rows}
        for uid in [u for u in self._rows if u not in alive]:  # cleared items
            for w in self._rows.pop(uid)["widgets"]:
                w.close()
            self._photo_cache.pop(uid, None)
        current = s.current.uid if s.current is not None else None
        children = []
        for row in rows:
            widgets_ = self._rows.get(row["uid"]) or self._make_row(row["uid"])
            self._fill_row(widgets_, row, selected=row["uid"] == current)
            children.append(widgets_["box"])
        self._table_body.children = children
        _show(self._table_empty, not rows)
        _show(self._table_header, bool(rows))
        for key, text, _ in _COLUMNS:
            arrow = (" ▼" if s.sort_descending else " ▲") if key == s.sort_by else ""
            self._sort_buttons[key].description = text + arrow

    def _make_row(self, uid: int) -> dict:
        button = widgets.Button(layout=widgets.Layout(width=_COLUMNS[0][2], flex="1 1 auto"))
        button.add_class("imgfake-row-button")
        button.on_click(functools.partial(self._on_row_click, uid))
        cells = [widgets.HTML(layout=widgets.Layout(width=width, flex="0 0 auto")).add_class("imgfake-cell")
                 for _, _, width in _COLUMNS[1:]]
        line = widgets.HBox([button, *cells]).add_class("imgfake-row")
        error = widgets.HTML().add_class("imgfake-row-error")
        box = widgets.VBox([line, error]).add_class("imgfake-row-box")
        self._rows[uid] = {"box": box, "button": button, "cells": cells, "error": error, "selected": None,
                           "widgets": [box, line, button, error, *cells]}
        return self._rows[uid]

    def _fill_row(self, w: dict, row: dict, *, selected: bool) -> None:
        w["button"].description = row["name"]
        w["button"].tooltip = f"Show {row['name']}"
        p_cell, label_cell, q_cell, n_cell = w["cells"]
        p = row["p_edited"]
        if row["error"]:
            label = "<span class='imgfake-tag err'>error</span>"
        elif row["verdict"] == "pending":
            label = "<span class='imgfake-tag wait'>…</span>"
        elif p is None:
            label = "<span class='imgfake-tag none'>n/a</span>"
        else:
            pred = self.state.items[row["index"]].prediction
            tone = prediction_headline(pred)[1]
            text = SHORT_ANSWERS.get(pred.get("verdict"), row["label"] or "")
            label = f"<span class='imgfake-tag {tone}'>{html.escape(text)}</span>"
        _set(p_cell, "–" if p is None else f"{p:.2f}")
        _set(label_cell, label)
        _set(q_cell, "–" if row["jpeg_quality"] is None else f"{row['jpeg_quality']:.0f}")
        _set(n_cell, "–" if row["n_findings"] is None else str(row["n_findings"]))
        _set(w["error"], f"<div>{html.escape(row['error'])}</div>" if row["error"] else "")
        _show(w["error"], bool(row["error"]))
        if w["selected"] != selected:
            (w["box"].add_class if selected else w["box"].remove_class)("imgfake-row-selected")
            w["selected"] = selected

    def _render_current(self) -> None:
        item = self.state.current
        has_image = item is not None and item.ok
        _show(self._evidence_card, has_image)
        _show(self._findings, has_image)
        if item is None:
            self._title.value = _WELCOME
            self._verdict.value = ""
            _show(self._verdict, False)
            return
        _show(self._verdict, True)
        self._title.value = self._title_html(item)
        self._render_verdict(item)
        if has_image:
            _set(self._findings, _findings_html(item))

    def _title_html(self, item: ImageItem) -> str:
        if not item.ok:
            return f"<h2 class='imgfake-name'>{html.escape(item.name)}</h2>"
        img = item.facts
        facts = [img["format"], f"{img['width']}×{img['height']}", _size(item.n_bytes)]
        if item.factor > 1:
            facts.append(f"shown at 1/{item.factor} size; computed at full size")
        truth = ""
        if item.truth:
            from ..report import _truth_text

            truth = (f"<div class='imgfake-truth'>Sample image with a known answer: "
                     f"<b>{html.escape(_truth_text(item.truth))}</b>. Check whether the evidence below agrees.</div>")
        return (f"<h2 class='imgfake-name'>{html.escape(item.name)}</h2>"
                f"<div class='imgfake-hint'>{html.escape(' · '.join(facts))}</div>{truth}")

    def _render_verdict(self, item: ImageItem) -> None:
        _set(self._verdict, _verdict_html(item, self.state))
        located = (item.ok and item.prediction is not None and bool(item.prediction.get("verdict"))
                   and "model" in self._kinds)
        self._show_where.layout.display = "" if located else "none"

    def _on_show_where(self, _button=None) -> None:
        """The localisation map: the model's evidence, drawn over the photo."""
        self.state.evidence = "model"
        self._layout_mode.value = True

    def _render_view(self, view: EvidenceView | None) -> None:
        if view is None:
            self._shown = None
            return
        pair = self._pair
        evidence = jpeg_bytes(view.evidence, quality=92)  # display only; the report keeps PNG
        with pair.hold_sync():  # one message to the browser
            if self._shown != (view.uid, view.factor):  # a new photo: show it whole
                photo = self._photo_cache.get(view.uid)
                if photo is None:
                    photo = self._photo_cache[view.uid] = jpeg_bytes(view.photo, quality=88)
                pair.photo = photo
                pair.height, pair.width = view.photo.shape[:2]
                pair.factor = view.factor
                pair.view_id += 1
            pair.evidence = evidence
            pair.evidence_title = view.title
            pair.lines = [list(map(float, line)) for line in view.lines]
        self._shown = (view.uid, view.factor)
        spinner = "<span class='imgfake-spinner'></span>" if view.computing else ""
        self._caption.value = (f"<div class='imgfake-caption-text{'' if view.ready else ' pending'}' "
                               f"data-kind='{view.kind}' data-stamp='{time.monotonic():.3f}'>"
                               f"{spinner}{html.escape(view.caption)}</div>")


def _guide_html(spec) -> str:
    """How to read the selected method: what it shows, where it fails, the paper."""
    guide = spec.guide()
    parts = [f"<div><b>{html.escape(spec.title)}.</b> {html.escape(spec.description)}</div>"]
    if guide["limits"]:
        parts.append(f"<div><b>Where it fails:</b> {html.escape(_clip(guide['limits'], 420))}</div>")
    if guide["references"]:
        first = guide["references"].split("\n")[0]
        parts.append(f"<div><b>Reference:</b> {html.escape(_clip(first, 240))}</div>")
    return f"<div class='imgfake-guide' data-kind='{html.escape(spec.name)}'>{''.join(parts)}</div>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _set(widget: widgets.HTML, value: str) -> None:
    if widget.value != value:  # skip no-op messages to the browser
        widget.value = value


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:.0f} kB"


def _verdict_html(item: ImageItem, state: DashboardState) -> str:
    if not item.ok:
        return (f"<div class='imgfake-vcard tone-error imgfake-file-error'><div class='imgfake-vhead'>This file "
                f"could not be analysed</div><div>{html.escape(item.error or '')}</div></div>")
    if item.verdict == "pending":
        why = ("Loading the detection model (first time only; a few seconds)…" if state.model_status == "loading"
               else "The model is scoring this image…")
        return (f"<div class='imgfake-vcard tone-none' data-verdict='pending'><div class='imgfake-vhead'>"
                f"<span class='imgfake-spinner'></span>Model verdict</div><div>{why} Meanwhile, look at the error "
                "levels and findings below.</div></div>")
    if item.prediction is None:
        reason = item.verdict_message or state.model_message
        return (f"<div class='imgfake-vcard tone-none' data-verdict='{item.verdict}'><div class='imgfake-vhead'>"
                f"No model verdict</div><div>{html.escape(_capitalise(reason))}. The error levels, JPEG and metadata "
                "checks below still work.</div></div>")
    pred = item.prediction
    p, threshold = pred["p_edited"], pred["threshold"]
    words, tone = prediction_headline(pred)
    verdict = pred.get("verdict")
    reason = f"<div class='imgfake-reason'>{html.escape(pred['reason'])}</div>" if pred.get("reason") else ""
    drivers = pred.get("drivers") or []
    if drivers and verdict != "real":  # what raised the score, where there is something to explain
        titles = {name: a.title for name, a in available().items()}
        named = ", ".join(html.escape(titles.get(d["method"], "the lattice network" if d["method"] == "lattice"
                                                 else d["method"])) for d in drivers)
        reason += f"<div class='imgfake-drivers'>Driven most by: {named}.</div>"
    bar = (f"<div class='imgfake-bar' title='p(edited) = {p:.3f}; threshold {threshold:.2f}'>"
           f"<div class='imgfake-bar-fill tone-{tone}' style='width:{100 * p:.1f}%'></div>"
           f"<div class='imgfake-bar-threshold' style='left:{100 * threshold:.1f}%'></div></div>"
           "<div class='imgfake-bar-scale'><span>0 authentic</span><span>threshold "
           f"{threshold:.2f}</span><span>1 edited</span></div>")
    kinds = pred.get("kinds") or {}
    kinds_html = ""
    if kinds:
        meaningful = bool(pred.get("kinds_meaningful", p >= threshold))
        note = ("Which kind of edit the model thinks it is:" if meaningful else
                "Kind of edit (only meaningful when the image is judged edited; shown greyed):")
        bars = "".join(
            f"<div class='imgfake-kind'><span>{html.escape(k)}</span><div class='imgfake-kind-bar'>"
            f"<div style='width:{100 * v:.1f}%'></div></div><span>{v:.0%}</span></div>"
            for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        kinds_html = f"<div class='imgfake-kinds{'' if meaningful else ' muted'}'><div>{note}</div>{bars}</div>"
    caution = ""
    if pred.get("domain_note"):
        caution = f"<div class='imgfake-caution'>⚠ {html.escape(pred['domain_note'])}</div>"
    return (f"<div class='imgfake-vcard tone-{tone}' data-verdict='done' data-p='{p:.4f}'>"
            f"<div class='imgfake-vhead' data-answer='{html.escape(verdict or '')}'>{html.escape(words)}</div>"
            f"{reason}{caution}{bar}{kinds_html}"
            "<div class='imgfake-hint'>A model score is evidence, not proof: read it together with the error "
            "levels and the findings below. The model uses its own fixed settings; the controls below only "
            "change the picture.</div></div>")




def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _findings_html(item: ImageItem) -> str:
    img = item.facts
    facts = [("Format", f"{img['format']} ({img['mode']}), {img['width']}×{img['height']}, {_size(item.n_bytes)}")]
    jpeg = item.analyses.get("jpeg")
    if jpeg is not None and jpeg.details.get("quality") is not None:
        d = jpeg.details
        tables = "standard tables" if d.get("exact") else "non-standard tables (camera or editor)"
        facts.append(("JPEG quality", f"≈ {d['quality']:.0f} ({tables}; {d.get('subsampling', '?')} chroma)"))
    meta = item.analyses.get("metadata")
    if meta is not None and meta.details:
        m = meta.details
        camera = " ".join(v for v in (m.get("make"), m.get("model")) if v)
        software = m.get("software") or m.get("xmp_creator_tool")
        gps = "present" if m.get("gps_present") else None
        for label, value in (("Camera", camera), ("Software", software), ("Taken", m.get("datetime_original")),
                             ("Last changed", m.get("datetime")), ("GPS", gps)):
            if value:
                facts.append((label, str(value)))
    facts_html = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    icon = {"warning": "▲", "notice": "●", "info": "ℹ"}
    findings = item.findings
    if findings:
        order = {"warning": 0, "notice": 1, "info": 2}
        rows = "".join(
            f"<tr class='sev-{f.severity}'><td class='imgfake-sev'>{icon.get(f.severity, '')} {f.severity}</td>"
            f"<td>{html.escape(f.message)}</td></tr>"
            for f in sorted(findings, key=lambda f: order.get(f.severity, 3)))
        findings_html = f"<table class='imgfake-findings-table'>{rows}</table>"
    else:
        findings_html = "<div class='imgfake-hint'>Nothing to report from the JPEG tables or the metadata.</div>"
    return (f"<div class='imgfake-card imgfake-findings-card'><h3>What the file says</h3>"
            f"<table class='imgfake-facts'>{facts_html}</table><h3>Findings</h3>{findings_html}"
            "<div class='imgfake-hint'>Metadata is easy to remove or fake: treat it as a hint, not as "
            "proof.</div></div>")


# name, header text, width
_COLUMNS = (
    ("name", "Name", "130px"),
    ("p_edited", "p(edited)", "68px"),
    ("label", "Verdict", "74px"),
    ("jpeg_quality", "JPEG q", "56px"),
    ("n_findings", "Findings", "64px"),
)

_HEADER = """
<div class='imgfake-brand'><span class='imgfake-logo'>◩</span> imgfake
<span class='imgfake-tagline'>Has this photo been edited? Error levels, a trained model and the file's own
record, side by side.</span></div>
"""

_WELCOME = """
<div class='imgfake-card imgfake-welcome'>
<h2>Start by adding a photo</h2>
<p>Use <b>Choose images…</b> or drag photos onto this page, or open one of the sample images. For each
photo you will see:</p>
<ul>
<li><b>a verdict</b> from a trained model: how likely the photo was edited;</li>
<li><b>the photo beside the map of a forensic method</b>, one button each: error levels (ELA),
JPEG ghosts, the JPEG grid, noise, copy-move and more; areas whose history differs from the rest
can stand out;</li>
<li><b>what the file says</b>: its JPEG quality, which camera or program wrote it, software, dates
and any AI-generator traces.</li>
</ul>
<p class='imgfake-hint'>Open "How to read this" below before drawing conclusions.</p>
</div>
"""

_HELP = """
<div class='imgfake-help-text'>
<h4>The error-level image (ELA)</h4>
<p>The photo is saved once more as a JPEG at the chosen quality, and each pixel's change is shown:
brighter means more change. Areas with the same history as the rest of the photo look alike; an
area pasted in from elsewhere, or painted over, can look brighter or darker than similar
surroundings.</p>
<ul>
<li><b>Edges and fine texture</b> (hair, leaves, text, gravel) are always bright, in every photo.</li>
<li><b>Flat surfaces</b> (sky, walls, skin) are dark. Compare like with like: an edge with other edges,
a wall with other walls.</li>
<li><b>Try several qualities.</b> An edit stands out most near the quality the photo was last saved at
(see "JPEG quality" under <i>What the file says</i>). Contrast and square-root only change the display.</li>
</ul>
<h4>Its limits</h4>
<ul>
<li>A photo that was re-saved at low quality, resized, screenshotted or sent through a messaging app
after editing loses its error levels: an even ELA image does not prove a photo is authentic.</li>
<li>PNG and other lossless files have no JPEG history; ELA then shows only how the image would change on
its first JPEG save.</li>
</ul>
<h4>The noise view</h4>
<p>Cameras leave an even fine-grain noise. Pasted, smoothed or painted areas often carry more or less
noise than the rest of the photo.</p>
<h4>The model's verdict</h4>
<p>The detector weighs the maps of eight methods and a small network together and gives one of three
answers. <b>Signs of editing found</b>: its score p(edited) is above a threshold that only about 1 in 20
untouched photos reach. <b>No sign of editing found</b>: the score is low, which is not proof the photo is
authentic (a resized or re-saved photo hides its edits). <b>Cannot tell</b>: the evidence is mixed, or
absent (a tiny or uniform picture, a file never saved as JPEG, a heavily compressed one). The reason is
written under the answer, with the methods that raised the score most. "Show where" lays the
detector's map over the photo: bright regions are where it thinks the edit is. The "kind of edit" is
only meaningful when the answer is "signs of editing found". <b>A verdict is evidence, not proof</b>.</p>
<h4>The findings</h4>
<p>JPEG tables that no standard encoder writes, editing software named in the file, dates that
disagree or a thumbnail that differs from the photo are worth a look. Metadata is easy to strip or
fake, and most web and messaging services remove it.</p>
<h4>The table and the report</h4>
<p>Click a column header to sort; click a name to show that image. "Findings" counts notices and
warnings. <b>Create report</b> makes an HTML page (with the images and figures; it opens offline) and
a JSON file with every number.</p>
</div>
"""

_CSS = """
.imgfake-app{--if-border:#e1e5ea;--if-muted:#5f6b7a;--if-text:#1f2933;--if-accent:#2563eb;
  --if-edited:#c62828;--if-authentic:#2e7d32;--if-uncertain:#b26a00;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--if-text);
  background:#f4f6f9;padding:14px 18px 24px;border-radius:10px;box-sizing:border-box;width:100%;max-width:1500px;
  margin:0 auto}
.imgfake-app .widget-html-content{font-size:14px;line-height:1.45;font-family:inherit;color:var(--if-text)}
.imgfake-app h2,.imgfake-app h3,.imgfake-app h4{font-family:inherit;color:var(--if-text);margin:0 0 6px}
.imgfake-app h3{font-size:15px;font-weight:650}.imgfake-app h2{font-size:19px;font-weight:650}
.imgfake-app h4{font-size:14px;margin-top:10px}
.imgfake-top{align-items:center;justify-content:space-between;margin-bottom:12px;width:100%}
.imgfake-brand{font-size:22px;font-weight:700;letter-spacing:-.01em}
.imgfake-logo{color:var(--if-accent)}
.imgfake-tagline{display:block;font-size:14px;font-weight:400;color:var(--if-muted);letter-spacing:0}
.imgfake-pill{display:inline-block;padding:3px 10px;border-radius:999px;font-size:13px;font-weight:600;cursor:help}
.imgfake-pill.ok{background:#e6f4ea;color:#1e6b34}.imgfake-pill.wait{background:#fff4e0;color:#8a5300}
.imgfake-pill.off{background:#eceff3;color:#52606d}
.imgfake-body{align-items:flex-start;gap:16px;width:100%}
.imgfake-left{flex:0 0 430px;width:430px;gap:12px}
.imgfake-right{flex:1 1 auto;min-width:0;gap:12px}
.imgfake-card{background:#fff;border:1px solid var(--if-border);border-radius:8px;padding:12px 14px;
  box-shadow:0 1px 2px rgba(16,24,40,.04);box-sizing:border-box;width:100%}
.imgfake-card-head{justify-content:space-between;align-items:center;width:100%}
.imgfake-hint{color:var(--if-muted);font-size:13px;line-height:1.4}
.imgfake-reason{margin:4px 0 6px;line-height:1.4}
.imgfake-drivers{font-size:12px;color:#555;margin-bottom:6px}
.imgfake-caution{background:#fff8e1;border:1px solid #f0c36d;border-radius:6px;padding:6px 10px;margin:4px 0 8px;font-size:13px;line-height:1.4;color:#5f4b00}
.imgfake-upload-area{gap:8px;transition:background .15s,border-color .15s}
.imgfake-upload-area.imgfake-dragover{border:2px dashed var(--if-accent);background:#eef4ff}
body.imgfake-dragging::after{content:"Drop the photos to analyse them";position:fixed;inset:0;z-index:9999;
  display:flex;align-items:center;justify-content:center;font:600 26px system-ui,sans-serif;color:#1d4ed8;
  background:rgba(238,244,255,.85);border:4px dashed #2563eb;pointer-events:none}
.imgfake-dropzone{border:2px dashed #b8c2cf;border-radius:8px;padding:16px 10px;text-align:center;color:var(--if-muted);
  background:#fafbfc;font-size:14px}
.imgfake-drop-icon{font-size:24px;line-height:1;color:#8795a7}
.imgfake-app button.imgfake-upload{width:100%;height:38px;font-size:0}
.imgfake-app button.imgfake-upload i{font-size:14px;margin-right:8px}
.imgfake-app button.imgfake-upload::after{content:"Choose images…";font-size:14px;font-weight:600}
.imgfake-samples select{font-size:13px}
.imgfake-progress-line{display:flex;align-items:center;gap:8px;font-size:13px;color:var(--if-muted);padding:0 4px}
.imgfake-progress-line.working{color:#1d4ed8;font-weight:600}
.imgfake-spinner{display:inline-block;width:13px;height:13px;border:2px solid #c7d2fe;border-top-color:#2563eb;
  border-radius:50%;animation:imgfake-spin .8s linear infinite;margin-right:6px;vertical-align:-2px}
.imgfake-dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:#9aa5b1}
@keyframes imgfake-spin{to{transform:rotate(360deg)}}
.imgfake-table{width:100%;gap:0}
.imgfake-row{width:100%;align-items:center;gap:2px;margin:0}
.imgfake-row-head{border-bottom:1px solid var(--if-border)}
.imgfake-row-head button.imgfake-sort{background:transparent;font-weight:600;font-size:12px;color:var(--if-muted);
  text-align:left;padding:0 2px 0 4px;box-shadow:none;height:26px;text-overflow:clip}
.imgfake-row-head button.imgfake-sort:hover{color:var(--if-accent);background:#f1f5ff}
.imgfake-row-box{border-bottom:1px solid #eef1f4;border-radius:4px;width:100%}
.imgfake-row-box.imgfake-row-selected{background:#e8f0fe;box-shadow:inset 3px 0 0 var(--if-accent)}
button.imgfake-row-button{background:transparent;text-align:left;white-space:normal;overflow-wrap:anywhere;
  height:auto;min-height:28px;line-height:1.3;padding:4px 4px 4px 6px;color:var(--if-accent);font-size:13px;
  box-shadow:none;min-width:0}
button.imgfake-row-button:hover{text-decoration:underline;background:transparent}
.imgfake-cell .widget-html-content{font-size:13px;padding:0 4px;font-variant-numeric:tabular-nums}
.imgfake-row-error{margin:0 6px 6px;width:auto}
.imgfake-row-error .widget-html-content{color:var(--if-edited);font-size:12px;line-height:1.35;white-space:normal}
.imgfake-tag{display:inline-block;padding:0 7px;border-radius:999px;font-size:12px;font-weight:600;line-height:20px}
.imgfake-tag.edited{background:#fdecea;color:var(--if-edited)}
.imgfake-tag.authentic{background:#e8f5e9;color:var(--if-authentic)}
.imgfake-tag.uncertain{background:#fff4e5;color:var(--if-uncertain)}
.imgfake-tag.err{background:#fdecea;color:var(--if-edited)}.imgfake-tag.wait,.imgfake-tag.none{background:#eef1f4;color:#52606d}
.imgfake-links{display:flex;gap:14px;margin:6px 0 2px}
.imgfake-links a{font-weight:600;color:var(--if-accent);text-decoration:none}
.imgfake-links a:hover{text-decoration:underline}
.imgfake-error-box{background:#fdecea;border:1px solid #f5c2c0;color:#7f1d1d;border-radius:8px;padding:10px 14px}
.imgfake-error-box pre{white-space:pre-wrap;font-size:12px;max-height:240px;overflow:auto}
.imgfake-name{overflow-wrap:anywhere}
.imgfake-truth{margin-top:4px;font-size:13px;background:#fffbe6;border:1px solid #f3e3a3;border-radius:6px;padding:5px 9px}
.imgfake-vcard{background:#fff;border:1px solid var(--if-border);border-left-width:6px;border-radius:8px;padding:12px 16px}
.imgfake-vcard.tone-edited{border-left-color:var(--if-edited)}
.imgfake-vcard.tone-authentic{border-left-color:var(--if-authentic)}
.imgfake-vcard.tone-uncertain{border-left-color:var(--if-uncertain)}
.imgfake-vcard.tone-none{border-left-color:#9aa5b1}
.imgfake-vcard.tone-error{border-left-color:var(--if-edited);background:#fffafa}
.imgfake-vhead{font-size:20px;font-weight:700;margin-bottom:6px}
.tone-edited .imgfake-vhead{color:var(--if-edited)}.tone-authentic .imgfake-vhead{color:var(--if-authentic)}
.tone-uncertain .imgfake-vhead{color:var(--if-uncertain)}.tone-error .imgfake-vhead{color:var(--if-edited)}
.imgfake-bar{position:relative;height:14px;border-radius:7px;background:linear-gradient(90deg,#e8f5e9,#fdecea);
  border:1px solid var(--if-border);overflow:visible;margin:8px 0 2px}
.imgfake-bar-fill{height:100%;border-radius:7px 0 0 7px;opacity:.9}
.imgfake-bar-fill.tone-edited{background:var(--if-edited)}.imgfake-bar-fill.tone-authentic{background:var(--if-authentic)}
.imgfake-bar-fill.tone-uncertain{background:var(--if-uncertain)}
.imgfake-bar-threshold{position:absolute;top:-4px;bottom:-4px;width:2px;background:#111827}
.imgfake-bar-scale{display:flex;justify-content:space-between;font-size:12px;color:var(--if-muted);margin-bottom:6px}
.imgfake-kinds{margin:8px 0;font-size:13px}.imgfake-kinds.muted{opacity:.5}
.imgfake-kind{display:grid;grid-template-columns:110px 1fr 44px;align-items:center;gap:8px;margin:3px 0}
.imgfake-kind-bar{background:#eef1f4;border-radius:4px;height:10px}
.imgfake-kind-bar>div{background:#7c8ba1;height:100%;border-radius:4px}
.imgfake-ela-card{gap:6px}
.imgfake-pair{width:100%}
.imgfake-pair-toolbar{display:flex;align-items:center;gap:6px;font-size:13px;color:var(--if-muted);margin:2px 0 6px}
.imgfake-pair-toolbar button{border:1px solid var(--if-border);background:#fff;border-radius:5px;min-width:30px;
  height:26px;font:600 14px system-ui,sans-serif;color:var(--if-text);cursor:pointer;padding:0 8px}
.imgfake-pair-toolbar button:hover{border-color:var(--if-accent);color:var(--if-accent)}
.imgfake-pair-zoom{min-width:44px;text-align:right;font-variant-numeric:tabular-nums}
.imgfake-pair-pos{min-width:110px;margin-left:12px;font-variant-numeric:tabular-nums}
.imgfake-pair-help{margin-left:auto}
.imgfake-pair-panels{display:flex;gap:12px;width:100%}
.imgfake-panel{flex:1 1 0;min-width:0;margin:0;display:flex;flex-direction:column;align-items:center}
.imgfake-panel figcaption{font-size:14px;font-weight:600;margin-bottom:4px;color:var(--if-text);align-self:flex-start}
.imgfake-stage{position:relative;overflow:hidden;background:#111;border-radius:4px;cursor:grab;touch-action:none}
.imgfake-stage.dragging{cursor:grabbing}
.imgfake-stage img{position:absolute;left:0;top:0;width:100%;height:100%;transform-origin:0 0;user-select:none}
.imgfake-stage img.imgfake-overlay-img{opacity:0;pointer-events:none}
.imgfake-overlaid .imgfake-panel[data-side=evidence]{display:none}
.imgfake-stage svg.imgfake-lines{position:absolute;left:0;top:0;width:100%;height:100%;transform-origin:0 0;
  pointer-events:none;overflow:visible}
.imgfake-lines line{stroke:#00e5ff;stroke-width:1.5;vector-effect:non-scaling-stroke;opacity:.9}
.imgfake-lines circle{fill:#00e5ff;stroke:#000;stroke-width:.5;vector-effect:non-scaling-stroke}
.imgfake-family .widget-toggle-button{width:auto;padding:0 12px;font-weight:600}
.imgfake-guide{font-size:13px;color:var(--if-muted);border-left:3px solid var(--if-border);padding:2px 0 2px 10px;margin:4px 0}
.imgfake-guide b{color:var(--if-text);font-weight:600}
.imgfake-spinner{display:inline-block;width:11px;height:11px;margin-right:6px;border:2px solid var(--if-border);
  border-top-color:var(--if-accent);border-radius:50%;animation:imgfake-spin .8s linear infinite;vertical-align:-1px}
@keyframes imgfake-spin{to{transform:rotate(360deg)}}
.imgfake-layout .widget-toggle-button{width:auto;padding:0 12px}
.imgfake-cross{display:none;position:absolute;width:21px;height:21px;margin:-10px 0 0 -10px;pointer-events:none;
  background:linear-gradient(#00e5ff,#00e5ff) center/1px 100% no-repeat,linear-gradient(#00e5ff,#00e5ff) center/100% 1px no-repeat;
  filter:drop-shadow(0 0 1px #000)}
.imgfake-caption-text{font-size:13px;color:var(--if-muted)}
.imgfake-caption-text.pending{color:var(--if-uncertain)}
.imgfake-controls{flex-wrap:wrap;align-items:center;gap:6px 16px;border-top:1px solid #eef1f4;padding-top:8px}
.imgfake-evidence .widget-toggle-button{width:auto;padding:0 14px}
.imgfake-facts,.imgfake-findings-table{border-collapse:collapse;width:100%;margin:2px 0 10px;font-size:13px}
.imgfake-facts th{text-align:left;color:var(--if-muted);font-weight:500;width:130px;padding:3px 8px 3px 0;vertical-align:top}
.imgfake-facts td,.imgfake-findings-table td{padding:4px 8px 4px 0;vertical-align:top;border-top:1px solid #f0f2f5}
.imgfake-scan-stored .imgfake-facts{table-layout:fixed}
.imgfake-scan-stored .imgfake-facts th{width:80px}
.imgfake-scan-stored .imgfake-facts td{overflow-wrap:anywhere;font-size:12px}
.imgfake-sev{white-space:nowrap;width:90px;font-weight:600}
.sev-warning .imgfake-sev{color:var(--if-edited)}.sev-notice .imgfake-sev{color:var(--if-uncertain)}
.sev-info .imgfake-sev{color:var(--if-muted);font-weight:500}
.imgfake-help .widget-html-content{font-size:14px}
.imgfake-help-text p,.imgfake-help-text li{max-width:80ch}
.imgfake-welcome ul{margin:6px 0 8px 0;padding-left:20px}
.imgfake-app .imgfake-help{width:auto;margin:0;align-self:stretch}
.imgfake-help .jupyter-widget-Collapse-header,.imgfake-help .p-Collapse-header{font-weight:600;background:#fff}
@media (max-width:980px){.imgfake-body{flex-direction:column}.imgfake-left{width:100%;flex:1 1 auto}}
"""
