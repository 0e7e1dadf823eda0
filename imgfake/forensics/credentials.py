"""Content credentials (C2PA): what a signed manifest in the file says about its making, and
whether it still holds.

A C2PA manifest is a signed record embedded in the file (a JUMBF box in JPEG APP11 segments,
the PNG ``caBX`` chunk, a WebP/TIFF/HEIF box). It names the software that wrote it (the
*claim generator*), the signer's certificate, the actions taken (``c2pa.created``,
``c2pa.opened``, ``c2pa.edited``, ...; each with a *software agent* and, for made content, an
IPTC *digital source type* such as ``trainedAlgorithmicMedia``: made by a generative AI model),
the ingredients used, and a hash of the file's bytes that binds the record to these pixels.
Validation (by the c2pa-rs library, through ``c2pa-python``) tells whether the signature
verifies, whether the file's bytes still match the signed hash, and whether the signer is on a
trust list.

This analysis reads and validates that record offline and says, in plain words:

* nothing, beyond "no content credentials", for the large majority of files: most cameras and
  editors write none, and re-saving or uploading strips them; their absence says nothing;
* who signed, with which algorithm, when (only a time-stamp authority gives a trusted date);
* what the actions declare: created by an AI model, composited with AI parts, edited with a
  named program;
* whether the image changed after it was signed (the hard-binding hash no longer matches: the
  pixels or other bytes were edited, re-encoded or damaged after signing);
* whether the signature verifies and whether the signer is trusted. imgfake does not fetch
  trust lists, remote manifests, OCSP responses or time-stamp checks (it runs offline): every
  signer is "not on a trust list here" unless the caller passes its root certificates as
  ``trust_anchors``. A self-signed or unknown certificate authority is *untrusted*, not forged.

Score (image level, higher = more likely made or changed by something other than a camera):
``None`` without readable credentials; ``1.0`` when they declare AI generation (the image, its
parts or an ingredient: ``trainedAlgorithmicMedia`` / ``compositeWithTrainedAlgorithmicMedia``)
or the file no longer matches its signed hash; ``0.5`` when they record content edits
(``c2pa.edited``, ``c2pa.cropped``, ``c2pa.color_adjustments``, any action not in
:data:`NEUTRAL_ACTIONS`), a non-camera source type, or when the signature or the manifest itself
is broken; ``0.0`` for intact credentials that declare only capture / creation / opening. Trust
in the signer does not change the score: it is reported as its own finding.

References
----------
C2PA Technical Specification 2.1 (Coalition for Content Provenance and Authenticity, 2024):
§15 Validation (status codes), §18 Actions (https://c2pa.org/specifications/).
IPTC NewsCodes, "Digital Source Type" vocabulary (https://cv.iptc.org/newscodes/digitalsourcetype/).
contentauth/c2pa-rs, ``sdk/src/crypto/cose/certificate_profile.rs`` (what a signing certificate must hold).

Where it fails
--------------
* Absence is the normal case and proves nothing; stripping credentials is one re-save away.
* Credentials say what the signer declared. A valid signature from an untrusted key proves only
  that the record is intact, not that its statements are true; anyone can sign "captured by a
  camera" with a key of their own.
* Offline, no signer is trusted unless ``trust_anchors`` is given, revocation is not checked and
  manifests stored online (a remote URL in XMP) are not fetched.
* Formats that cannot carry credentials (BMP, ICO, ...) and files of which the analysis was not
  given the bytes are reported "not checked".
"""

from __future__ import annotations

import io
import json
import logging
import threading
from datetime import datetime, timezone

from ..results import AnalysisResult, Finding
from .registry import register

__all__ = ["read_credentials", "credentials_findings", "MIME_TYPES", "NEUTRAL_ACTIONS",
           "SOURCE_TYPES", "MAX_BYTES"]

log = logging.getLogger(__name__)

