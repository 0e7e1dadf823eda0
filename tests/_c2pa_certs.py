"""Test certificates and signed files for the content-credentials tests (no network).

c2pa-rs checks the signing certificate against the C2PA certificate profile
(``sdk/src/crypto/cose/certificate_profile.rs``): X.509 v3, ECDSA-with-SHA256 on P-256 (or
another listed algorithm), valid now, not self-signed, an Authority Key Identifier, a key usage
with digitalSignature (and no keyCertSign on an end-entity certificate), an extended key usage
from its allowed list (emailProtection or documentSigning here; never anyExtendedKeyUsage), not
a CA, and no unknown critical extension. The CA needs basicConstraints CA, keyCertSign and a
Subject Key Identifier. :func:`make_test_pki` builds such a pair; :func:`sign` writes a manifest
into an image with ``c2pa.Builder``.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
from dataclasses import dataclass

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class Pki:
    ca_pem: str      # the root certificate (a trust anchor for the "trusted" case)
    chain_pem: str   # leaf then CA, as c2pa's signer wants it
    key_pem: str     # the leaf's private key (PKCS#8)
    signer_cn: str
    signer_org: str
    ca_cn: str


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def _key_usage(*, sign_certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=sign_certs,
                         crl_sign=sign_certs, encipher_only=False, decipher_only=False)


def make_test_pki(*, signer_cn: str = "Test Camera Signer", signer_org: str = "Imaginary Camera Co",
                  ca_cn: str = "Imaginary Test Root CA") -> Pki:
    """An ES256 root CA and a leaf signing certificate that c2pa-rs accepts."""
    now = dt.datetime.now(dt.timezone.utc)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(ca_cn, "Imaginary Trust Services")
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(_key_usage(sign_certs=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name(signer_cn, signer_org)).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign_certs=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    return Pki(
        ca_pem=ca.public_bytes(pem).decode(),
        chain_pem=(leaf.public_bytes(pem) + ca.public_bytes(pem)).decode(),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode(),
        signer_cn=signer_cn, signer_org=signer_org, ca_cn=ca_cn)


def manifest(actions: list[dict], *, title: str = "test.jpg", generator: str = "imgfake-tests") -> dict:
    """A manifest definition with one c2pa.actions assertion."""
    return {"claim_generator_info": [{"name": generator, "version": "1.0"}], "title": title,
            "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}]}


def sign(data: bytes, definition: dict, pki: Pki, *, mime: str = "image/jpeg",
         ingredients: list[tuple[dict, bytes, str]] = ()) -> bytes:
    """`data` with a signed manifest embedded (no thumbnail, no time-stamp authority: offline)."""
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                      "verify": {"remote_manifest_fetch": False}})
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, pki.chain_pem.encode(),
                                                       pki.key_pem.encode(), None))
    with context, signer, c2pa.Builder(definition, context) as builder:
        for ingredient, ingredient_data, ingredient_mime in ingredients:
            builder.add_ingredient(ingredient, ingredient_mime, io.BytesIO(ingredient_data))
        out = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(data), out)
        return out.getvalue()


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
