"""Know your data before you train on it: a manifest of class folders and a safe split.

``build_manifest`` walks a folder laid out like Keras' ``image_dataset_from_directory``
expects (one sub-folder per class), records what every file is (checksum, sniffed format,
size read from the header only), and reports what cannot be used: unreadable files and exact
duplicates, which are never deleted. ``split_manifest`` makes a train / validation / test
split that is stratified by label (and by subgroup where there are enough images) and
group-aware: images that share a group key (the same source photo, or the same bytes) always
land in the same split. Both save to disk with a fingerprint of the data, so a model can say
exactly which data trained it; a model bundle keeps the split of every data folder it was trained
on (``save_splits``, read back with ``read_split``). ``arrange_samples`` puts the shipped sample
photos in the class-folder layout.

Examples
--------
>>> from imgfake.learn.datasets import build_manifest, split_manifest, check_disjoint
>>> manifest = build_manifest("../shared/data/faces")          # doctest: +SKIP
>>> split = split_manifest(manifest, val=0.15, test=0.15, seed=0)  # doctest: +SKIP
>>> check_disjoint(split)                                         # doctest: +SKIP
>>> split.save("runs/faces_split.json")                           # doctest: +SKIP
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image

from ..forensics.jpeg import table_signature
from ..scan import walk_files

CLASS_NAMES: tuple[str, ...] = ("real", "edited")
"""Label 0 and label 1, in that order."""

DEFAULT_CLASS_MAP: dict[str, int] = {
    **dict.fromkeys(("real", "authentic", "original", "pristine", "genuine"), 0),
    **dict.fromkeys(
        ("edited", "fake", "tampered", "forged", "manipulated", "spliced", "altered"), 1
    ),
}
"""Folder name (case-insensitive) -> label used when ``class_map`` is not given."""

IGNORED_FOLDERS: tuple[str, ...] = ("masks",)
"""Top-level folders skipped by default (``imgfake.learn.synth`` writes ground-truth masks there)."""

SPLITS: tuple[str, ...] = ("train", "val", "test")

_FACE_NAME = re.compile(r"^(easy|mid|hard)_(\d+)_([01]+)$", re.IGNORECASE)
#: :func:`imgfake.forensics.jpeg.table_signature` starts with the estimated quality: "q94~9d8bab".
_TABLES_QUALITY = re.compile(r"^q(\d+)[=~]")

SPLIT_FILE = "split.json"
"""The file in a model bundle that holds the split of each data folder it was trained on."""

# (offset, magic bytes, Pillow's format name)
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"BM", "BMP"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG2000"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"8BPS", "PSD"),
)


@dataclass(frozen=True)
class Entry:
    """One usable image file in a manifest.

    Attributes
    ----------
    path : str
        Path relative to the manifest root, with forward slashes.
    label : int
        0 (real) or 1 (edited).
    class_name : str
        ``CLASS_NAMES[label]``.
    kind : str or None
        What kind of image within its class: the sub-folder under the class folder
        (``edited/splice/x.jpg`` -> ``"splice"``) or, for the faces set, the four-digit
        part code of the file name (``easy_12_1010.jpg`` -> ``"1010"``).
    subgroup : str or None
        A label for per-subgroup metrics, e.g. the faces' ``easy`` / ``mid`` / ``hard``.
    group : str or None
        Group key: files with the same key never go to different splits. ``None`` means
        the file is its own group (exact duplicates are grouped anyway).
    sha256 : str
        Checksum of the file's bytes.
    n_bytes : int
        File size.
    format : str
        Format sniffed from the file's first bytes (Pillow's name, e.g. ``"JPEG"``),
        whatever the extension says.
    width, height : int
        Read from the header, without decoding the pixels.
    jpeg_tables : str or None
        For JPEGs, a short signature of the quantisation tables (read from the header).
        Files saved with the same settings share it; see :meth:`Manifest.table_shortcuts`.
    """

    path: str
    label: int
    class_name: str
    kind: str | None
    subgroup: str | None
    group: str | None
    sha256: str
    n_bytes: int
    format: str
    width: int
    height: int
    jpeg_tables: str | None = None

    @property
    def jpeg_quality(self) -> int | None:
        """The IJG quality (1–100) the JPEG was last saved at, estimated from its tables.

        Read from :attr:`jpeg_tables` (the header's quantisation tables, as
        :func:`imgfake.forensics.jpeg.estimate_jpeg_quality` matches them; the same figure
        ``run_analysis("jpeg", image).details["quality"]`` gives), so no pixel is decoded.
        None for other formats, for tables no encoder writes, and for manifests written before
        the tables were recorded.

        Examples
        --------
        >>> from dataclasses import replace
        >>> entry = Entry("real/a.jpg", 0, "real", None, None, None, "0", 1, "JPEG", 8, 8, "q94~9d8bab")
        >>> entry.jpeg_quality, replace(entry, jpeg_tables=None).jpeg_quality
        (94, None)
        """
        found = _TABLES_QUALITY.match(self.jpeg_tables or "")
        return int(found.group(1)) if found else None

    def to_dict(self) -> dict:
        """Return the entry as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, object]) -> Entry:
        """Rebuild an entry from :meth:`to_dict` output or a CSV row (strings)."""

        def text(key: str) -> str | None:
            value = row.get(key)
            return None if value is None or value == "" else str(value)

        return cls(
            path=str(row["path"]),
            label=int(row["label"]),
            class_name=str(row["class_name"]),
            kind=text("kind"),
            subgroup=text("subgroup"),
            group=text("group"),
            sha256=str(row["sha256"]),
            n_bytes=int(row["n_bytes"]),
            format=str(row["format"]),
            width=int(row["width"]),
            height=int(row["height"]),
            jpeg_tables=text("jpeg_tables"),
        )


