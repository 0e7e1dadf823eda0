"""Test certificates and signed files for the content-credentials tests (no network).

The certificates and the signing are the package's own (:mod:`imgfake.forensics.signing`,
which the workshop uses too; its docstring says what c2pa-rs demands of a certificate); this
file adds the manifest definitions the tests sign and a JPEG helper.
"""

from __future__ import annotations

import struct

from imgfake.forensics.signing import IPTC, Pki, sign, throwaway_pki

__all__ = ["IPTC", "Pki", "make_test_pki", "manifest", "sign", "jpeg_scan_start"]


def make_test_pki(*, signer_cn: str = "Test Camera Signer", signer_org: str = "Imaginary Camera Co",
                  ca_cn: str = "Imaginary Test Root CA") -> Pki:
    """An ES256 root CA and a leaf signing certificate that c2pa-rs accepts (valid 30 days)."""
    return throwaway_pki(signer_cn=signer_cn, signer_org=signer_org, ca_cn=ca_cn)


def manifest(actions: list[dict], *, title: str = "test.jpg", generator: str = "imgfake-tests") -> dict:
    """A manifest definition with one c2pa.actions assertion."""
    return {"claim_generator_info": [{"name": generator, "version": "1.0"}], "title": title,
            "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}]}


def jpeg_scan_start(data: bytes) -> int:
    """Offset of the JPEG's start-of-scan marker (after any APP11 manifest segments)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise ValueError(f"no JPEG marker at byte {i}")
        marker = data[i + 1]
        if marker == 0xDA:
            return i
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    raise ValueError("no start-of-scan marker")
