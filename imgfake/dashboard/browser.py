"""The small browser-side widgets of the dashboard (anywidget): no build step, no CDN.

* :class:`ImagePair` — the photo beside its evidence image with linked zoom and pan.
* :class:`DropZone` — drag and drop of image files onto the page.
* :class:`PageHelper` — tells Python when a page has connected.

Why not a plotly ``FigureWidget`` for the image pair: creating one takes ~3 s in the kernel and
ships plotly.js (~5 MB) through the websocket on every page load (Voilà page ready in ~15 s
instead of ~5 s here), and each update re-sends base64 text. ``ImagePair`` sends the two JPEGs
as binary buffers and only the one that changed.
"""

from __future__ import annotations

import anywidget
import traitlets

from .state import MAX_UPLOAD_BYTES

__all__ = ["ImagePair", "DropZone", "PageHelper"]


class ImagePair(anywidget.AnyWidget):
    """Two same-size images side by side, or the second over the first; zooming or moving one
    does the same to the other.

    ``overlay`` draws the evidence over the photo at ``opacity`` instead of beside it; ``lines``
    (``[x1, y1, x2, y2]`` in display pixels, e.g. copy-move pairs) are drawn over both images.

    Scroll (or the + / − buttons) to zoom around the pointer, drag to move, double-click or
    "Fit" to see the whole image. A crosshair marks the same spot in the other image, and the
    position is read out in the original image's pixels (``factor`` × display pixels).
    Set ``view_id`` to a new value to show the whole image again (a new photo); changing only
    ``evidence`` keeps the zoom, so a setting can be compared on the same detail.
    """

    _esm = r"""
    const MAX_ZOOM = 64;
    function render({ model, el }) {
      el.classList.add("imgfake-pair");
      el.innerHTML = `
        <div class="imgfake-pair-toolbar">
          <button type="button" data-act="in" title="Zoom in">+</button>
          <button type="button" data-act="out" title="Zoom out">&minus;</button>
          <button type="button" data-act="fit" title="Show the whole image (or double-click it)">Fit</button>
          <span class="imgfake-pair-zoom">100%</span>
          <span class="imgfake-pair-pos"></span>
          <span class="imgfake-pair-help">Scroll to zoom · drag to move · double-click to fit</span>
        </div>
        <div class="imgfake-pair-panels">
          <figure class="imgfake-panel" data-side="photo"><figcaption></figcaption>
            <div class="imgfake-stage"><img class="imgfake-photo-img" alt="photo" draggable="false">
            <img class="imgfake-overlay-img" alt="evidence over the photo" draggable="false">
            <svg class="imgfake-lines" preserveAspectRatio="none"></svg>
            <div class="imgfake-cross"></div></div></figure>
          <figure class="imgfake-panel" data-side="evidence"><figcaption></figcaption>
            <div class="imgfake-stage"><img class="imgfake-evidence-img" alt="evidence" draggable="false">
            <svg class="imgfake-lines" preserveAspectRatio="none"></svg>
            <div class="imgfake-cross"></div></div></figure>
        </div>`;
      const panels = [...el.querySelectorAll(".imgfake-panel")];
      const stages = panels.map(p => p.querySelector(".imgfake-stage"));
      const imgs = panels.map(p => p.querySelector("img"));
      const overlayImg = el.querySelector(".imgfake-overlay-img");
      const svgs = [...el.querySelectorAll(".imgfake-lines")];
      const layers = [...imgs, overlayImg, ...svgs];  // everything that zooms and moves together
      const crosses = panels.map(p => p.querySelector(".imgfake-cross"));
      const zoomLabel = el.querySelector(".imgfake-pair-zoom");
      const posLabel = el.querySelector(".imgfake-pair-pos");
      let s = 1, tx = 0, ty = 0;  // zoom, and translation as fractions of the stage size
      const urls = {};

      const clamp = () => {
        s = Math.min(Math.max(s, 1), MAX_ZOOM);
        tx = Math.min(0, Math.max(1 - s, tx));
        ty = Math.min(0, Math.max(1 - s, ty));
      };
      const apply = () => {
        clamp();
        const w = model.get("width") || 1;
        const pixelated = s * stages[0].clientWidth / w > 2;
        for (const layer of layers) {
          layer.style.transform = `translate(${tx * 100}%, ${ty * 100}%) scale(${s})`;
          layer.style.imageRendering = pixelated ? "pixelated" : "auto";
        }
        zoomLabel.textContent = `${Math.round(s * 100)}%`;
      };
      const zoomAt = (factor, fx, fy) => {  // fx, fy: point in stage fractions that stays put
        const old = s;
        s = Math.min(Math.max(s * factor, 1), MAX_ZOOM);
        tx = fx - (fx - tx) * (s / old);
        ty = fy - (fy - ty) * (s / old);
        apply();
      };
      const fit = () => { s = 1; tx = 0; ty = 0; apply(); };
      const layout = () => {  // both stages: same size, the image's aspect, at most 640 px high
        const w = model.get("width") || 4, h = model.get("height") || 3;
        const avail = (model.get("overlay") ? el.querySelector(".imgfake-pair-panels").clientWidth
                                            : panels[0].clientWidth) || 400;
        const width = Math.min(avail, 640 * w / h);
        for (const stage of stages) {
          stage.style.width = `${width}px`;
          stage.style.height = `${width * h / w}px`;
        }
      };
      const setImage = (key, i, mime) => {
        const view = model.get(key);
        const targets = key === "evidence" ? [imgs[i], overlayImg] : [imgs[i]];
        if (urls[key]) URL.revokeObjectURL(urls[key]);
        if (!view || !view.byteLength) {
          for (const img of targets) img.removeAttribute("src");
          urls[key] = null;
          return;
        }
        urls[key] = URL.createObjectURL(new Blob([view], { type: mime }));
        for (const img of targets) img.src = urls[key];
      };
      const titles = () => {
        const over = model.get("overlay");
        panels[0].querySelector("figcaption").textContent =
          over ? `${model.get("evidence_title")} over the photo` : model.get("photo_title");
        panels[1].querySelector("figcaption").textContent = model.get("evidence_title");
      };
      const mode = () => {
        const over = model.get("overlay");
        el.classList.toggle("imgfake-overlaid", over);
        overlayImg.style.opacity = over ? String(model.get("opacity")) : "0";
        titles();
        layout();
        apply();
      };
      const drawLines = () => {
        const w = model.get("width") || 1, h = model.get("height") || 1;
        const ns = "http://www.w3.org/2000/svg";
        for (const svg of svgs) {
          svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
          svg.replaceChildren();
          for (const [x1, y1, x2, y2] of model.get("lines") || []) {
            const line = document.createElementNS(ns, "line");
            Object.entries({ x1, y1, x2, y2 }).forEach(([k, v]) => line.setAttribute(k, v));
            svg.appendChild(line);
            for (const [cx, cy] of [[x1, y1], [x2, y2]]) {
              const dot = document.createElementNS(ns, "circle");
              dot.setAttribute("cx", cx); dot.setAttribute("cy", cy); dot.setAttribute("r", 2.5);
              svg.appendChild(dot);
            }
          }
        }
      };
      const fraction = (stage, e) => {
        const r = stage.getBoundingClientRect();
        return [(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height];
      };

      for (const stage of stages) {
        stage.addEventListener("wheel", (e) => {
          e.preventDefault();
          const [fx, fy] = fraction(stage, e);
          zoomAt(Math.exp(-e.deltaY * 0.0015), fx, fy);
        }, { passive: false });
        stage.addEventListener("dblclick", fit);
        let drag = null;
        stage.addEventListener("pointerdown", (e) => {
          drag = { x: e.clientX, y: e.clientY, tx, ty };
          stage.setPointerCapture(e.pointerId);
          stage.classList.add("dragging");
        });
        stage.addEventListener("pointerup", (e) => {
          drag = null;
          stage.classList.remove("dragging");
        });
        stage.addEventListener("pointermove", (e) => {
          const r = stage.getBoundingClientRect();
          if (drag) {
            tx = drag.tx + (e.clientX - drag.x) / r.width;
            ty = drag.ty + (e.clientY - drag.y) / r.height;
            apply();
          }
          const [fx, fy] = fraction(stage, e);
          for (const c of crosses) {
            c.style.display = "block";
            c.style.left = `${fx * 100}%`;
            c.style.top = `${fy * 100}%`;
          }
          const u = (fx - tx) / s, v = (fy - ty) / s, f = model.get("factor") || 1;
          const x = Math.floor(u * model.get("width") * f), y = Math.floor(v * model.get("height") * f);
          posLabel.textContent = `x ${x}, y ${y}`;
        });
        stage.addEventListener("pointerleave", () => {
          for (const c of crosses) c.style.display = "none";
          posLabel.textContent = "";
        });
      }
      el.querySelector("[data-act=in]").addEventListener("click", () => zoomAt(1.6, 0.5, 0.5));
      el.querySelector("[data-act=out]").addEventListener("click", () => zoomAt(1 / 1.6, 0.5, 0.5));
      el.querySelector("[data-act=fit]").addEventListener("click", fit);

      model.on("change:photo", () => setImage("photo", 0, "image/jpeg"));
      model.on("change:evidence", () => setImage("evidence", 1, "image/jpeg"));
      model.on("change:photo_title change:evidence_title", titles);
      model.on("change:width change:height", () => { layout(); drawLines(); apply(); });
      model.on("change:overlay change:opacity", mode);
      model.on("change:lines", drawLines);
      model.on("change:view_id", fit);
      const observer = new ResizeObserver(() => { layout(); apply(); });
      observer.observe(el);
      setImage("photo", 0, "image/jpeg");
      setImage("evidence", 1, "image/jpeg");
      drawLines();
      mode();
      return () => {
        observer.disconnect();
        for (const url of Object.values(urls)) if (url) URL.revokeObjectURL(url);
      };
    }
    export default { render };
    """
    photo = traitlets.Bytes(b"").tag(sync=True)
    evidence = traitlets.Bytes(b"").tag(sync=True)
    photo_title = traitlets.Unicode("Photo").tag(sync=True)
    evidence_title = traitlets.Unicode("").tag(sync=True)
    width = traitlets.Int(0).tag(sync=True)  # of the images as sent (display pixels)
    height = traitlets.Int(0).tag(sync=True)
    factor = traitlets.Int(1).tag(sync=True)  # original pixels per display pixel
    view_id = traitlets.Int(0).tag(sync=True)
    overlay = traitlets.Bool(False).tag(sync=True)  # the evidence over the photo, not beside it
    opacity = traitlets.Float(0.6).tag(sync=True)  # of the evidence in overlay mode
    lines = traitlets.List([]).tag(sync=True)  # [x1, y1, x2, y2] in display pixels, over both images