#: Pillow format names of containers that can carry a C2PA manifest, and their MIME types.
MIME_TYPES = {
    "JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
    "TIFF": "image/tiff", "GIF": "image/gif", "AVIF": "image/avif", "HEIF": "image/heif",
    "JXL": "image/jxl", "DNG": "image/dng", "SVG": "image/svg+xml",
}
#: Files larger than this are not handed to the C2PA reader (it hashes the whole file).
MAX_BYTES = 256 * 2**20
#: Actions that do not change what the picture shows (everything else counts as an edit).
NEUTRAL_ACTIONS = frozenset({
    "c2pa.created", "c2pa.opened", "c2pa.published", "c2pa.managed", "c2pa.edited.metadata",
    "c2pa.repackaged", "c2pa.transcoded", "c2pa.converted", "c2pa.printed", "c2pa.watermarked",
    "c2pa.resized", "c2pa.orientation",
})
#: IPTC digital source types: (finding code, severity, score, plain words).
SOURCE_TYPES = {
    "trainedAlgorithmicMedia": ("ai-generated", "warning", 1.0, "created by an AI model"),
    "compositeWithTrainedAlgorithmicMedia": ("ai-composite", "warning", 1.0,
                                             "a composite that includes parts made by an AI model"),
    "algorithmicallyEnhanced": ("source-enhanced", "notice", 0.5, "enhanced by an algorithm"),
    "algorithmicMedia": ("source-algorithmic", "notice", 0.5,
                         "made by an algorithm (not a camera, not a trained model)"),
    "compositeSynthetic": ("source-composite", "notice", 0.5, "a composite including synthetic elements"),
    "composite": ("source-composite", "notice", 0.5, "a composite of several sources"),
    "compositeCapture": ("source-composite", "notice", 0.5, "a composite of several captures"),
    "digitalArt": ("source-digital-art", "notice", 0.5, "made by a person with software, not a camera"),
    "digitalCreation": ("source-digital-art", "notice", 0.5, "made by a person with software, not a camera"),
    "humanEdits": ("source-edited", "notice", 0.5, "edited by a person"),
    "minorHumanEdits": ("source-edited", "notice", 0.5, "slightly edited by a person"),
    "dataDrivenMedia": ("source-data", "notice", 0.5, "drawn from data (a chart or visualisation)"),
    "virtualRecording": ("source-virtual", "notice", 0.5, "recorded in a virtual (rendered) scene"),
    "screenCapture": ("source-camera", "info", 0.0, "a screen capture"),
    "digitalCapture": ("source-camera", "info", 0.0, "captured by a digital camera"),
    "negativeFilm": ("source-camera", "info", 0.0, "scanned from a film negative"),
    "positiveFilm": ("source-camera", "info", 0.0, "scanned from a film positive"),
    "print": ("source-camera", "info", 0.0, "scanned from a print"),
}
#: Validation codes meaning the file's bytes no longer match the signed hard-binding hash.
_CONTENT_CHANGED = frozenset({"assertion.dataHash.mismatch", "assertion.bmffHash.mismatch",
                              "assertion.boxesHash.mismatch", "assertion.collectionHash.mismatch"})
_SIGNATURE_BROKEN = frozenset({"claimSignature.mismatch", "claimSignature.missing"})
_UNTRUSTED = frozenset({"signingCredential.untrusted"})
_CERTIFICATE = {
    "signingCredential.invalid": "the signing certificate does not meet the C2PA rules (for "
                                 "example, it is self-signed or lacks the required key usages)",
    "signingCredential.expired": "the signing certificate was not valid at the time of signing",
    "claimSignature.outsideValidity": "the signing certificate was not valid at the time of signing",
    "signingCredential.revoked": "the signing certificate has been revoked",
}
#: Settings that keep c2pa-rs offline: no remote manifests, no OCSP, no host may be contacted.
_OFFLINE_SETTINGS = {
    "core": {"allowed_network_hosts": []},
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_trust": True},
}
_MARKERS = (b"jumb", b"c2pa", b"provenance")
_LOCK = threading.Lock()  # c2pa's shared native state: one reader at a time is plenty here