@dataclass(frozen=True)
class Unreadable:
    """A file that was found but skipped, and why. The file is left where it is."""

    path: str
    reason: str


ENTRY_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Entry))
#: Columns a manifest CSV may lack (written by older versions).
_OPTIONAL_COLUMNS = {"jpeg_tables"}


@dataclass(frozen=True)
class Manifest:
    """What is in a dataset folder.

    Attributes
    ----------
    root : str or None
        The folder the entry paths are relative to (``None`` when loaded without one).
    entries : tuple of Entry
        Usable images, sorted by path.
    unreadable : tuple of Unreadable
        Files skipped because they are empty, not images, or cannot be opened.
    duplicates : tuple of tuple of str
        Groups of paths whose bytes are identical (each group has two or more paths).
    conflicts : tuple of tuple of str
        The duplicate groups whose copies carry different labels.
    """

    root: str | None
    entries: tuple[Entry, ...]
    unreadable: tuple[Unreadable, ...] = ()
    duplicates: tuple[tuple[str, ...], ...] = ()
    conflicts: tuple[tuple[str, ...], ...] = ()

    def __len__(self) -> int:
        return len(self.entries)

    def fingerprint(self) -> str:
        """sha256 over the sorted ``(sha256, label)`` pairs: same images, same labels, same value.

        Independent of file names, folder location and file order.
        """
        return fingerprint_entries(self.entries)

    def summary(self) -> dict:
        """Counts for tables and plots, as plain JSON-serialisable dicts.

        Returns
        -------
        dict
            ``n``, ``classes`` (class name -> count), ``kinds`` and ``subgroups``
            (class name -> {value -> count}, entries without one left out), ``formats``,
            ``sizes`` (``"WxH"`` -> count), ``n_bytes`` (min / median / max / total),
            ``unreadable``, ``duplicate_groups``, ``conflicts`` and ``fingerprint``.
        """
        kinds: dict[str, Counter] = defaultdict(Counter)
        subgroups: dict[str, Counter] = defaultdict(Counter)
        for e in self.entries:
            if e.kind is not None:
                kinds[e.class_name][e.kind] += 1
            if e.subgroup is not None:
                subgroups[e.class_name][e.subgroup] += 1
        sizes = [e.n_bytes for e in self.entries]
        return {
            "n": len(self.entries),
            "classes": dict(sorted(Counter(e.class_name for e in self.entries).items())),
            "kinds": {c: dict(sorted(k.items())) for c, k in sorted(kinds.items())},
            "subgroups": {c: dict(sorted(s.items())) for c, s in sorted(subgroups.items())},
            "formats": dict(sorted(Counter(e.format for e in self.entries).items())),
            "sizes": dict(
                Counter(f"{e.width}x{e.height}" for e in self.entries).most_common()
            ),
            "n_bytes": {
                "min": min(sizes, default=0),
                "median": float(statistics.median(sizes)) if sizes else 0.0,
                "max": max(sizes, default=0),
                "total": sum(sizes),
            },
            "unreadable": len(self.unreadable),
            "duplicate_groups": len(self.duplicates),
            "conflicts": len(self.conflicts),
            "jpeg_tables": {
                c: dict(Counter(e.jpeg_tables for e in self.entries
                                if e.class_name == c and e.jpeg_tables).most_common())
                for c in sorted({e.class_name for e in self.entries})
            },
            "table_shortcuts": self.table_shortcuts(),
            "fingerprint": self.fingerprint(),
        }

    def table_shortcuts(self, *, min_share: float = 0.01) -> list[dict]:
        """JPEG table sets that occur in one class only: a shortcut a model can learn.

        When, say, every real photo was saved with one set of quantisation tables and some
        edited ones with others, the file's save settings alone give those edited photos away,
        and a detector can score well without looking at the edit. Evaluate on the files whose
        tables occur in both classes to measure what is left (``imgfake evaluate`` does).

        Parameters
        ----------
        min_share : float, default 0.01
            Ignore table sets held by fewer than this share of the files.

        Returns
        -------
        list of dict
            ``{"jpeg_tables", "class_name", "n", "share"}`` for each one-class table set
            holding at least `min_share` of the files, largest first.
        """
        by_tables = self._classes_by_tables()
        n = max(1, len(self.entries))
        out = [
            {"jpeg_tables": t, "class_name": next(iter(c)), "n": sum(c.values()),
             "share": round(sum(c.values()) / n, 4)}
            for t, c in by_tables.items()
            if len(c) == 1 and sum(c.values()) / n >= min_share
        ]
        return sorted(out, key=lambda row: -row["n"])

    def shared_tables(self) -> set[str]:
        """Table signatures that occur in more than one class."""
        return {t for t, c in self._classes_by_tables().items() if len(c) > 1}

    def _classes_by_tables(self) -> dict[str, Counter]:
        """JPEG table signature -> how many files of each class carry it."""
        by_tables: dict[str, Counter] = defaultdict(Counter)
        for e in self.entries:
            if e.jpeg_tables is not None:
                by_tables[e.jpeg_tables][e.class_name] += 1
        return by_tables

    def save(self, path: str | os.PathLike) -> Path:
        """Write the entries to a CSV file (one row per entry) and return its path.

        Unreadable files are not written; duplicates and conflicts are recomputed from the
        checksums by :meth:`load`.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=ENTRY_COLUMNS)
            writer.writeheader()
            for e in self.entries:
                writer.writerow({k: ("" if v is None else v) for k, v in e.to_dict().items()})
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, *, root: str | os.PathLike | None = None) -> Manifest:
        """Read a CSV written by :meth:`save`.

        Parameters
        ----------
        path : path-like
            The CSV file.
        root : path-like, optional
            The folder the entry paths are relative to, if you want to open the files.
        """
        with Path(path).open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = set(ENTRY_COLUMNS) - _OPTIONAL_COLUMNS - set(reader.fieldnames or ())
            if missing:
                raise ValueError(
                    f"{path} is not a manifest CSV: missing columns {sorted(missing)}, "
                    f"got {reader.fieldnames}"
                )
            entries = tuple(Entry.from_dict(row) for row in reader)
        duplicates, conflicts = find_duplicates(entries)
        return cls(
            root=None if root is None else str(root),
            entries=entries,
            duplicates=duplicates,
            conflicts=conflicts,
        )


@dataclass(frozen=True)
class Split:
    """A train / validation / test split of a manifest.

    Attributes
    ----------
    train, val, test : tuple of Entry
        The entries of each split.
    fingerprint : str
        :meth:`Manifest.fingerprint` of the manifest that was split.
    seed : int
        The seed that made it.
    fractions : dict
        The requested ``{"val": ..., "test": ...}`` fractions.
    stratify : str
        ``"label"`` or ``"label+subgroup"``: what the split balanced.
    """

    train: tuple[Entry, ...]
    val: tuple[Entry, ...]
    test: tuple[Entry, ...]
    fingerprint: str
    seed: int
    fractions: dict
    stratify: str

    def __getitem__(self, name: str) -> tuple[Entry, ...]:
        if name not in SPLITS:
            raise KeyError(f"split name must be one of {SPLITS}, got {name!r}")
        return getattr(self, name)

    def sizes(self) -> dict[str, int]:
        """Number of entries in each split."""
        return {name: len(self[name]) for name in SPLITS}

    def label_counts(self) -> dict[str, dict[str, int]]:
        """Class counts per split: ``{"train": {"real": n, "edited": n}, ...}``."""
        return {
            name: dict(sorted(Counter(e.class_name for e in self[name]).items()))
            for name in SPLITS
        }

    def to_dict(self) -> dict:
        """Return the split as a JSON-serialisable dict."""
        return {
            "format": 1,
            "fingerprint": self.fingerprint,
            "seed": self.seed,
            "fractions": dict(self.fractions),
            "stratify": self.stratify,
            "sizes": self.sizes(),
            "splits": {name: [e.to_dict() for e in self[name]] for name in SPLITS},
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> Split:
        """Rebuild a split from :meth:`to_dict` output (extra keys, such as a name, are ignored)."""
        return cls(
            **{name: tuple(Entry.from_dict(e) for e in data["splits"][name]) for name in SPLITS},
            fingerprint=data["fingerprint"],
            seed=int(data["seed"]),
            fractions=dict(data["fractions"]),
            stratify=data["stratify"],
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the split as JSON and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, *, manifest: Manifest | None = None) -> Split:
        """Read a split written by :meth:`save`.

        Parameters
        ----------
        path : path-like
            The JSON file.
        manifest : Manifest, optional
            When given, its fingerprint must match the one saved with the split, so a split
            is never applied to different data by mistake.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "splits" not in data:
            raise ValueError(f"{path} is not a split file written by Split.save")
        split = cls.from_dict(data)
        if manifest is not None and manifest.fingerprint() != split.fingerprint:
            raise ValueError(
                f"split {path} was made from data with fingerprint {split.fingerprint[:12]}…, "
                f"but the manifest given has {manifest.fingerprint()[:12]}…; "
                "make a new split for this data"
            )
        return split


