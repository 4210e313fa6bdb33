//! Certificate verification as Python's `ssl` module (OpenSSL) does it, on top of rustls's
//! webpki verifiers, in the two places where they differ for Pyro's users:
//!
//! - **a trusted certificate used as it is**: OpenSSL accepts a peer certificate that is
//!   itself in the trust store (SSL_CACERTS), even a self-signed *CA* certificate, which is
//!   what Pyro5's example certificates are (and `openssl req -x509` makes by default); webpki
//!   refuses a CA certificate as an end entity. Such a certificate is accepted when its bytes
//!   equal a trusted certificate's, within its validity period and (for a server) for the
//!   host name.
//! - **the common name as host name**: Python checks `commonName` when a certificate has no
//!   DNS subject alternative name (`hostname_checks_common_name`, on by default); webpki
//!   only looks at alternative names. Only after the chain was verified.
//!
//! Everything else (chains, expiry, signatures, key usage) is webpki's.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::PeerCertificate;

/// The signature checks of a verifier whose `inner` is webpki's: the same three methods in
/// `ServerCertVerifier` and `ClientCertVerifier`, both left to webpki as they are.
macro_rules! webpki_signatures {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.inner.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.inner.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.inner.supported_verify_schemes()
        }
    };
}

/// Verifies servers for a proxy (see the module docs).
#[derive(Debug)]
pub(crate) struct ServerVerifier {
    pub(crate) inner: Arc<WebPkiServerVerifier>,
    /// The certificates of SSL_CACERTS, trusted as they are.
    pub(crate) trusted: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verified {
            Ok(ok) => Ok(ok),
            // webpki checks the name after the chain: the chain is good here.
            Err(e) if is_name_error(&e) => {
                if common_name_matches(end_entity, server_name) {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(e)
                }
            }
            Err(e) if is_trusted(&self.trusted, end_entity) => {
                check_validity(end_entity, now)?;
                let parsed = ParsedCertificate::try_from(end_entity)?;
                match rustls::client::verify_server_name(&parsed, server_name) {
                    Ok(()) => Ok(ServerCertVerified::assertion()),
                    Err(_) if common_name_matches(end_entity, server_name) => {
                        Ok(ServerCertVerified::assertion())
                    }
                    Err(name) => Err(name),
                }
                .inspect_err(|_| tracing::debug!("trusted certificate, wrong name ({e})"))
            }
            Err(e) => Err(e),
        }
    }

    webpki_signatures!();
}

/// Verifies client certificates for a daemon with SSL_REQUIRECLIENTCERT (see the module docs).
#[derive(Debug)]
pub(crate) struct ClientVerifier {
    pub(crate) inner: Arc<dyn ClientCertVerifier>,
    pub(crate) trusted: Vec<CertificateDer<'static>>,
}

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    /// None, as OpenSSL under Python sends none (Python never sets a client CA list): a
    /// client picks its one configured certificate anyway, and the list of every system CA
    /// would only make the handshake bigger.
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        match self
            .inner
            .verify_client_cert(end_entity, intermediates, now)
        {
            Ok(ok) => Ok(ok),
            Err(_) if is_trusted(&self.trusted, end_entity) => {
                check_validity(end_entity, now)?;
                Ok(ClientCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    webpki_signatures!();
}

fn is_name_error(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )
    )
}

fn is_trusted(trusted: &[CertificateDer<'static>], cert: &CertificateDer<'_>) -> bool {
    trusted.iter().any(|t| t.as_ref() == cert.as_ref())
}

/// `now` within the certificate's validity period (webpki's errors when not).
fn check_validity(cert: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
    let parsed = PeerCertificate::from_der(cert)
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let seconds = |t: std::time::SystemTime| {
        t.duration_since(std::time::SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    };
    let (before, after) = (seconds(parsed.not_before), seconds(parsed.not_after));
    if now.as_secs() < before {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYetContext {
                time: now,
                not_before: UnixTime::since_unix_epoch(std::time::Duration::from_secs(before)),
            },
        ));
    }
    if now.as_secs() > after {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::ExpiredContext {
                time: now,
                not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(after)),
            },
        ));
    }
    Ok(())
}

/// OpenSSL's fallback: a DNS host name matched against the subject's common names when the
/// certificate has no DNS alternative name (IP addresses are only ever matched against IP
/// alternative names). Case-insensitive; a `*` only as the whole leftmost label (Python sets
/// `X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS`).
fn common_name_matches(cert: &CertificateDer<'_>, server_name: &ServerName<'_>) -> bool {
    let ServerName::DnsName(host) = server_name else {
        return false;
    };
    let Ok(parsed) = PeerCertificate::from_der(cert) else {
        return false;
    };
    if parsed
        .subject_alt_name
        .iter()
        .any(|(kind, _)| kind == "DNS")
    {
        return false;
    }
    parsed
        .subject
        .iter()
        .flatten()
        .filter(|(k, _)| k == "commonName")
        .any(|(_, cn)| host_matches(cn, host.as_ref()))
}

fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    let pattern = pattern.trim_end_matches('.');
    if let Some(suffix) = pattern.strip_prefix("*.") {
        // one whole label, and not a wildcard over a public suffix-like single label
        return suffix.contains('.')
            && host.split_once('.').is_some_and(|(label, rest)| {
                !label.is_empty() && rest.eq_ignore_ascii_case(suffix)
            });
    }
    !pattern.contains('*') && pattern.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn common_names_match_as_openssl_matches_them() {
        assert!(host_matches("localhost", "LOCALHOST"));
        assert!(host_matches("*.example.com", "www.example.com"));
        assert!(!host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("w*.example.com", "www.example.com"));
        assert!(!host_matches("*.com", "example.com"));
        assert!(!host_matches("localhost", "localhost2"));
    }
}