def _empty(status: str, *, error: str | None = None, mime: str | None = None, **extra) -> dict:
    return {"present": False, "status": status, "error": error, "mime": mime, "remote_url": None,
            "validation_state": None, "trust_checked": False, "manifests": 0,
            "claim_generator": None, "title": None, "format": None, "signer": None,
            "signing_time": None, "actions": [], "digital_source_types": [], "ingredients": [],
            "ingredient_source_types": [], "validation_status": [], **extra}


def read_credentials(data: bytes, *, mime: str | None, trust_anchors: str | None = None) -> dict:
    """Read and validate the content credentials (C2PA manifest store) of an encoded file.

    Offline: no remote manifest, trust list, OCSP or time-stamp authority is contacted.

    Parameters
    ----------
    data : bytes
        The encoded file (bytes, bytearray or memoryview).
    mime : str or None
        Its MIME type (``"image/jpeg"``, ``"image/png"``, ...); None lets the reader detect it.
    trust_anchors : str, optional
        PEM root certificates to trust. Without them every signer is reported untrusted
        (``signingCredential.untrusted``): imgfake ships no trust list.

    Returns
    -------
    dict
        Plain, JSON-serialisable facts: ``present`` (bool), ``status`` (``"read"``, ``"absent"``,
        ``"unsupported"``, ``"unreadable"``, ``"remote"``, ``"too-large"``), ``error`` (plain
        words or None), ``remote_url``, ``validation_state`` (``"Invalid"``, ``"Valid"`` or
        ``"Trusted"``), ``trust_checked``, ``manifests`` (count), and for the active manifest
        ``claim_generator``, ``title``, ``format``, ``signer`` (``common_name``,
        ``organization`` (what c2pa calls the issuer: the certificate subject's organisation),
        ``algorithm``, ``serial``, ``time``), ``signing_time``, ``actions`` (each ``action``,
        ``software_agent``, ``digital_source_type`` (IPTC short name), ``when``,
        ``description``), ``digital_source_types``, ``ingredients`` (each ``title``, ``format``,
        ``relationship``, ``manifest``, ``digital_source_types``, ``validation_failures``),
        ``ingredient_source_types`` and ``validation_status`` (the failures: each ``code``,
        ``explanation``, ``url``). It never raises for a damaged or unsupported file.

    Raises
    ------
    ValueError
        When `data` is not bytes-like, `mime` is not a string, or `trust_anchors` holds no PEM
        certificate.

    Examples
    --------
    >>> read_credentials(b"\\xff\\xd8\\xff\\xd9", mime="image/jpeg")["present"]
    False
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"data must be the file's bytes, got {type(data).__name__}")
    if mime is not None and not isinstance(mime, str):
        raise ValueError(f"mime must be a MIME type string such as 'image/jpeg' or None, got {mime!r}")
    if trust_anchors is not None and (not isinstance(trust_anchors, str)
                                      or "-----BEGIN CERTIFICATE-----" not in trust_anchors):
        raise ValueError("trust_anchors must be PEM text holding at least one "
                         f"'-----BEGIN CERTIFICATE-----' block, got {str(trust_anchors)[:40]!r}")
    data = bytes(data) if not isinstance(data, bytes) else data
    if len(data) > MAX_BYTES:
        return _empty("too-large", mime=mime,
                      error=f"the file ({len(data):,} bytes) is larger than the {MAX_BYTES:,} bytes "
                            "the credentials reader is given")
    if not any(marker in data for marker in _MARKERS):
        return _empty("absent", mime=mime)  # no JUMBF box, no c2pa label, no remote reference
    try:
        store = _read_store(data, mime=mime, trust_anchors=trust_anchors)
    except _Absent:
        return _empty("absent", mime=mime)
    except _Unreadable as exc:
        return _empty(exc.status, mime=mime, error=exc.words, remote_url=exc.url)
    return _summarise(store, mime=mime, trust_checked=trust_anchors is not None)


class _Absent(Exception):
    pass


class _Unreadable(Exception):
    def __init__(self, status: str, words: str, url: str | None = None):
        super().__init__(words)
        self.status, self.words, self.url = status, words, url


def _read_store(data: bytes, *, mime: str | None, trust_anchors: str | None) -> dict:
    """The manifest store as c2pa's JSON (a dict), or _Absent / _Unreadable."""
    try:
        import c2pa
    except Exception as exc:  # not installed, or its native library does not load here
        raise _Unreadable("unreadable", f"the C2PA library (c2pa-python) is not available: {exc}") from None
    settings = json.loads(json.dumps(_OFFLINE_SETTINGS))
    if trust_anchors is not None:
        settings["trust"] = {"trust_anchors": trust_anchors}
    with _LOCK:
        try:
            context = c2pa.Context.from_dict(settings)
        except Exception as exc:
            if trust_anchors is not None:
                raise ValueError(f"the C2PA reader refused the trust anchors given ({exc}): pass "
                                 "PEM root certificates") from None
            raise _Unreadable("unreadable", f"the C2PA reader could not be set up offline: {exc}") from None
        try:
            with context:
                reader = c2pa.Reader.try_create(mime, io.BytesIO(data), None, context)
                if reader is None:
                    raise _Absent()
                with reader:
                    text = reader.json()
        except (_Absent, _Unreadable):
            raise
        except Exception as exc:  # C2paError subclasses, and anything the binding lets through
            raise _classify_error(exc) from None
    try:
        store = json.loads(text)
    except ValueError as exc:
        raise _Unreadable("unreadable", f"the C2PA reader returned malformed JSON ({exc})") from None
    if not isinstance(store, dict):
        raise _Unreadable("unreadable", "the C2PA reader returned no manifest store")
    return store


