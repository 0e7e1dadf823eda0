"""Signing content credentials (C2PA) with a key made on the spot: for teaching and for tests.

:mod:`imgfake.forensics.credentials` reads and checks manifests; this module writes them, so a
workshop can show what a signature proves (and what it does not), and the tests can check the
reader against real signed files. Nothing here is a real signer: :func:`throwaway_pki` makes a
root certificate authority and a signing certificate that nobody trusts, exactly like a forger
could.

c2pa-rs checks the signing certificate against the C2PA certificate profile
(``sdk/src/crypto/cose/certificate_profile.rs``): X.509 v3, ECDSA-with-SHA256 on P-256, valid
now, not self-signed, an Authority Key Identifier, a key usage with digitalSignature (and no
keyCertSign on an end-entity certificate), an extended key usage from its allowed list
(emailProtection here; never anyExtendedKeyUsage), not a CA, and no unknown critical extension.
The CA needs basicConstraints CA, keyCertSign and a Subject Key Identifier.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Pki", "throwaway_pki", "sign", "IPTC"]

#: Prefix of the IPTC digital source types a ``c2pa.created`` action names.
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class Pki:
    ca_pem: str      # the root certificate (a trust anchor, for a "trusted" check)
    chain_pem: str   # leaf then CA, as c2pa's signer wants it
    key_pem: str     # the leaf's private key (PKCS#8)
    signer_cn: str
    signer_org: str
    ca_cn: str


def throwaway_pki(*, signer_cn: str = "Test Camera Signer", signer_org: str = "Imaginary Camera Co",
                  ca_cn: str = "Imaginary Test Root CA", ca_org: str = "Imaginary Trust Services",
                  days: int = 30) -> Pki:
    """An ES256 root CA and a leaf signing certificate that c2pa-rs accepts, made now, valid
    from a day ago for `days` days."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn: str, org: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])

    def key_usage(*, sign_certs: bool) -> x509.KeyUsage:
        return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=sign_certs,
                             crl_sign=sign_certs, encipher_only=False, decipher_only=False)

    now = dt.datetime.now(dt.timezone.utc)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(ca_cn, ca_org)
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(key_usage(sign_certs=True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name(signer_cn, signer_org)).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage(sign_certs=False), critical=True)
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


def sign(data: bytes, definition: dict, pki: Pki, *, mime: str = "image/jpeg",
         ingredients: Sequence[tuple[dict, bytes, str]] = ()) -> bytes:
    """`data` with a manifest (`definition`, as ``c2pa.Builder`` takes it) signed by `pki` and
    embedded; no thumbnail and no time-stamp authority, so it works offline."""
    import c2pa

    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                      "verify": {"remote_manifest_fetch": False}})
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, pki.chain_pem.encode(),
                                                       pki.key_pem.encode(), None))
    with context, signer, c2pa.Builder(definition, context) as builder:
        for ingredient, ingredient_data, ingredient_mime in ingredients:
            builder.add_ingredient(ingredient, ingredient_mime, io.BytesIO(ingredient_data))
        out = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(bytes(data)), out)
        return out.getvalue()