class DropZone(anywidget.AnyWidget):
    """Drag-and-drop target: sends each dropped file's bytes to Python in its own message.

    In a Voilà page, files dropped anywhere on the page are taken; inside JupyterLab only drops
    on the upload area are (JupyterLab uses page drops itself). Files over `max_bytes` are not
    sent; a ``rejected`` message names them instead. Messages: ``start`` (with ``count``), then
    ``file`` (``name``, one binary buffer) or ``rejected`` (``name``, ``size``) per file, ``end``.
    """

    _esm = r"""
    function render({ model, el }) {
      el.classList.add("imgfake-dropzone");
      el.innerHTML = '<div class="imgfake-drop-icon">⇪</div><div class="imgfake-drop-text"></div>';
      const text = el.querySelector(".imgfake-drop-text");
      const setText = () => { text.textContent = model.get("text"); };
      setText();
      model.on("change:text", setText);
      const area = () => el.closest(".imgfake-upload-area") || el;
      const inLab = () => !!document.querySelector(".jp-LabShell");
      const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
      const accepts = (e) => hasFiles(e) && ((model.get("page_wide") && !inLab()) || area().contains(e.target));
      const highlight = (on) => {
        area().classList.toggle("imgfake-dragover", on);
        document.body.classList.toggle("imgfake-dragging", on && model.get("page_wide") && !inLab());
      };
      const over = (e) => {
        if (!accepts(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        highlight(true);
      };
      const leave = (e) => { if (!e.relatedTarget) highlight(false); };
      const drop = async (e) => {
        if (!accepts(e)) return;
        e.preventDefault();
        e.stopPropagation();
        highlight(false);
        const files = Array.from(e.dataTransfer.files || []);
        if (!files.length) return;
        const limit = model.get("max_bytes");
        model.send({ event: "start", count: files.length });
        for (const file of files) {
          if (file.size > limit) {
            model.send({ event: "rejected", name: file.name, size: file.size });
            continue;
          }
          const buffer = await file.arrayBuffer();
          model.send({ event: "file", name: file.name, size: file.size }, undefined, [buffer]);
        }
        model.send({ event: "end" });
      };
      document.addEventListener("dragover", over);
      document.addEventListener("dragleave", leave);
      document.addEventListener("drop", drop);
      return () => {
        document.removeEventListener("dragover", over);
        document.removeEventListener("dragleave", leave);
        document.removeEventListener("drop", drop);
      };
    }
    export default { render };
    """
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    page_wide = traitlets.Bool(True).tag(sync=True)
    text = traitlets.Unicode("Drag and drop photos here").tag(sync=True)


class PageHelper(anywidget.AnyWidget):
    """Tells Python when a page has connected (``{"event": "connected"}``); shows nothing.

    Widget updates made after Voilà rendered the notebook but before the browser's websocket
    opened (a model that finished loading meanwhile, or a preheated kernel) never reach that
    page, so the dashboard re-sends the state of everything that changes on its own.
    """

    _esm = r"""
    function render({ model, el }) {
      el.style.display = "none";
      model.send({ event: "connected" });
    }
    export default { render };
    """
