"""Display helpers shared by the dashboard, the report and notebooks: preview sizes, colour
maps for evidence maps, and plain-words readings of scores. Pure NumPy, no plotly.
"""

from __future__ import annotations

import numpy as np

from .results import AnalysisResult

__all__ = ["PREVIEW_SIDE", "NOT_ANALYSED_RGB", "FAMILY_TITLES", "display_factor", "colormap",
           "evidence_image", "direction_words", "verdict_words", "prediction_headline", "VERDICT_HEADLINES",
           "SHORT_ANSWERS"]

#: Longest side of the images drawn on a page (full resolution is used for every computation).
PREVIEW_SIDE = 1024
#: Colour of "not analysed" cells (NaN) in an evidence image.
NOT_ANALYSED_RGB = (72, 78, 88)
#: How pages and reports name each family of methods (:data:`imgfake.results.FAMILIES`).
FAMILY_TITLES = {"compression": "Compression", "noise": "Noise", "cloning": "Cloning", "camera": "Camera",
                 "metadata": "Metadata", "model": "Model", "lens": "Lenses"}


def display_factor(height: int, width: int, *, max_side: int = PREVIEW_SIDE) -> int:
    """Integer pooling factor that brings the longer side to at most `max_side`."""
    factor = max(1, -(-max(height, width) // max_side))
    return max(1, min(factor, height, width))


def colormap(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] (H, W) to a dark-to-bright 'inferno'-like uint8 RGB image."""
    anchors = np.array([
        (0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99),
        (212, 72, 66), (245, 125, 21), (250, 193, 39), (252, 255, 164),
    ], np.float32)  # fmt: skip
    positions = np.linspace(0.0, 1.0, len(anchors))
    lut = np.stack([np.interp(np.linspace(0, 1, 256), positions, anchors[:, c]) for c in range(3)], 1)
    index = np.clip(np.nan_to_num(values) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return lut.astype(np.uint8)[index]


def evidence_image(result: AnalysisResult, factor: int, *, height: int, width: int) -> tuple[np.ndarray, bool]:
    """An analysis' evidence map as a colour image at 1/`factor` of the image size.

    The map is turned so that brighter = more suspicious (:meth:`AnalysisResult.suspicion`),
    then scaled: probabilities from 0 to 1 as they are, anything else from its 0.5th to its
    99.5th percentile. Not-analysed cells are drawn in :data:`NOT_ANALYSED_RGB`.

    Returns
    -------
    (rgb, has_unanalysed) : uint8 array (height // factor, width // factor, 3), bool
    """
    values = result.on_grid(factor, height=height, width=width, suspicion=True)
    finite = np.isfinite(values)
    if result.units == "probability" and result.direction == "high":
        lo, hi = 0.0, 1.0
    elif finite.any():
        lo, hi = (float(v) for v in np.percentile(values[finite], [0.5, 99.5]))
    else:
        lo, hi = 0.0, 1.0
    scaled = (values - lo) / (hi - lo if hi > lo else 1.0)
    rgb = colormap(np.clip(np.where(finite, scaled, 0.0), 0.0, 1.0))
    rgb[~finite] = NOT_ANALYSED_RGB
    return rgb, bool((~finite).any())


def direction_words(direction: str) -> str:
    """How to read a suspicion image of a map with this direction."""
    if direction == "both":
        return "brighter = further from this photo's usual level, either way"
    if direction == "low":
        return "brighter = lower values, the suspicious way for this method"
    return "brighter = more signs of editing by this method"


#: The fused detector's three answers: headline and tone.
VERDICT_HEADLINES = {
    "edited": ("Signs of editing found", "edited"),
    "real": ("No sign of editing found", "authentic"),
    "uncertain": ("Cannot tell", "uncertain"),
}
#: The three answers in a table's narrow column (the dashboard's batch table, a scan's rows).
SHORT_ANSWERS = {"edited": "edited", "real": "no sign", "uncertain": "can't tell"}


def prediction_headline(prediction: dict) -> tuple[str, str]:
    """Headline and tone of a prediction record: its three-way ``verdict`` when it has one
    (fused bundles), else :func:`verdict_words` of its score."""
    p = float(prediction["p_edited"])
    verdict = prediction.get("verdict")
    if verdict in VERDICT_HEADLINES:
        headline, tone = VERDICT_HEADLINES[verdict]
        return f"{headline} (p = {p:.2f})", tone
    return verdict_words(p, float(prediction.get("threshold", 0.5)))


def verdict_words(p_edited: float, threshold: float = 0.5) -> tuple[str, str]:
    """A plain-words reading of a model score and its tone.

    Returns
    -------
    (headline, tone)
        e.g. ``("Likely edited (p = 0.87)", "edited")``; tone is "edited", "authentic" or
        "uncertain" (within 0.1 of the threshold).
    """
    p = float(p_edited)
    if abs(p - threshold) < 0.1:
        side = "edited" if p >= threshold else "authentic"
        return f"Uncertain, leaning {side} (p = {p:.2f})", "uncertain"
    if p >= threshold:
        return f"Likely edited (p = {p:.2f})", "edited"
    return f"Likely authentic (p = {p:.2f})", "authentic"
