//! Reading what the `SSL_*` items name: PEM certificates (a file, or every file of a
//! directory for SSL_CACERTS) and private keys, plain or encrypted (PKCS#8).

use std::path::{Path, PathBuf};

use pkcs8::der::Decode;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::TlsError;

/// A file's bytes, or Python's "... file not found" when it doesn't exist.
fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            TlsError::FileNotFound {
                what,
                path: path.to_owned(),
            }
        } else {
            TlsError::Read {
                path: path.to_owned(),
                source,
            }
        }
    })
}

fn pem_error(path: &Path) -> impl FnOnce(pem::Error) -> TlsError + '_ {
    move |source| TlsError::Pem {
        path: path.to_owned(),
        source,
    }
}

/// Every certificate in a PEM file, in order (a certificate file may carry its chain, leaf
/// first, as OpenSSL's `load_cert_chain` reads it).
pub(crate) fn certificates(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path, what)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error(path))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}

/// The certificates SSL_CACERTS names: a PEM file, or a directory whose PEM files are all
/// read (OpenSSL's `capath` finds certificates by their subject-hash file names, made by
/// `c_rehash`; reading every file trusts the same certificates in such a directory, and a
/// directory of plainly named files works too). Files in a directory that hold no PEM
/// certificate are skipped.
pub(crate) fn ca_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    if !path.is_dir() {
        return certificates(path, "CA certs");
    }
    let entries = std::fs::read_dir(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut certs = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        certs.extend(CertificateDer::pem_slice_iter(&bytes).filter_map(Result::ok));
    }
    Ok(certs)
}

/// The private key in `path`: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`), SEC1
/// (`EC PRIVATE KEY`), or PKCS#8 encrypted with `password` (`ENCRYPTED PRIVATE KEY`, PBES2:
/// what `openssl pkcs8 -topk8` and OpenSSL 3's `genpkey -aes256` write). A password is
/// ignored for a key that isn't encrypted, as OpenSSL does. `item` names the password's
/// config item for the error when it is missing.
pub(crate) fn private_key(
    path: &Path,
    what: &'static str,
    password: &str,
    item: &'static str,
) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path, what)?;
    if let Some(block) = pem_block(&bytes, "ENCRYPTED PRIVATE KEY") {
        if password.is_empty() {
            return Err(TlsError::KeyPasswordMissing {
                path: path.to_owned(),
                item,
            });
        }
        let decrypt_error = |source| TlsError::KeyDecrypt {
            path: path.to_owned(),
            source,
        };
        // Decoded to DER first: der's PEM reader can't peek, which PBES2's parameters need.
        let (_, der) = pkcs8::der::pem::decode_vec(block)
            .map_err(|e| decrypt_error(pkcs8::Error::Asn1(e.into())))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfoOwned::from_der(&der)
            .map_err(|e| decrypt_error(pkcs8::Error::Asn1(e)))?;
        let plain = encrypted.decrypt(password).map_err(decrypt_error)?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            plain.as_bytes().to_vec(),
        )));
    }
    if contains(&bytes, b"Proc-Type: 4,ENCRYPTED") {
        return Err(TlsError::LegacyEncryptedKey {
            path: path.to_owned(),
        });
    }
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(TlsError::NoPrivateKey {
            path: path.to_owned(),
        }),
        Err(e) => Err(pem_error(path)(e)),
    }
}

/// The PEM block labelled `label` (BEGIN line to END line), if the text has one.
fn pem_block<'a>(bytes: &'a [u8], label: &str) -> Option<&'a [u8]> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = find(bytes, begin.as_bytes())?;
    let stop = start + find(&bytes[start..], end.as_bytes())? + end.len();
    Some(&bytes[start..stop])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}