def _classify_error(exc: Exception) -> _Unreadable:
    words = " ".join(str(exc).split())[:300] or type(exc).__name__
    kind = type(exc).__name__.lstrip("_").replace("C2pa", "")
    if words.startswith("Remote") or kind == "RemoteManifest":
        url = words.rsplit(" ", 1)[-1] if "http" in words else None
        return _Unreadable("remote", words, url)
    if kind == "NotSupported" or "type is unsupported" in words:
        return _Unreadable("unsupported", words)
    if kind == "ManifestNotFound":
        return _Unreadable("absent", words)
    return _Unreadable("unreadable", words)


def _text(value, limit: int = 200) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):  # v2 softwareAgent / claim_generator_info: {name, version}
        value = " ".join(str(value[k]) for k in ("name", "version") if value.get(k) is not None)
    text = " ".join(str(value).split())
    return text[:limit] if text else None


def _source_type(value) -> str | None:
    """IPTC short name from a digitalSourceType URL (``.../trainedAlgorithmicMedia``)."""
    text = _text(value)
    if not text:
        return None
    return text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or None


def _actions(manifest: dict) -> list[dict]:
    found = []
    for assertion in manifest.get("assertions") or ():
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        data = assertion.get("data")
        for action in (data.get("actions") if isinstance(data, dict) else None) or ():
            if not isinstance(action, dict):
                continue
            params = action.get("parameters") if isinstance(action.get("parameters"), dict) else {}
            found.append({
                "action": _text(action.get("action")) or "unknown",
                "software_agent": _text(action.get("softwareAgent")),
                "digital_source_type": _source_type(action.get("digitalSourceType")
                                                    or params.get("digitalSourceType")),
                "when": _text(action.get("when")),
                "description": _text(action.get("description") or params.get("description")),
            })
    return found[:200]


def _claim_generator(manifest: dict) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info:
        names = [_text(i) for i in info if isinstance(i, dict)]
        names = [n for n in names if n]
        if names:
            return "; ".join(names)
    return _text(manifest.get("claim_generator"))


def _failures(status) -> list[dict]:
    out = []
    for item in status or ():
        if isinstance(item, dict) and item.get("code"):
            out.append({"code": str(item["code"]), "explanation": _text(item.get("explanation"), 300),
                        "url": _text(item.get("url"), 300)})
    return out[:100]


