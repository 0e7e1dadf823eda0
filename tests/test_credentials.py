"""Content credentials (C2PA), from manifests the test signs itself with its own test CA
(no network: no trust list, no time-stamp authority, no remote manifest is fetched)."""

import json
from dataclasses import replace

import numpy as np
import pytest

from imgfake.forensics import credentials as cr
from imgfake.forensics.credentials import credentials_findings, read_credentials
from imgfake.forensics.registry import available, run_analysis
from imgfake.io import load_image
from _c2pa_certs import IPTC, jpeg_scan_start, make_test_pki, manifest, sign
from imagefactory import encode, textured

QUALITY = 90
CAPTURE = [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture",
            "softwareAgent": {"name": "Imaginary Camera Firmware", "version": "3.1"}}]
AI_EDITED = [{"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia",
              "softwareAgent": {"name": "Imaginary Diffusion", "version": "2"}},
             {"action": "c2pa.edited", "softwareAgent": {"name": "Photo Fixer", "version": "5"}}]


@pytest.fixture(scope="module")
def pki():
    return make_test_pki()


@pytest.fixture(scope="module")
def photo():
    return textured(64, 96, seed=11)


@pytest.fixture(scope="module")
def files(pki, photo):
    plain = encode(photo, quality=QUALITY)
    return {
        "plain": plain,
        "capture": sign(plain, manifest(CAPTURE, title="capture.jpg"), pki),
        "ai": sign(plain, manifest(AI_EDITED, title="generated.jpg"), pki),
    }


def _loaded(raw: bytes, name: str = "x.jpg"):
    image = load_image(raw, name=name)
    assert image.data == raw, "the analysis reads the manifest from the file's own bytes"
    return image


def _codes(result) -> dict[str, str]:
    return {f.code: f.severity for f in result.findings}


def test_registered_as_a_metadata_analysis_without_a_map():
    spec = available()["credentials"]
    assert spec.title == "Content credentials (C2PA)" and spec.family == "metadata"
    assert not spec.has_heatmap and spec.needs == ("metadata",)


def test_an_ai_made_and_edited_image_is_read_back_with_its_signer_and_actions(files, pki):
    facts = read_credentials(files["ai"], mime="image/jpeg")
    assert facts["present"] and facts["status"] == "read" and facts["manifests"] == 1
    assert facts["title"] == "generated.jpg" and facts["claim_generator"] == "imgfake-tests 1.0"
    assert facts["signer"]["common_name"] == pki.signer_cn
    assert facts["signer"]["organization"] == pki.signer_org
    assert facts["signer"]["algorithm"].upper() == "ES256" and facts["signing_time"] is None
    assert [(a["action"], a["software_agent"], a["digital_source_type"]) for a in facts["actions"]] == [
        ("c2pa.created", "Imaginary Diffusion 2", "trainedAlgorithmicMedia"),
        ("c2pa.edited", "Photo Fixer 5", None)]
    assert [v["code"] for v in facts["validation_status"]] == ["signingCredential.untrusted"]
    json.dumps(facts)

    result = run_analysis("credentials", _loaded(files["ai"]))
    codes = _codes(result)
    assert codes == {"credentials-signed": "info", "signer-untrusted": "notice",
                     "ai-generated": "warning", "edited-with": "notice"}
    assert result.score == 1.0 and result.heatmap is None
    words = {f.code: f.message for f in result.findings}
    assert pki.signer_cn in words["credentials-signed"] and "ES256" in words["credentials-signed"]
    assert "AI model" in words["ai-generated"] and "Imaginary Diffusion 2" in words["ai-generated"]
    assert "Photo Fixer 5" in words["edited-with"]
    assert "not forged" in words["signer-untrusted"]
    assert result.details["signer"]["common_name"] == pki.signer_cn
    json.dumps(result.to_dict())


def test_a_capture_only_manifest_scores_zero_and_is_trusted_only_with_its_root(files, pki):
    offline = run_analysis("credentials", _loaded(files["capture"]))
    assert offline.score == 0.0
    assert _codes(offline) == {"credentials-signed": "info", "signer-untrusted": "notice",
                               "source-camera": "info"}
    trusted = run_analysis("credentials", _loaded(files["capture"]), trust_anchors=pki.ca_pem)
    assert trusted.details["validation_state"] == "Trusted" and trusted.score == 0.0
    assert _codes(trusted) == {"credentials-signed": "info", "source-camera": "info"}
    other_root = make_test_pki().ca_pem  # a root that did not issue the signer's certificate
    stranger = read_credentials(files["capture"], mime="image/jpeg", trust_anchors=other_root)
    assert stranger["validation_state"] != "Trusted"
    assert "signingCredential.untrusted" in [v["code"] for v in stranger["validation_status"]]