def save_splits(path: str | os.PathLike, splits: Mapping[str, Split]) -> Path:
    """Write the splits of several data folders, by name, as a model bundle keeps them.

    Parameters
    ----------
    path : path-like
        A bundle folder (the file is ``<path>/split.json``, :data:`SPLIT_FILE`) or the file.
    splits : mapping of str to Split
        Data folder name -> its split, in the order training listed the folders.

    Returns
    -------
    pathlib.Path
        The file written. :func:`read_splits` reads it back.
    """
    path = Path(path)
    if path.is_dir():
        path = path / SPLIT_FILE
    datasets = [{"name": name, **split.to_dict()} for name, split in splits.items()]
    path.write_text(json.dumps({"format": 1, "datasets": datasets}), encoding="utf-8")
    return path


def read_splits(path: str | os.PathLike) -> dict[str, Split]:
    """The split of every data folder a model bundle was trained on, by folder name.

    Parameters
    ----------
    path : path-like
        A bundle folder (holding ``split.json``) or the split file itself.

    Returns
    -------
    dict of str to Split
        In the order the bundle lists its data folders.

    Raises
    ------
    ValueError
        If there is no split file there, or the file is not one :func:`save_splits` writes.
    """
    file = Path(path) / SPLIT_FILE if Path(path).is_dir() else Path(path)
    if not file.is_file():
        raise ValueError(f"no {SPLIT_FILE} found at {str(path)!r}: pass a model bundle folder "
                         "written by imgfake.learn.train.train_bundle, or its split file")
    data = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("datasets"), list):
        raise ValueError(f"{file} is not a bundle's split file (no 'datasets' list)")
    return {str(d["name"]): Split.from_dict(d) for d in data["datasets"]}