def _summarise(store: dict, *, mime: str | None, trust_checked: bool) -> dict:
    manifests = store.get("manifests") if isinstance(store.get("manifests"), dict) else {}
    label = store.get("active_manifest")
    active = manifests.get(label) if isinstance(label, str) else None
    out = _empty("read", mime=mime)
    out.update(present=True, validation_state=_text(store.get("validation_state")),
               trust_checked=trust_checked, manifests=len(manifests),
               validation_status=_failures(store.get("validation_status")))
    if not isinstance(active, dict):
        out["error"] = "the manifest store names no readable active manifest"
        return out
    signature = active.get("signature_info") if isinstance(active.get("signature_info"), dict) else {}
    signer = {"common_name": _text(signature.get("common_name")),
              "organization": _text(signature.get("issuer")),
              "algorithm": _text(signature.get("alg")),
              "serial": _text(signature.get("cert_serial_number")),
              "time": _text(signature.get("time"))}
    actions = _actions(active)
    ingredients = []
    for ingredient in active.get("ingredients") or ():
        if not isinstance(ingredient, dict):
            continue
        parent = manifests.get(ingredient.get("active_manifest"))
        types = sorted({a["digital_source_type"] for a in _actions(parent)
                        if a["digital_source_type"]}) if isinstance(parent, dict) else []
        results = ingredient.get("validation_results")
        failures = (results.get("activeManifest") or {}).get("failure") if isinstance(results, dict) else None
        ingredients.append({
            "title": _text(ingredient.get("title")), "format": _text(ingredient.get("format")),
            "relationship": _text(ingredient.get("relationship")),
            "manifest": _text(ingredient.get("active_manifest")),
            "digital_source_types": types,
            "validation_failures": [f["code"] for f in _failures(failures or ingredient.get("validation_status"))],
        })
    out.update(
        claim_generator=_claim_generator(active), title=_text(active.get("title")),
        format=_text(active.get("format")), signer=signer if any(signer.values()) else None,
        signing_time=signer["time"], actions=actions,
        digital_source_types=sorted({a["digital_source_type"] for a in actions if a["digital_source_type"]}),
        ingredients=ingredients[:50],
        ingredient_source_types=sorted({t for i in ingredients for t in i["digital_source_types"]}),
    )
    return out


# --- plain words -------------------------------------------------------------------------------


def _when(stamp: str | None) -> str:
    if not stamp:
        return "at an unknown time (no time stamp, so the signing date is not vouched for)"
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return f"on {stamp}"
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"on {moment:%Y-%m-%d %H:%M} UTC"


def _quote(items) -> str:
    items = list(dict.fromkeys(i for i in items if i))
    return ", ".join(f"'{i}'" for i in items[:4]) + (" and others" if len(items) > 4 else "")


def credentials_findings(credentials: dict) -> tuple[list[Finding], float | None]:
    """Plain-words findings and the score (see the module docstring) from :func:`read_credentials`.

    Returns
    -------
    findings : list of Finding
    score : float or None
        None without readable credentials; else the largest score any finding carries
        (1.0 AI-made or changed after signing, 0.5 edits or a broken record, 0.0 otherwise).
    """
    if not credentials.get("present"):
        return [_absent_finding(credentials)], None
    who = _signer_words(credentials.get("signer") or {})
    scored = [(_signed_finding(credentials, who), 0.0)]
    scored += _validation_findings(credentials, who)
    scored += _declared_findings(credentials)
    return [finding for finding, _ in scored], max(score for _, score in scored)


def _absent_finding(credentials: dict) -> Finding:
    status, error = credentials.get("status"), credentials.get("error")
    if status == "unsupported":
        return Finding("credentials-unsupported", "info",
                       "Content credentials were not checked: this kind of file cannot carry them "
                       "(or the C2PA reader does not support it).")
    if status == "remote":
        url = credentials.get("remote_url")
        return Finding("credentials-remote", "notice",
                       f"The file points to content credentials stored online{f' ({url})' if url else ''}; "
                       "imgfake works offline and did not fetch them, so they were not checked.")
    if status == "too-large":
        return Finding("credentials-not-checked", "info", f"Content credentials were not checked: {error}.")
    if status == "unreadable":
        return Finding("credentials-unreadable", "notice",
                       f"The file seems to hold content credentials (C2PA) that could not be read "
                       f"({error}); they may be damaged or truncated, and nothing they say can be relied on.")
    return Finding("no-credentials", "info",
                   "The file carries no content credentials (C2PA). Most photos have none and "
                   "re-saving strips them, so their absence says nothing about the image.")


