"""Copy-move detection by keypoints (Amerini et al. 2011): a region copied to another place in
the same photo, also rotated or scaled.

SIFT keypoints of the photo are matched against each other (the generalised 2-nearest-neighbour
test keeps a match while each next neighbour is clearly farther), matches between nearby points
are dropped, and RANSAC finds the affine transforms that many matches agree on. Each transform is
then checked densely: where the photo and its own warped copy agree closely, around the matched
points, both the source and the copy are marked.

References
----------
I. Amerini, L. Ballan, R. Caldelli, A. Del Bimbo, G. Serra, "A SIFT-based forensic method for
copy-move attack detection and transformation recovery", IEEE Transactions on Information
Forensics and Security 6(3), 2011, pp. 1099-1110.

Where it fails: flat or repetitive regions give no or too many keypoints (sky, walls, textiles;
a dense block matcher is the complement), very small copies carry too few keypoints, and honest
repetition (windows of a facade, a row of identical objects) is found as well: look at what is
matched before concluding.
"""

from __future__ import annotations

import numpy as np

from ..results import AnalysisResult, Finding
from .blocks import MAX_WORKING_SIDE, cell_means, mask_to_full_size, opencv, working_copy
from .registry import register

__all__ = ["match_keypoints", "find_clones", "clone_mask"]

#: Longest side the keypoints are found at (:data:`~imgfake.forensics.blocks.MAX_WORKING_SIDE`).
MAX_SIDE = MAX_WORKING_SIDE
_cv2 = opencv


def match_keypoints(grey: np.ndarray, *, max_keypoints: int = 4000, ratio: float = 0.6,
                    min_distance: float = 12.0, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of SIFT keypoints of `grey` that look alike (g2NN test), far enough apart.

    Returns
    -------
    (src, dst) : ndarrays of float32, shape (n, 2)
        x, y of each matched pair (each pair once).
    """
    cv2 = _cv2()
    sift = cv2.SIFT_create(nfeatures=max_keypoints)
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    if descriptors is None or len(keypoints) < 3:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    points = np.array([kp.pt for kp in keypoints], np.float32)
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    knn = matcher.knnMatch(descriptors, descriptors, k=min(k + 1, len(keypoints)))
    pairs = set()
    for row in knn:
        row = [m for m in row if m.trainIdx != m.queryIdx]  # the point itself
        for first, second in zip(row, row[1:]):
            if first.distance >= ratio * max(second.distance, 1e-6):
                break
            i, j = first.queryIdx, first.trainIdx
            if np.hypot(*(points[i] - points[j])) >= min_distance:
                pairs.add((min(i, j), max(i, j)))
    if not pairs:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    index = np.array(sorted(pairs))
    return points[index[:, 0]], points[index[:, 1]]


def find_clones(src: np.ndarray, dst: np.ndarray, *, min_inliers: int = 8, max_clones: int = 3,
                threshold: float = 3.0) -> list[dict]:
    """Affine transforms (dst ≈ A·src + t) that at least `min_inliers` matched pairs agree on."""
    cv2 = _cv2()
    clones = []
    src, dst = src.copy(), dst.copy()
    for _ in range(max_clones):
        if len(src) < min_inliers:
            break
        matrix, inliers = cv2.estimateAffine2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=threshold,
                                               maxIters=4000, confidence=0.995)
        if matrix is None:
            break
        keep = inliers.ravel().astype(bool)
        if keep.sum() < min_inliers:
            break
        shift = float(np.hypot(matrix[0, 2], matrix[1, 2]))
        linear = matrix[:, :2]
        if abs(np.linalg.det(linear)) < 0.2 or np.abs(linear).max() > 5:  # degenerate: not a copy
            src, dst = src[~keep], dst[~keep]
            continue
        clones.append({"matrix": matrix.astype(np.float64), "inliers": int(keep.sum()),
                       "src": src[keep], "dst": dst[keep], "shift": shift})
        src, dst = src[~keep], dst[~keep]
    return clones


def clone_mask(grey: np.ndarray, clone: dict, *, tolerance: float = 6.0, radius: int = 40) -> np.ndarray:
    """Where `grey` and its copy warped by the clone's transform agree (both ways), near the
    matched points: the source and the pasted copy."""
    cv2 = _cv2()
    h, w = grey.shape
    grey32 = grey.astype(np.float32)
    near = np.zeros((h, w), np.uint8)
    for x, y in np.vstack([clone["src"], clone["dst"]]):
        cv2.circle(near, (int(x), int(y)), radius, 1, -1)
    hull = np.zeros((h, w), np.uint8)
    for points in (clone["src"], clone["dst"]):
        if len(points) >= 3:
            cv2.fillConvexPoly(hull, cv2.convexHull(points.astype(np.int32)), 1)
    region = (near | hull).astype(bool)
    forward = clone["matrix"]
    backward = cv2.invertAffineTransform(forward)
    mask = np.zeros((h, w), bool)
    for matrix in (forward, backward):
        # pixel p agrees with the pixel the transform sends it to
        warped = cv2.warpAffine(grey32, cv2.invertAffineTransform(matrix), (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=-1000)
        difference = cv2.blur(np.abs(grey32 - warped), (7, 7))
        mask |= difference < tolerance
    mask &= region
    # tidy: drop specks, fill pinholes
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    return mask.astype(bool)


@register(
    "copymove",
    title="Copy-move (keypoints)",
    family="cloning",
    description="Finds parts of the photo that appear twice, also rotated or scaled (SIFT keypoints "
    "matched within the photo); marks both the source and the copy.",
    heatmap=True,
    direction="high",
    cell=8,
)
def copymove_analysis(image, *, block: int = 8) -> AnalysisResult:
    """Copy-move regions on a `block`-pixel grid (share of each cell marked); score = matched
    keypoint pairs of the strongest transform, as n / (n + 20)."""
    cv2 = _cv2()
    pixels = image.pixels
    h, w = pixels.shape[:2]
    small, factor = working_copy(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), max_side=MAX_SIDE)
    if min(small.shape) < 16:  # a sliver: no keypoint has room
        src = dst = np.zeros((0, 2), np.float32)
    else:
        src, dst = match_keypoints(small)
    clones = find_clones(src, dst)
    mask_small = np.zeros(small.shape, bool)
    for clone in clones:
        mask_small |= clone_mask(small, clone)
    mask = mask_to_full_size(mask_small, h, w)
    heatmap = cell_means(mask.view(np.uint8), block)
    strongest = max((c["inliers"] for c in clones), default=0)
    findings = ()
    if clones:
        c = clones[0]
        findings = (Finding("copy-move", "warning",
                            f"A part of the photo appears again elsewhere in it ({c['inliers']} matching "
                            f"points agree on one move of {c['shift'] * factor:.0f} px): a sign of cloning, "
                            "unless the scene really repeats (a facade, a row of identical things)."),)
    pairs = [[*map(float, p * factor), *map(float, q * factor)] for c in clones for p, q in zip(c["src"], c["dst"])]
    return AnalysisResult(
        name="copymove", heatmap=heatmap, cell=block, direction="high", units="share of the cell cloned",
        mask=heatmap >= 0.5, score=strongest / (strongest + 20.0), findings=findings,
        details={"keypoint_pairs": int(len(src)), "clones": [
            {"inliers": c["inliers"], "shift_px": round(c["shift"] * factor, 1),
             "matrix": [[round(float(v), 4) for v in row] for row in c["matrix"]]} for c in clones],
            "pairs": pairs[:200], "scale": round(factor, 3)},
    )