def read_split(
    path: str | os.PathLike, *, dataset: str | None = None, manifest: Manifest | None = None
) -> Split:
    """The split of one data folder a model bundle was trained on.

    Parameters
    ----------
    path : path-like
        A bundle folder (holding ``split.json``) or the split file itself.
    dataset : str, optional
        The data folder's name (the last part of its path at training). Needed only when the
        bundle was trained on several folders and `manifest` is not given.
    manifest : Manifest, optional
        Pick the split made from exactly this data (same :meth:`Manifest.fingerprint`).

    Returns
    -------
    Split
        Use ``split["test"]`` for the test entries; their paths are relative to the data folder.

    Raises
    ------
    ValueError
        If no split matches, or several do and nothing says which.

    Examples
    --------
    >>> split = read_split("../models/default", dataset="faces")  # doctest: +SKIP
    >>> len(split["test"])                                          # doctest: +SKIP
    260
    """
    splits = read_splits(path)
    if dataset is not None:
        if dataset not in splits:
            raise ValueError(f"{str(path)!r} holds the splits of {sorted(splits)}, not {dataset!r}")
        splits = {dataset: splits[dataset]}
    if manifest is not None:
        fingerprint = manifest.fingerprint()
        splits = {name: s for name, s in splits.items() if s.fingerprint == fingerprint}
        if not splits:
            raise ValueError(f"no split in {str(path)!r} was made from this data (fingerprint "
                             f"{fingerprint[:12]}…): the bundle was trained on other images")
    if len(splits) != 1:
        raise ValueError(f"{str(path)!r} holds the splits of {sorted(splits)}; pass dataset= one of them")
    return next(iter(splits.values()))


