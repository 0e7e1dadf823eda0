"""Camera signatures: which camera or program wrote a JPEG's quantisation tables?

Every camera model writes its own JPEG tables (or a few, one per quality setting); editors and
phone apps mostly write the IJG standard tables at some quality. Looked up in a database built by
``scripts/build_qtable_db.py`` from header-only JPEGs of about a hundred cameras and programs
(its provenance is in the file), the tables say who saved the file last. When the EXIF names a
camera the database knows, and the tables are not that camera's, the file was re-saved by other
software after it left the camera: not proof of editing, but the end of "straight from the camera".

References
----------
H. Farid, "Digital image ballistics from JPEG quantization", Dartmouth TR2006-583, 2006.
E. Kee, M. K. Johnson, H. Farid, "Digital image authentication from JPEG headers", IEEE
Transactions on Information Forensics and Security 6(3), 2011.

Where it fails: the database is small (cameras it lacks say nothing), some cameras use the
standard tables too, and metadata can be copied onto any file.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from ..results import AnalysisResult, Finding
from .jpeg import table_signature
from .registry import register, run_analysis

__all__ = ["table_database", "camera_findings"]


@functools.lru_cache(maxsize=1)
def table_database() -> dict:
    """The shipped database: ``cameras`` and ``programs`` by table signature, and its provenance."""
    text = resources.files("imgfake.forensics").joinpath("data", "qtables.json").read_text(encoding="utf-8")
    database = json.loads(text)
    models: dict[str, set] = {}
    for signature, writers in database["cameras"].items():
        for writer in writers:
            models.setdefault(writer.lower(), set()).add(signature)
    database["by_model"] = models
    return database


def _clean(text: str | None) -> str:
    return " ".join(str(text or "").replace("\x00", " ").split())


def camera_findings(signature: str, *, make: str | None, model: str | None) -> tuple[list[Finding], dict]:
    """Findings about tables with `signature` in a file whose EXIF names `make` / `model`."""
    db = table_database()
    cameras = db["cameras"].get(signature, [])
    programs = db["programs"].get(signature, [])
    claimed = f"{_clean(make)} | {_clean(model)}" if make and model else None
    quality = signature.split("=")[0].split("~")[0].lstrip("q")
    standard = "=" in signature
    found: list[Finding] = []

    def names(writers, n=3):
        shown = [w.split(" | ")[-1] for w in writers[:n]]
        return ", ".join(shown) + (f" and {len(writers) - n} more" if len(writers) > n else "")

    if claimed and claimed.lower() in db["by_model"]:
        own = db["by_model"][claimed.lower()]
        if signature in own:
            found.append(Finding("tables-match-camera", "info",
                                 f"The JPEG tables are those the {_clean(model)} writes itself (imgfake's "
                                 "table database): consistent with a file straight from that camera."))
        else:
            whose = (f"the standard tables editors and apps write, at quality {quality}" if standard
                     else f"tables written by {names(cameras)}" if cameras else "tables not in imgfake's database")
            found.append(Finding("tables-not-camera", "notice",
                                 f"The EXIF names a {_clean(model)}, but the JPEG tables are not the ones that "
                                 f"camera writes ({whose}): the file was most likely saved again by other "
                                 "software after it left the camera."))
    elif cameras:
        found.append(Finding("tables-known-camera", "info",
                             f"The JPEG tables match those written by {names(cameras)} (imgfake's table database)."))
    if programs and not any(f.code == "tables-match-camera" for f in found):
        found.append(Finding("tables-known-program", "info",
                             f"These JPEG tables are also written by programs: {', '.join(programs[:3])}."))
    return found, {"cameras": cameras[:10], "programs": programs[:10], "claimed": claimed}


@register(
    "tables",
    title="Camera signature",
    family="camera",
    description="Which camera or program wrote the JPEG's quantisation tables (a database of about a "
    "hundred models), and whether that fits the camera the EXIF names.",
    needs=("jpeg", "metadata"),
)
def tables_analysis(image) -> AnalysisResult:
    """Table signature findings; no score (a re-save is not an edit)."""
    if image.jpeg is None or not image.jpeg.quantization:
        return AnalysisResult(name="tables", details={"format": image.format})
    signature = table_signature(image.jpeg.quantization)
    meta = run_analysis("metadata", image).details  # read once, shared with the metadata analysis
    findings, details = camera_findings(signature, make=meta.get("make"), model=meta.get("model"))
    return AnalysisResult(name="tables", findings=tuple(findings),
                          details={"signature": signature, **details})
