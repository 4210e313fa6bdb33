//! [`PeerCertificate`]: the other side's certificate, in the fields Python's
//! `SSLSocket.getpeercert()` gives.

use std::time::{Duration, SystemTime};

use pyroxene_wire::Value;
use x509_cert::certificate::{CertificateInner, Raw};
use x509_cert::der::{Decode, Tag, Tagged, asn1::ObjectIdentifier};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::TlsError;

/// The certificate the peer showed during the TLS handshake: for a daemon the client's (two-way
/// TLS), for a proxy the server's. Python's `conn.getpeercert()` gives the same fields as a
/// dict (see [`PeerCertificate::to_value`]); Pyro5's `ssl` example checks `serialNumber`,
/// the issuer's and subject's `organizationName` and the subject's `countryName`.
///
/// Only a certificate that passed verification is ever given: a daemon that doesn't require
/// client certificates (SSL_REQUIRECLIENTCERT off) doesn't ask for one, so it has none
/// (Python's `getpeercert()` is `None` there too).
///
/// ```
/// # fn check(cert: &pyroxene::tls::PeerCertificate) -> Result<(), String> {
/// if cert.subject_field("organizationName") != Some("Razorvine.net") {
///     return Err(format!("certificate not for Razorvine.net: {:?}", cert.subject));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerCertificate {
    /// The certificate as sent, DER (Python: `getpeercert(binary_form=True)`).
    pub der: Vec<u8>,
    /// The subject, one list per relative distinguished name of `(name, value)` pairs, with
    /// OpenSSL's long names as Python shows them (`countryName`, `organizationName`,
    /// `commonName`, `emailAddress`...; an attribute OpenSSL has no name for as its dotted OID).
    pub subject: Vec<Vec<(String, String)>>,
    /// The issuer, in the same form.
    pub issuer: Vec<Vec<(String, String)>>,
    /// The X.509 version number (3 for v3 certificates, as Python's `version`).
    pub version: u8,
    /// The serial number in upper-case hex, two digits a byte (Python's `serialNumber`,
    /// e.g. `1FABD733200A52DCED0702B7A856773F37AAC0E3`).
    pub serial_number: String,
    /// Start of validity (Python's `notBefore`, as text: see [`PeerCertificate::to_value`]).
    pub not_before: SystemTime,
    /// End of validity (Python's `notAfter`).
    pub not_after: SystemTime,
    /// The subject alternative names as `(kind, value)`: `("DNS", "localhost")`,
    /// `("IP Address", "127.0.0.1")`, `("email", ...)`, `("URI", ...)`, as Python lists them
    /// (an IPv6 address as eight upper-case hex groups, as Python writes it).
    pub subject_alt_name: Vec<(String, String)>,
}

impl PeerCertificate {
    /// Reads a DER certificate.
    ///
    /// # Errors
    /// [`TlsError::PeerCertificate`] when it is not a valid X.509 certificate.
    pub fn from_der(der: &[u8]) -> Result<PeerCertificate, TlsError> {
        let cert = CertificateInner::<Raw>::from_der(der).map_err(TlsError::PeerCertificate)?;
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        let subject_alt_name = match tbs.get_extension::<SubjectAltName>() {
            Ok(Some((_, san))) => san.0.iter().filter_map(alt_name).collect(),
            _ => Vec::new(),
        };
        Ok(PeerCertificate {
            der: der.to_vec(),
            subject: rdns(tbs.subject()),
            issuer: rdns(tbs.issuer()),
            version: u8::try_from(tbs.version() as u32 + 1).unwrap_or(u8::MAX),
            serial_number: serial_hex(tbs.serial_number().as_bytes()),
            not_before: validity.not_before.to_system_time(),
            not_after: validity.not_after.to_system_time(),
            subject_alt_name,
        })
    }

    /// The first value of subject attribute `name` (OpenSSL's long name, as Python's
    /// `dict(p[0] for p in cert["subject"])[name]`), e.g. `"commonName"`.
    pub fn subject_field(&self, name: &str) -> Option<&str> {
        field(&self.subject, name)
    }

    /// The first value of issuer attribute `name`.
    pub fn issuer_field(&self, name: &str) -> Option<&str> {
        field(&self.issuer, name)
    }

    /// The subject's common name (`commonName`), if any.
    pub fn common_name(&self) -> Option<&str> {
        self.subject_field("commonName")
    }

    /// Python's `getpeercert()` dict: `subject`, `issuer` (tuples of tuples of pairs),
    /// `version`, `serialNumber`, `notBefore`/`notAfter` as OpenSSL prints them
    /// (`Jul 13 20:05:10 2026 GMT`) and `subjectAltName` when there is one. Python's
    /// `OCSP`, `caIssuers` and `crlDistributionPoints` entries are not given.
    pub fn to_value(&self) -> Value {
        let name = |rdns: &[Vec<(String, String)>]| {
            Value::Tuple(
                rdns.iter()
                    .map(|rdn| {
                        Value::Tuple(
                            rdn.iter()
                                .map(|(k, v)| {
                                    Value::Tuple(vec![k.as_str().into(), v.as_str().into()])
                                })
                                .collect(),
                        )
                    })
                    .collect(),
            )
        };
        let mut dict = pyroxene_wire::Dict::default();
        dict.insert("subject".into(), name(&self.subject));
        dict.insert("issuer".into(), name(&self.issuer));
        dict.insert("version".into(), Value::Int(i64::from(self.version)));
        dict.insert("serialNumber".into(), self.serial_number.as_str().into());
        dict.insert("notBefore".into(), openssl_time(self.not_before).into());
        dict.insert("notAfter".into(), openssl_time(self.not_after).into());
        if !self.subject_alt_name.is_empty() {
            let names = self
                .subject_alt_name
                .iter()
                .map(|(k, v)| Value::Tuple(vec![k.as_str().into(), v.as_str().into()]))
                .collect();
            dict.insert("subjectAltName".into(), Value::Tuple(names));
        }
        Value::Dict(Box::new(dict))
    }
}

