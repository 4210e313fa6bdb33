//! [`TlsError`]: why TLS could not be set up or a TLS handshake failed.

use std::path::PathBuf;

/// Why TLS could not be used: a certificate or key that can't be loaded, settings rustls
/// refuses, or a failed handshake.
///
/// It is the [`source`](std::error::Error::source) of a [`crate::Error`]: a proxy reports
/// `cannot connect to HOST:PORT` ([`ErrorKind::Communication`], as Python's
/// `CommunicationError`), a daemon's [`bind`](crate::server::DaemonBuilder::bind)
/// `cannot use the TLS settings` ([`ErrorKind::Config`]). Its `Display` is this level only;
/// the rustls, I/O or PKCS#8 error behind it is its own `source()`, so a printed chain reads
/// `cannot connect to localhost:9090: TLS handshake failed: invalid peer certificate: Expired`.
///
/// [`ErrorKind::Communication`]: crate::ErrorKind::Communication
/// [`ErrorKind::Config`]: crate::ErrorKind::Config
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// `SSL` is on for a daemon but `SSL_SERVERCERT` names no file.
    #[error("SSL is on but SSL_SERVERCERT is not set")]
    NoServerCertificate,
    /// A file named by an `SSL_*` item doesn't exist (Python: "server cert file not found").
    #[error("{what} file not found: {}", path.display())]
    FileNotFound {
        /// Which file: "server cert", "server key", "client cert", "client key", "CA certs".
        what: &'static str,
        /// The path as configured.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid PEM.
    #[error("invalid PEM in {}", path.display())]
    Pem {
        /// The file.
        path: PathBuf,
        /// What the PEM reader found wrong.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// A certificate file holds no certificate.
    #[error("no certificate in {}", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A key file (or the certificate file, when no key file is set) holds no private key.
    #[error("no private key in {}", path.display())]
    NoPrivateKey {
        /// The file.
        path: PathBuf,
    },
    /// The private key is encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY`) and no password is set.
    #[error("the private key in {} is encrypted and {item} is not set", path.display())]
    KeyPasswordMissing {
        /// The key file.
        path: PathBuf,
        /// The config item that holds its password (`SSL_SERVERKEYPASSWD`/`SSL_CLIENTKEYPASSWD`).
        item: &'static str,
    },
    /// The encrypted private key could not be decrypted: a wrong password, or a scheme
    /// other than PBES2 (PBKDF2 or scrypt with AES-CBC/GCM).
    #[error("cannot decrypt the private key in {}", path.display())]
    KeyDecrypt {
        /// The key file.
        path: PathBuf,
        /// What PKCS#8/PKCS#5 reported.
        #[source]
        source: pkcs8::Error,
    },
    /// The key uses OpenSSL's legacy PEM encryption (`Proc-Type: 4,ENCRYPTED` and
    /// `DEK-Info` headers), which is not supported; `openssl pkcs8 -topk8` converts it.
    #[error(
        "the private key in {} uses legacy PEM encryption (Proc-Type/DEK-Info), which is not \
         supported: convert it to PKCS#8 with `openssl pkcs8 -topk8`",
        path.display()
    )]
    LegacyEncryptedKey {
        /// The key file.
        path: PathBuf,
    },
    /// No certificate is trusted: the system's store is empty and `SSL_CACERTS` adds none.
    #[error("no trusted certificates (the system's store is empty and SSL_CACERTS adds none)")]
    NoTrustAnchors,
    /// A certificate could not be trusted as given in `SSL_CACERTS`.
    #[error("invalid CA certificate in {}", path.display())]
    BadCaCertificate {
        /// The file.
        path: PathBuf,
        /// Why rustls refused it.
        #[source]
        source: rustls::Error,
    },
    /// rustls refused the settings (e.g. a key that doesn't match its certificate).
    #[error("invalid TLS settings")]
    Settings(#[source] rustls::Error),
    /// The certificate verifier could not be built from the trusted certificates.
    #[error("cannot verify certificates")]
    Verifier(#[source] rustls::server::VerifierBuilderError),
    /// The URI's host can't be checked against a certificate (not a DNS name or IP address).
    #[error("invalid server name for TLS: {0}")]
    ServerName(String),
    /// The TLS handshake failed: the peer's certificate was refused (unknown issuer,
    /// expired, wrong name...), the peer refused ours (an alert), or no common protocol.
    #[error("TLS handshake failed")]
    Handshake(#[source] rustls::Error),
    /// The TLS handshake did not finish in time.
    #[error("TLS handshake timed out")]
    HandshakeTimeout,
    /// The peer's certificate is not valid DER.
    #[error("invalid peer certificate")]
    PeerCertificate(#[source] x509_cert::der::Error),
}

impl TlsError {
    /// The rustls error behind a failed handshake, if that is what this is.
    pub fn rustls_error(&self) -> Option<&rustls::Error> {
        match self {
            TlsError::Handshake(e)
            | TlsError::Settings(e)
            | TlsError::BadCaCertificate { source: e, .. } => Some(e),
            _ => None,
        }
    }

    /// A handshake error from the `io::Error` tokio-rustls reports (it wraps the rustls
    /// error); other I/O errors are given back.
    pub(crate) fn from_io(e: std::io::Error) -> Result<TlsError, std::io::Error> {
        if e.get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
        {
            let inner = e.into_inner().map(|b| b.downcast::<rustls::Error>());
            if let Some(Ok(rustls)) = inner {
                return Ok(TlsError::Handshake(*rustls));
            }
            return Err(std::io::Error::other("TLS error"));
        }
        Err(e)
    }

    /// The TLS error inside an I/O error, by reference (a proxy reading the daemon's first
    /// answer sees the daemon's refusal of its certificate there, in TLS 1.3).
    pub(crate) fn rustls_in_io(e: &std::io::Error) -> Option<&rustls::Error> {
        e.get_ref()?.downcast_ref::<rustls::Error>()
    }
}