def test_pixels_changed_after_signing_break_the_hash(files, photo):
    signed = files["capture"]
    edited = photo.copy()
    edited[16:40, 24:60] = 255 - edited[16:40, 24:60]  # a visible edit
    reencoded = encode(edited, quality=QUALITY)  # same size and quality: the same tables
    # keep the signed file's segments (its manifest among them); swap in the new scan
    tampered = signed[:jpeg_scan_start(signed)] + reencoded[jpeg_scan_start(reencoded):]
    image = _loaded(tampered)
    assert np.abs(image.pixels.astype(int) - load_image(signed).pixels).max() > 100

    facts = read_credentials(tampered, mime="image/jpeg")
    assert facts["present"] and facts["validation_state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in [v["code"] for v in facts["validation_status"]]
    result = run_analysis("credentials", image)
    codes = _codes(result)
    assert codes["content-changed"] == "warning" and result.score == 1.0
    assert "signature-invalid" not in codes  # the record itself is intact: only the pixels moved
    assert "content-changed" not in _codes(run_analysis("credentials", _loaded(signed)))


def test_a_changed_record_fails_its_signature_but_is_not_called_forged(files):
    altered = files["capture"].replace(b"capture.jpg", b"captura.jpg")  # inside the signed claim
    assert altered != files["capture"]
    facts = read_credentials(altered, mime="image/jpeg")
    assert "claimSignature.mismatch" in [v["code"] for v in facts["validation_status"]]
    findings, score = credentials_findings(facts)
    codes = {f.code: f for f in findings}
    assert codes["signature-invalid"].severity == "notice" and score == 0.5
    assert "content-changed" not in codes
    assert "signature itself is intact" not in codes["signer-untrusted"].message


def test_an_ai_ingredient_is_reported_for_an_edited_composite(files, pki):
    definition = manifest([{"action": "c2pa.opened", "parameters": {"ingredientIds": ["base"]}},
                           {"action": "c2pa.color_adjustments", "softwareAgent": "Photo Fixer 5"}],
                          title="touched-up.jpg")
    ingredient = ({"title": "generated.jpg", "relationship": "parentOf", "label": "base"}, files["ai"],
                  "image/jpeg")
    composite = sign(files["plain"], definition, pki, ingredients=[ingredient])
    facts = read_credentials(composite, mime="image/jpeg")
    assert facts["manifests"] == 2 and facts["digital_source_types"] == []
    assert facts["ingredients"][0]["title"] == "generated.jpg"
    assert facts["ingredient_source_types"] == ["trainedAlgorithmicMedia"]
    findings, score = credentials_findings(facts)
    codes = {f.code: f.severity for f in findings}
    assert codes["ai-ingredient"] == "warning" and codes["edited-with"] == "notice" and score == 1.0


def test_png_credentials_live_in_their_own_chunk(pki):
    png = sign(encode(textured(40, 50, seed=12), "PNG"), manifest(CAPTURE, title="p.png"), pki,
               mime="image/png")
    assert b"caBX" in png
    result = run_analysis("credentials", _loaded(png, "p.png"))
    assert "credentials-signed" in _codes(result) and result.score == 0.0


def test_an_unsigned_photo_has_no_credentials_and_no_score(files):
    result = run_analysis("credentials", _loaded(files["plain"]))
    assert _codes(result) == {"no-credentials": "info"} and result.score is None
    assert "says nothing" in result.findings[0].message


def test_without_the_file_bytes_it_says_not_checked(files):
    image = replace(load_image(files["ai"], name="ai.jpg"), data=None)  # a record without its file
    result = run_analysis("credentials", image, cache=False)
    assert _codes(result) == {"credentials-not-checked": "info"} and result.score is None


@pytest.mark.parametrize("fmt, expected", [("BMP", "credentials-unsupported"), ("GIF", "no-credentials"),
                                           ("TIFF", "no-credentials")])
def test_other_formats_are_not_checked_or_have_none(fmt, expected):
    raw = encode(textured(20, 30, seed=13), fmt)
    result = run_analysis("credentials", _loaded(raw, f"x.{fmt.lower()}"))
    assert _codes(result) == {expected: "info"} and result.score is None


def test_damaged_truncated_and_huge_files_give_findings_not_exceptions(files, monkeypatch):
    signed = files["ai"]
    cut = read_credentials(signed[:400], mime="image/jpeg")  # ends inside the manifest
    assert cut["status"] == "unreadable" and not cut["present"]
    findings, score = credentials_findings(cut)
    assert [f.code for f in findings] == ["credentials-unreadable"] and score is None
    rng = np.random.default_rng(5)
    for _ in range(40):
        junk = np.frombuffer(signed, np.uint8).copy()
        junk[rng.integers(2, junk.size, 12)] = rng.integers(0, 256, 12)
        facts = read_credentials(junk.tobytes(), mime="image/jpeg")
        credentials_findings(facts)
        json.dumps(facts)
    garbage = b"\x00jumb" + rng.integers(0, 256, 3000, dtype=np.uint8).tobytes() + b"c2pa"
    assert credentials_findings(read_credentials(garbage, mime=None))[1] is None
    monkeypatch.setattr(cr, "MAX_BYTES", 1000)
    big = read_credentials(signed, mime="image/jpeg")
    assert big["status"] == "too-large"
    assert [f.severity for f in credentials_findings(big)[0]] == ["info"]


def test_a_manifest_kept_online_is_not_fetched(pki, files):
    import io

    import c2pa

    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, pki.chain_pem.encode(),
                                                       pki.key_pem.encode(), None))
    with context, signer, c2pa.Builder(manifest(CAPTURE), context) as builder:
        builder.set_no_embed()
        builder.set_remote_url("https://credentials.invalid/store.c2pa")
        out = io.BytesIO()
        builder.sign(signer, "image/jpeg", io.BytesIO(files["plain"]), out)
    result = run_analysis("credentials", _loaded(out.getvalue()))
    assert _codes(result) == {"credentials-remote": "notice"} and result.score is None
    assert "credentials.invalid" in result.findings[0].message


def test_bad_arguments_say_what_was_received():
    with pytest.raises(ValueError, match="bytes"):
        read_credentials("not bytes", mime="image/jpeg")
    with pytest.raises(ValueError, match="PEM"):
        read_credentials(b"\xff\xd8", mime="image/jpeg", trust_anchors="nonsense")
    with pytest.raises(ValueError, match="MIME"):
        read_credentials(b"\xff\xd8", mime=3)