def _signer_words(signer: dict) -> str:
    name, org = signer.get("common_name"), signer.get("organization")
    if name and org and org != name:
        return f"'{name}' ({org})"
    return f"'{name or org}'" if (name or org) else "an unnamed signer"


def _signed_finding(credentials: dict, who: str) -> Finding:
    alg = ((credentials.get("signer") or {}).get("algorithm") or "an unnamed algorithm").upper()
    generator = credentials.get("claim_generator")
    trusted = credentials.get("validation_state") == "Trusted"
    return Finding("credentials-signed", "info",
                   f"The file carries content credentials (C2PA) signed by {who} with {alg} "
                   f"{_when(credentials.get('signing_time'))}"
                   + (f", written by {generator}" if generator else "")
                   + ("; the signer is on the trust list given." if trusted else "."))


def _validation_findings(credentials: dict, who: str) -> list[tuple[Finding, float]]:
    """What the validation status says: content changed, signature or record broken, trust."""
    codes = [v["code"] for v in credentials.get("validation_status") or ()]
    found: list[tuple[Finding, float]] = []
    if credentials.get("error"):
        found.append((Finding("credentials-unreadable", "notice",
                              f"Part of the content credentials could not be read: {credentials['error']}."), 0.5))
    if any(c in _CONTENT_CHANGED for c in codes):
        found.append((Finding("content-changed", "warning",
                              "The image changed after it was signed (hash mismatch): its bytes no longer "
                              "match the hash in its content credentials, so it was edited, re-encoded or "
                              "damaged after signing."), 1.0))
    broken = any(c in _SIGNATURE_BROKEN for c in codes)
    if broken:
        found.append((Finding("signature-invalid", "notice",
                              "The signature of the content credentials does not verify: the record was "
                              "altered or damaged after signing, so nothing it says can be relied on."), 0.5))
    altered = [c for c in codes if c.startswith(("assertion.", "claim.", "manifest."))
               and c not in _CONTENT_CHANGED]
    if altered:
        found.append((Finding("credentials-altered", "notice",
                              "Parts of the content credentials no longer match what was signed or break "
                              f"the C2PA rules ({_quote(altered)}): what they say cannot be relied on."), 0.5))
    for code, words in _CERTIFICATE.items():
        if code in codes:
            found.append((Finding("signer-certificate", "notice",
                                  f"The credentials' signature is not acceptable: {words} ('{code}')."), 0.0))
    # c2pa's states: "Valid" = intact but not trusted, "Trusted" = on the trust list as well
    if any(c in _UNTRUSTED for c in codes) or credentials.get("validation_state") == "Valid":
        where = ("the trust list given" if credentials.get("trust_checked") else
                 "a trust list here (imgfake works offline and ships none)")
        intact = ("Nothing vouches for who made it" if broken else
                  "The signature itself is intact, but nothing vouches for who made it")
        found.append((Finding("signer-untrusted", "notice",
                              f"The signer {who} is not on {where}. {intact}: an unknown or private "
                              "certificate authority is 'untrusted', not forged."), 0.0))
    stamps = [c for c in codes if c.startswith("timeStamp.")]
    if stamps:
        found.append((Finding("timestamp-unverified", "notice",
                              f"The time stamp of the signature could not be verified ({_quote(stamps)}): "
                              "the signing date is not vouched for."), 0.0))
    known = _CONTENT_CHANGED | _SIGNATURE_BROKEN | _UNTRUSTED | set(_CERTIFICATE) | set(altered) | set(stamps)
    other = [c for c in codes if c not in known]
    if other:
        found.append((Finding("credentials-failures", "notice",
                              f"The C2PA validation reported other failures ({_quote(other)})."), 0.0))
    return found