# --------------------------------------------------------------------------- file facts


def sniff_format(head: bytes) -> str | None:
    """Name an image format from a file's first bytes.

    Parameters
    ----------
    head : bytes
        The first 16 bytes (or more) of the file.

    Returns
    -------
    str or None
        Pillow's format name (``"JPEG"``, ``"PNG"``, ``"WEBP"``, ...) or ``None`` when the
        bytes match no known image format.

    Examples
    --------
    >>> sniff_format(b"\\x89PNG\\r\\n\\x1a\\n....")
    'PNG'
    >>> sniff_format(b"hello") is None
    True
    """
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"):
            return "HEIF"
    return None


def parse_face_name(path: str | os.PathLike) -> tuple[str, str | None] | None:
    """Read difficulty and part code from a faces-set file name.

    Parameters
    ----------
    path : path-like
        A path or file name such as ``"edited/easy_12_1010.jpg"``.

    Returns
    -------
    tuple or None
        ``(subgroup, parts)``, e.g. ``("easy", "1010")`` (the four digits flag left eye,
        right eye, nose, mouth), or ``None`` when the name does not follow the pattern.
        ``parts`` is None when the code is not four digits (the faces set has one such
        file, ``easy_116_111.jpg``): the difficulty is still known, the parts are not.

    Examples
    --------
    >>> parse_face_name("easy_12_1010.jpg")
    ('easy', '1010')
    >>> parse_face_name("easy_116_111.jpg")
    ('easy', None)
    >>> parse_face_name("real_00001.jpg") is None
    True
    """
    match = _FACE_NAME.match(Path(path).stem)
    if match is None:
        return None
    code = match.group(3)
    return match.group(1).lower(), code if len(code) == 4 else None


def face_subgroup(path: str | os.PathLike) -> str | None:
    """Default ``subgroup_fn``: ``easy`` / ``mid`` / ``hard`` for faces-set names, else None."""
    parsed = parse_face_name(path)
    return None if parsed is None else parsed[0]


def default_kind(path: str | os.PathLike) -> str | None:
    """Default ``kind_fn``: the sub-folder under the class folder, else the faces part code.

    ``edited/splice/a.jpg`` -> ``"splice"``; ``edited/easy_1_1000.jpg`` -> ``"1000"``;
    ``real/a.jpg`` -> None.
    """
    parts = Path(path).parts
    if len(parts) > 2:
        return parts[1]
    parsed = parse_face_name(path)
    return None if parsed is None else parsed[1]


