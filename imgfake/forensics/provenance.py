"""Generator traces: what AI image generators and editors write into a file about its making.

Reads, in plain words:

* the PNG text that Stable Diffusion web UIs write (``parameters``: prompt, steps, sampler, seed)
  and ComfyUI's ``prompt`` / ``workflow`` graphs;
* the IPTC digital source type in XMP (``Iptc4xmpExt:DigitalSourceType``):
  ``trainedAlgorithmicMedia`` (made by a generative model), ``compositeWithTrainedAlgorithmicMedia``
  (generated parts), ``algorithmicMedia``, ``digitalCapture`` (a camera);
* generator names in the EXIF/XMP software fields and the JPEG comment.

These traces are easy to strip and easy to fake: their presence is strong evidence of how a
file was made (the makers write them), their absence says nothing.

References
----------
IPTC NewsCodes, "Digital Source Type" vocabulary (https://cv.iptc.org/newscodes/digitalsourcetype/).
AUTOMATIC1111 stable-diffusion-webui, ``modules/images.py`` (the ``parameters`` text chunk).

Where it fails: anyone can strip or write these fields; generators that write nothing, and
files re-saved by apps that drop text chunks and XMP, leave no trace to read.
"""

from __future__ import annotations

import re

from ..results import AnalysisResult, Finding
from .registry import register, run_analysis

__all__ = ["generator_traces", "GENERATOR_NAMES"]

#: Names of image generators as they appear in software fields (lower case).
GENERATOR_NAMES = (
    "stable diffusion", "stablediffusion", "automatic1111", "comfyui", "invokeai", "fooocus",
    "midjourney", "dall-e", "dall·e", "dalle", "adobe firefly", "firefly", "novelai", "imagen",
    "leonardo.ai", "ideogram", "flux", "gpt-4o", "chatgpt", "openai", "bing image creator",
    "craiyon", "dreamstudio", "nightcafe",
)

_SOURCE_TYPES = {
    "trainedalgorithmicmedia": ("generated", "warning",
                                "The file declares itself made by a generative AI model "
                                "(IPTC digital source type 'trainedAlgorithmicMedia')."),
    "compositewithtrainedalgorithmicmedia": ("generated-parts", "warning",
                                             "The file declares that parts of it were made by a "
                                             "generative AI model (IPTC 'compositeWithTrainedAlgorithmicMedia')."),
    "algorithmicmedia": ("algorithmic", "notice",
                         "The file declares itself made by an algorithm, not a camera "
                         "(IPTC digital source type 'algorithmicMedia')."),
    "compositesynthetic": ("composite", "notice",
                           "The file declares itself a composite including synthetic elements "
                           "(IPTC 'compositeSynthetic')."),
    "digitalcapture": ("camera", "info",
                       "The file declares itself a camera capture (IPTC digital source type "
                       "'digitalCapture'); like all metadata, this can be written by anyone."),
}
_SOURCE_RE = re.compile(r"digitalsourcetype[^>]*?(?:=\"|>|/)\s*(?:[^\"<]*/)?([a-z]+)", re.I)


def generator_traces(*, text: dict | None, xmp: bytes | None, software: list[str]) -> list[Finding]:
    """Findings from PNG text chunks, an XMP packet and software names (all optional)."""
    found: list[Finding] = []
    text = {str(k).lower(): str(v) for k, v in (text or {}).items()}
    params = text.get("parameters", "")
    if params and re.search(r"\b(steps|sampler|cfg scale|seed)\s*:", params, re.I):
        found.append(Finding("generator-parameters", "warning",
                             "The file carries the generation settings that Stable Diffusion web "
                             f"interfaces write ('{_excerpt(params)}'): it was most likely made by an AI "
                             "image generator."))
    if "workflow" in text or ("prompt" in text and text["prompt"].lstrip().startswith("{")):
        found.append(Finding("generator-comfyui", "warning",
                             "The file carries a ComfyUI prompt/workflow graph: it was most likely "
                             "made by an AI image generator (ComfyUI)."))
    if xmp:
        decoded = xmp.decode("utf-8", "replace")
        for match in dict.fromkeys(m.lower() for m in _SOURCE_RE.findall(decoded)):
            if match in _SOURCE_TYPES:
                code, severity, message = _SOURCE_TYPES[match]
                found.append(Finding(f"source-{code}", severity, message))
    names = [s for s in software if s]
    named = sorted({g for s in names for g in GENERATOR_NAMES if g in s.lower()})
    if named:
        which = ", ".join(dict.fromkeys(s for s in names if any(g in s.lower() for g in named)))
        found.append(Finding("generator-named", "warning",
                             f"The file's software fields name an AI image generator ({_excerpt(which)})."))
    return found


def _excerpt(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@register(
    "provenance",
    title="Generator traces",
    family="metadata",
    description="What AI image generators and editors write into a file: Stable Diffusion and "
    "ComfyUI settings, the IPTC digital source type, generator names.",
    needs=("metadata",),
)
def provenance_analysis(image) -> AnalysisResult:
    """Generator traces; score 1 when the file declares AI generation, else None (absence of a
    trace is no evidence of anything)."""
    meta = run_analysis("metadata", image).details  # read once, shared with the metadata analysis
    info = image.info or {}
    software = [meta.get("software"), meta.get("processing_software"), meta.get("xmp_creator_tool"),
                *(meta.get("xmp_history_agents") or ()), info.get("comment"), *(info.get("text") or {}).values()]
    software = [s for s in software if isinstance(s, str) and len(s) < 300]
    findings = generator_traces(text=info.get("text"), xmp=image.xmp, software=software)
    generated = any(f.severity == "warning" for f in findings)
    return AnalysisResult(name="provenance", findings=tuple(findings), score=1.0 if generated else None,
                          details={"text_keys": sorted((info.get("text") or {}))[:64],
                                   "traces": [f.code for f in findings]})