fn field<'a>(rdns: &'a [Vec<(String, String)>], name: &str) -> Option<&'a str> {
    rdns.iter()
        .flatten()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The relative distinguished names of `name`, each as its `(long name, value)` pairs.
fn rdns(name: &Name) -> Vec<Vec<(String, String)>> {
    name.iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let value = directory_string(atv.value.tag(), atv.value.value());
                    (attribute_name(&atv.oid), value)
                })
                .collect()
        })
        .collect()
}

/// An attribute value as text, as OpenSSL's `ASN1_STRING_to_UTF8` converts it: T61 as
/// Latin-1, BMP as UTF-16 (big-endian), the rest as UTF-8.
fn directory_string(tag: Tag, bytes: &[u8]) -> String {
    match tag {
        Tag::TeletexString => bytes.iter().map(|&b| char::from(b)).collect(),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// OpenSSL's long name of a distinguished-name attribute (what Python's `getpeercert` shows),
/// else the dotted OID (as OpenSSL's `OBJ_obj2txt` gives it).
fn attribute_name(oid: &ObjectIdentifier) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("2.5.4.3", "commonName"),
        ("2.5.4.4", "surname"),
        ("2.5.4.5", "serialNumber"),
        ("2.5.4.6", "countryName"),
        ("2.5.4.7", "localityName"),
        ("2.5.4.8", "stateOrProvinceName"),
        ("2.5.4.9", "streetAddress"),
        ("2.5.4.10", "organizationName"),
        ("2.5.4.11", "organizationalUnitName"),
        ("2.5.4.12", "title"),
        ("2.5.4.13", "description"),
        ("2.5.4.15", "businessCategory"),
        ("2.5.4.17", "postalCode"),
        ("2.5.4.42", "givenName"),
        ("2.5.4.43", "initials"),
        ("2.5.4.44", "generationQualifier"),
        ("2.5.4.46", "dnQualifier"),
        ("2.5.4.65", "pseudonym"),
        ("2.5.4.97", "organizationIdentifier"),
        ("1.2.840.113549.1.9.1", "emailAddress"),
        ("0.9.2342.19200300.100.1.1", "userId"),
        ("0.9.2342.19200300.100.1.25", "domainComponent"),
        ("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionLocalityName"),
        (
            "1.3.6.1.4.1.311.60.2.1.2",
            "jurisdictionStateOrProvinceName",
        ),
        ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionCountryName"),
    ];
    let dotted = oid.to_string();
    NAMES
        .iter()
        .find(|(o, _)| *o == dotted)
        .map_or(dotted, |(_, name)| (*name).to_owned())
}

/// A subject alternative name as Python lists it; kinds Python shows as `<unsupported>` are
/// left out.
fn alt_name(name: &GeneralName) -> Option<(String, String)> {
    let entry = |k: &str, v: String| Some((k.to_owned(), v));
    match name {
        GeneralName::DnsName(s) => entry("DNS", s.to_string()),
        GeneralName::Rfc822Name(s) => entry("email", s.to_string()),
        GeneralName::UniformResourceIdentifier(s) => entry("URI", s.to_string()),
        GeneralName::IpAddress(octets) => {
            let b = octets.as_bytes();
            match b.len() {
                4 => entry("IP Address", format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])),
                16 => {
                    let groups: Vec<String> = b
                        .chunks_exact(2)
                        .map(|c| format!("{:X}", u16::from_be_bytes([c[0], c[1]])))
                        .collect();
                    entry("IP Address", groups.join(":"))
                }
                _ => entry("IP Address", "<invalid>".to_owned()),
            }
        }
        GeneralName::RegisteredId(oid) => entry("Registered ID", oid.to_string()),
        _ => None,
    }
}

/// A serial number as Python shows it: the magnitude's bytes in upper-case hex (a DER
/// sign byte of zero dropped), `"00"` for zero.
fn serial_hex(bytes: &[u8]) -> String {
    let trimmed = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    if trimmed.is_empty() {
        return "00".to_owned();
    }
    trimmed.iter().map(|b| format!("{b:02X}")).collect()
}

/// A time as OpenSSL's `ASN1_TIME_print` writes it, Python's `notAfter` text:
/// `Jul  3 20:05:10 2026 GMT` (day padded to two places with a space).
pub(crate) fn openssl_time(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let Ok(dt) = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0)) else {
        return String::new();
    };
    format!(
        "{} {:>2} {:02}:{:02}:{:02} {} GMT",
        MONTHS[usize::from(u8::from(dt.month())) - 1],
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_as_python_shows_them() {
        assert_eq!(serial_hex(&[0x00, 0x9f, 0x01]), "9F01");
        assert_eq!(serial_hex(&[0x1f, 0xab]), "1FAB");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x0a]), "0A");
    }

    #[test]
    fn times_as_openssl_prints_them() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_783_973_110);
        assert_eq!(openssl_time(t), "Jul 13 20:05:10 2026 GMT");
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_783_109_110);
        assert_eq!(openssl_time(t), "Jul  3 20:05:10 2026 GMT");
    }
}