def _file_facts(path: Path) -> tuple[dict, str | None]:
    """Checksum, size, format and dimensions of one file, or the reason it is unusable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {}, f"cannot read: {exc.strerror or exc}"
    if not data:
        return {}, "empty file (0 bytes)"
    sniffed = sniff_format(data[:32])
    try:
        with Image.open(path) as im:  # header only: no pixel decoding
            width, height = im.size
            pil_format = im.format
            tables = table_signature(getattr(im, "quantization", None))
    except Exception as exc:  # Pillow raises many types for bad files
        what = f"looks like {sniffed}" if sniffed else "not a recognised image format"
        return {}, f"cannot open as an image ({what}): {exc}"
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "n_bytes": len(data),
        "format": sniffed or pil_format or "unknown",
        "width": int(width),
        "height": int(height),
        "jpeg_tables": tables,
    }, None


# --------------------------------------------------------------------------- manifest


def _class_folders(
    root: Path, class_map: Mapping[str, int], ignore: Iterable[str]
) -> list[tuple[Path, int]]:
    """The class folders under ``root`` with their labels; ValueError on unknown names."""
    ignored = {name.lower() for name in ignore}
    folders = sorted(
        p for p in root.iterdir()
        if p.is_dir() and not p.name.startswith((".", "__")) and p.name.lower() not in ignored
    )
    if not folders:
        raise ValueError(
            f"no class folders found in {str(root)!r}; expected a layout like "
            "root/real/*.jpg and root/edited/*.jpg"
        )
    unknown = [p.name for p in folders if p.name.lower() not in class_map]
    if unknown:
        raise ValueError(
            f"don't know which class these folders in {str(root)!r} are: {unknown} "
            f"(folders found: {[p.name for p in folders]}). Known names: "
            f"{sorted(class_map)}. Pass class_map={{'<folder>': 0 or 1, ...}} "
            "(0 = real, 1 = edited), or ignore=[...] to skip folders."
        )
    return [(p, class_map[p.name.lower()]) for p in folders]


def _check_class_map(class_map: Mapping[str, int] | None) -> dict[str, int]:
    if class_map is None:
        return dict(DEFAULT_CLASS_MAP)
    bad = {k: v for k, v in class_map.items() if v not in (0, 1) or isinstance(v, bool)}
    if not class_map or bad:
        raise ValueError(
            "class_map must map folder names to label 0 (real) or 1 (edited), "
            f"got {dict(class_map)!r}"
        )
    return {str(k).lower(): int(v) for k, v in class_map.items()}


def find_duplicates(
    entries: Sequence[Entry],
) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """Group the entries whose bytes are identical.

    Returns
    -------
    duplicates : tuple of tuple of str
        Paths sharing a checksum, for every checksum seen more than once.
    conflicts : tuple of tuple of str
        The subset of ``duplicates`` whose copies carry different labels.
    """
    by_sha: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_sha[e.sha256].append(e)
    groups = [sorted(g, key=lambda e: e.path) for g in by_sha.values() if len(g) > 1]
    groups.sort(key=lambda g: g[0].path)
    duplicates = tuple(tuple(e.path for e in g) for g in groups)
    conflicts = tuple(
        tuple(e.path for e in g) for g in groups if len({e.label for e in g}) > 1
    )
    return duplicates, conflicts


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _components(entries: Sequence[Entry]) -> list[list[int]]:
    """Indices of entries that must stay together: same group key or same checksum."""
    uf = _UnionFind(len(entries))
    first: dict[tuple[str, str], int] = {}
    for i, e in enumerate(entries):
        keys = [("sha", e.sha256)] + ([("group", e.group)] if e.group is not None else [])
        for key in keys:
            if key in first:
                uf.union(first[key], i)
            else:
                first[key] = i
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(entries)):
        members[uf.find(i)].append(i)
    return list(members.values())


def _merge_duplicate_groups(entries: list[Entry]) -> list[Entry]:
    """Give every entry linked to an exact duplicate one shared group key."""
    out = list(entries)
    for members in _components(entries):
        shas = {entries[i].sha256 for i in members}
        if len(shas) == len(members):
            continue  # linked by one group key only: no duplicates to merge
        old = sorted({entries[i].group for i in members if entries[i].group is not None})
        key = "+".join(old) if old else "dup:" + min(shas)[:16]
        for i in members:
            out[i] = _replace_group(entries[i], key)
    return out


def _replace_group(entry: Entry, group: str) -> Entry:
    return Entry(**{**entry.to_dict(), "group": group})


def build_manifest(
    root: str | os.PathLike,
    *,
    class_map: Mapping[str, int] | None = None,
    group_fn: Callable[[str], str | None] | None = None,
    subgroup_fn: Callable[[str], str | None] | None = face_subgroup,
    kind_fn: Callable[[str], str | None] | None = default_kind,
    ignore: Iterable[str] = IGNORED_FOLDERS,
) -> Manifest:
    """Describe every image in a folder of class sub-folders.

    Parameters
    ----------
    root : path-like
        A folder with one sub-folder per class, e.g. ``root/real/*.jpg`` and
        ``root/edited/*.jpg``; class folders may contain sub-folders (``edited/splice/``),
        recorded as the entry's ``kind``. Files directly in ``root`` are not images of any
        class and are left out.
    class_map : mapping of str to int, optional
        Folder name (case-insensitive) -> label, 0 = real, 1 = edited. Defaults to
        :data:`DEFAULT_CLASS_MAP` (real/authentic/original/pristine/genuine -> 0;
        edited/fake/tampered/forged/manipulated/spliced/altered -> 1).
    group_fn : callable, optional
        ``group_fn(relative_path) -> str or None``: files with the same key never end up in
        different splits (e.g. :func:`imgfake.learn.synth.source_of` for synthetic sets, where a
        forgery and its authentic twin share the source photo).
    subgroup_fn : callable or None, optional
        ``subgroup_fn(relative_path) -> str or None``. Defaults to :func:`face_subgroup`
        (easy / mid / hard from faces-set names, None otherwise).
    kind_fn : callable or None, optional
        ``kind_fn(relative_path) -> str or None``. Defaults to :func:`default_kind`.
    ignore : iterable of str, optional
        Top-level folder names to skip (default: ``masks``). Hidden folders are always
        skipped.

    Returns
    -------
    Manifest
        Entries sorted by path, plus the unreadable files (skipped, never deleted), the
        exact duplicates (forced into one group, so they never cross splits) and the
        duplicates that carry different labels (``conflicts``).

    Raises
    ------
    ValueError
        If ``root`` is not a folder, has no class folders, or has a folder whose name is
        not in ``class_map``.
    """
    root_path = Path(root)
    if not root_path.is_dir():
        raise ValueError(f"root must be an existing folder, got {str(root)!r}")
    labels = _check_class_map(class_map)
    entries: list[Entry] = []
    unreadable: list[Unreadable] = []
    for folder, label in _class_folders(root_path, labels, ignore):
        for file in walk_files([folder], extensions=None):
            rel = file.relative_to(root_path).as_posix()
            facts, problem = _file_facts(file)
            if problem is not None:
                unreadable.append(Unreadable(rel, problem))
                continue
            entries.append(
                Entry(
                    path=rel,
                    label=label,
                    class_name=CLASS_NAMES[label],
                    kind=kind_fn(rel) if kind_fn else None,
                    subgroup=subgroup_fn(rel) if subgroup_fn else None,
                    group=group_fn(rel) if group_fn else None,
                    **facts,
                )
            )
    entries.sort(key=lambda e: e.path)
    entries = _merge_duplicate_groups(entries)
    duplicates, conflicts = find_duplicates(entries)
    return Manifest(
        root=str(root_path),
        entries=tuple(entries),
        unreadable=tuple(sorted(unreadable, key=lambda u: u.path)),
        duplicates=duplicates,
        conflicts=conflicts,
    )


def arrange_samples(out_dir: str | os.PathLike, *, samples_dir: str | os.PathLike | None = None) -> Path:
    """Copy the sample photos into the class-folder layout: ``real/`` and ``edited/<kind>/``.

    The samples (``data/samples``) lie side by side in one folder, described by their
    ``samples.json``; :func:`build_manifest`, ``imgfake evaluate`` and the notebooks want one
    sub-folder per class. Masks are not copied.

    Parameters
    ----------
    out_dir : path-like
        Folder to fill; created if absent, and must be empty.
    samples_dir : path-like, optional
        A folder with ``samples.json`` (default: the shipped samples,
        :func:`imgfake.resources.samples_dir`).

    Returns
    -------
    pathlib.Path
        `out_dir`, holding e.g. ``real/kodim03_authentic.jpg`` and
        ``edited/splice/kodim03_splice.jpg``.

    Raises
    ------
    ValueError
        If `samples_dir` has no ``samples.json`` or `out_dir` is not empty.
    """
    from ..resources import samples_dir as shipped_samples

    source = Path(samples_dir) if samples_dir is not None else shipped_samples()
    listing = source / "samples.json"
    if not listing.is_file():
        raise ValueError(f"samples_dir must hold a samples.json, got {str(source)!r}")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"out_dir must be empty or absent, got {str(out)!r} with files in it")
    for record in json.loads(listing.read_text(encoding="utf-8")):
        dest = out / record["class_name"] / (record["kind"] or "") / record["file"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / record["file"], dest)
    return out


def fingerprint_entries(entries: Iterable[Entry]) -> str:
    """sha256 over the sorted ``(sha256, label)`` pairs of ``entries`` (see Manifest)."""
    pairs = sorted(f"{e.sha256}\t{e.label}" for e in entries)
    return hashlib.sha256("\n".join(pairs).encode("ascii")).hexdigest()


# --------------------------------------------------------------------------- split


def _check_fractions(val: float, test: float) -> None:
    for name, value in (("val", val), ("test", test)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1), got {value!r}")
    if val + test >= 1.0:
        raise ValueError(
            f"val + test must leave something to train on (< 1), got {val} + {test}"
        )


def _strata(entries: Sequence[Entry], stratify: str, min_fraction: float) -> tuple[list, str]:
    """The stratum key of every entry, and the stratification actually used."""
    if stratify not in ("auto", "label", "label+subgroup"):
        raise ValueError(
            f"stratify must be 'auto', 'label' or 'label+subgroup', got {stratify!r}"
        )
    fine = [(e.label, e.subgroup or "") for e in entries]
    if stratify == "auto":
        # Balancing subgroups only makes sense if each one can put an image in every split.
        needed = int(np.ceil(1.0 / min_fraction)) if min_fraction > 0 else 1
        has_subgroups = any(e.subgroup is not None for e in entries)
        feasible = min(Counter(fine).values()) >= needed
        stratify = "label+subgroup" if has_subgroups and feasible else "label"
    if stratify == "label":
        return [(e.label, "") for e in entries], "label"
    return fine, "label+subgroup"


def _assign(
    sizes: np.ndarray, targets: np.ndarray, totals: np.ndarray
) -> list[int]:
    """Greedily put each component (rows of ``sizes``, in order) in the split it helps most.

    ``sizes`` is components × strata counts, ``targets`` splits × strata wanted counts.
    The cost is the squared shortfall/excess per stratum, relative to the stratum's size.
    """
    current = np.zeros_like(targets)
    choice = []
    for v in sizes:
        before = (current - targets) ** 2
        after = (current + v - targets) ** 2
        cost = ((after - before) / totals).sum(axis=1)
        best = int(np.argmin(cost))
        current[best] += v
        choice.append(best)
    return choice


def split_manifest(
    manifest: Manifest,
    *,
    val: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    stratify: str = "auto",
) -> Split:
    """Split a manifest into train / validation / test, stratified and group-aware.

    Parameters
    ----------
    manifest : Manifest
        From :func:`build_manifest` or :meth:`Manifest.load`.
    val, test : float, optional
        Fractions of the images for validation and test (default 0.15 each).
    seed : int, optional
        Same manifest + same seed -> the same split, whatever the order of the entries.
    stratify : {"auto", "label", "label+subgroup"}, optional
        What each split should have in the same proportions as the whole. ``"auto"``
        (default) balances (label, subgroup) when every such stratum has enough images to
        reach each split, and the label alone otherwise.

    Returns
    -------
    Split
        No group key and no checksum appears in two splits (:func:`check_disjoint`).

    Notes
    -----
    Files linked by a group key or identical bytes form one unit. Units are shuffled with
    ``numpy.random.default_rng(seed)``, larger units first, and each goes to the split
    whose per-stratum counts are furthest below their targets. With units of one file,
    every stratum's split sizes are within one file of ``fraction × count``.
    """
    _check_fractions(val, test)
    entries = sorted(manifest.entries, key=lambda e: e.path)
    if not entries:
        raise ValueError("cannot split an empty manifest (0 entries)")
    fractions = np.array([1.0 - val - test, val, test])
    nonzero = fractions[fractions > 0]
    keys, used = _strata(entries, stratify, float(nonzero.min()))
    strata = sorted(set(keys))
    column = {k: j for j, k in enumerate(strata)}
    components = sorted(_components(entries), key=lambda c: entries[min(c)].path)
    if len(components) < len(nonzero):
        raise ValueError(
            f"need at least {len(nonzero)} independent groups to make {len(nonzero)} "
            f"non-empty splits, got {len(components)}"
        )
    order = np.random.default_rng(seed).permutation(len(components))
    components = [components[i] for i in order]
    components.sort(key=len, reverse=True)  # stable: ties keep the shuffled order
    sizes = np.zeros((len(components), len(strata)))
    for row, members in enumerate(components):
        for i in members:
            sizes[row, column[keys[i]]] += 1
    totals = sizes.sum(axis=0)
    choice = _assign(sizes, fractions[:, None] * totals[None, :], totals)
    parts: list[list[Entry]] = [[], [], []]
    for members, split_index in zip(components, choice):
        parts[split_index].extend(entries[i] for i in members)
    train, val_part, test_part = (tuple(sorted(p, key=lambda e: e.path)) for p in parts)
    return Split(
        train=train,
        val=val_part,
        test=test_part,
        fingerprint=manifest.fingerprint(),
        seed=int(seed),
        fractions={"val": float(val), "test": float(test)},
        stratify=used,
    )


def check_disjoint(split: Split) -> None:
    """Raise if any checksum or group key appears in more than one split.

    Raises
    ------
    ValueError
        Naming up to five offending checksums or group keys and the splits they are in.
    """
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name in SPLITS:
        for e in split[name]:
            seen[("sha256", e.sha256)].add(name)
            if e.group is not None:
                seen[("group", e.group)].add(name)
    leaks = {k: sorted(v) for k, v in seen.items() if len(v) > 1}
    if leaks:
        shown = [f"{kind} {value[:16]} in {names}" for (kind, value), names in leaks.items()]
        raise ValueError(
            f"split leaks {len(leaks)} images/groups across splits: {shown[:5]}"
        )