def _declared_findings(credentials: dict) -> list[tuple[Finding, float]]:
    """What the credentials declare: digital source types (AI), AI ingredients, edits."""
    actions = credentials.get("actions") or []
    found: list[tuple[Finding, float]] = []
    reported: set[str] = set()
    for source in dict.fromkeys(a.get("digital_source_type") for a in actions):
        if source not in SOURCE_TYPES or SOURCE_TYPES[source][0] in reported:
            continue
        code, severity, score, words = SOURCE_TYPES[source]
        agents = [a.get("software_agent") for a in actions if a.get("digital_source_type") == source]
        by = f" with {_quote(agents)}" if any(agents) else ""
        found.append((Finding(code, severity, f"The content credentials declare the image {words}{by} "
                                              f"(digital source type '{source}')."), score))
        reported.add(code)
    for ingredient in credentials.get("ingredients") or ():
        ai = [t for t in ingredient.get("digital_source_types") or ()
              if SOURCE_TYPES.get(t, ("",))[0].startswith("ai-")]
        if ai:
            title = ingredient.get("title") or "an unnamed file"
            found.append((Finding("ai-ingredient", "warning",
                                  f"An ingredient of this image ('{title}') is declared made by an AI model "
                                  f"(digital source type '{ai[0]}')."), 1.0))
            break
    edits = [a for a in actions if a.get("action") not in NEUTRAL_ACTIONS]
    if edits:
        agents = [a.get("software_agent") for a in edits]
        generator = credentials.get("claim_generator")
        tools = _quote(agents) if any(agents) else (f"'{generator}'" if generator else "an unnamed program")
        found.append((Finding("edited-with", "notice",
                              f"The content credentials record edits ({_quote(a['action'] for a in edits)}) "
                              f"made with {tools}."), 0.5))
    return found


@register(
    "credentials",
    title="Content credentials (C2PA)",
    family="metadata",
    description="Reads and checks the signed C2PA manifest some cameras, editors and AI generators "
    "embed: who signed it, what was done (created by an AI model, edited with ...), and whether "
    "the image still matches what was signed. Offline: no signer is trusted unless told.",
    heatmap=False,
    needs=("metadata",),
)
def credentials_analysis(image, *, trust_anchors: str | None = None) -> AnalysisResult:
    """Content credentials of `image` (a LoadedImage); score as in the module docstring.

    Needs the encoded file (``image.data``); without it the result says "not checked".
    """
    data = getattr(image, "data", None)
    fmt = str(getattr(image, "format", "") or "").upper()
    if data is None:
        findings = [Finding("credentials-not-checked", "info",
                            "Content credentials were not checked: the file's bytes were not kept "
                            "with this image.")]
        return AnalysisResult(name="credentials", findings=tuple(findings), details={"status": "not-checked"})
    if fmt not in MIME_TYPES:
        findings = [Finding("credentials-unsupported", "info",
                            f"Content credentials were not checked: {fmt or 'this'} files cannot carry them.")]
        return AnalysisResult(name="credentials", findings=tuple(findings),
                              details={"status": "unsupported", "format": fmt})
    credentials = read_credentials(data, mime=MIME_TYPES[fmt], trust_anchors=trust_anchors)
    findings, score = credentials_findings(credentials)
    details = {k: credentials[k] for k in (
        "status", "present", "error", "remote_url", "validation_state", "trust_checked", "manifests",
        "claim_generator", "title", "signer", "signing_time", "digital_source_types",
        "ingredient_source_types")}
    details["actions"] = [f"{a['action']}" + (f" ({a['software_agent']})" if a["software_agent"] else "")
                          for a in credentials["actions"]][:50]
    details["ingredients"] = [i["title"] or "untitled" for i in credentials["ingredients"]][:50]
    details["validation_codes"] = [v["code"] for v in credentials["validation_status"]][:50]
    return AnalysisResult(name="credentials", findings=tuple(findings), score=score, details=details)
