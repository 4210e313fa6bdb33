//! A test PKI minted with rcgen when a test starts, written as PEM files for Rust and Python
//! peers alike: a CA, server and client certificates it signed, expired ones, another CA with
//! its own server and client, a key encrypted with a password (PKCS#8, PBES2), and a
//! self-signed CA certificate used as a server certificate (what Pyro5's example
//! certificates are). The folder is removed when the [`TestPki`] is dropped.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// The password of `server-enc.key` and `client-enc.key`.
pub const KEY_PASSWORD: &str = "pyroxene-secret";

/// The serial number of `client.pem` as Python's `getpeercert()` shows it.
pub const CLIENT_SERIAL: &str = "7E57C11E";

/// The files, each `<name>.pem` (certificate) and `<name>.key` (its key) unless said:
///
/// | name | what |
/// |---|---|
/// | `ca.pem` | the CA (O=pyroxene tests, CN=pyroxene test CA) |
/// | `server` | for `localhost`, `127.0.0.1`, `::1`, signed by the CA |
/// | `client` | CN=alice, serial 7E57C11E, signed by the CA |
/// | `client-bob` | CN=bob, signed by the CA |
/// | `server-expired`, `client-expired` | signed by the CA, expired a year ago |
/// | `other-ca.pem` | another CA |
/// | `server-other`, `client-other` | signed by the other CA |
/// | `server-cn` | signed by the CA, no alternative names, CN=localhost |
/// | `selfsigned` | self-signed, CA:TRUE, CN=localhost, no alternative names |
/// | `server-enc.key`, `client-enc.key` | the server's and client's keys, encrypted with [`KEY_PASSWORD`] |
/// | `server-combined.pem` | the server's certificate and key in one file |
pub struct TestPki {
    dir: PathBuf,
}

impl TestPki {
    /// Mints everything into a new temporary folder.
    ///
    /// # Panics
    /// When rcgen or the file system fails (a broken test environment).
    pub fn new() -> TestPki {
        let dir = std::env::temp_dir().join(format!(
            "pyroxene-pki-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("create the PKI folder");
        let pki = TestPki { dir };
        pki.mint().expect("mint the test PKI");
        pki
    }

    /// The full path of one of the files, as a string (what `PYRO_SSL_*` variables take).
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn write(&self, name: &str, text: &str) -> std::io::Result<()> {
        std::fs::write(self.dir.join(name), text)
    }

    fn mint(&self) -> Result<(), Box<dyn std::error::Error>> {
        let now = OffsetDateTime::now_utc();
        let (ca_params, ca_key) = ca("pyroxene test CA")?;
        self.write("ca.pem", &ca_params.self_signed(&ca_key)?.pem())?;
        let issuer = Issuer::new(ca_params, ca_key);
        let (other, other_key) = ca("another test CA")?;
        self.write("other-ca.pem", &other.self_signed(&other_key)?.pem())?;
        let other_issuer = Issuer::new(other, other_key);

        let hosts = || {
            vec![
                "localhost".to_owned(),
                "127.0.0.1".to_owned(),
                "::1".to_owned(),
            ]
        };
        let valid = (now - Duration::days(1), now + Duration::days(30));
        let expired = (now - Duration::days(400), now - Duration::days(365));

        let server = leaf(
            hosts(),
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
            valid,
        )?;
        let server_key = self.issue("server", &server, &issuer)?;
        self.write(
            "server-combined.pem",
            &(std::fs::read_to_string(self.dir.join("server.pem"))? + &server_key.serialize_pem()),
        )?;
        self.write("server-enc.key", &encrypt(&server_key)?)?;
        let mut client = leaf(vec![], "alice", ExtendedKeyUsagePurpose::ClientAuth, valid)?;
        client.serial_number = Some(SerialNumber::from_slice(&[0x7e, 0x57, 0xc1, 0x1e]));
        let client_key = self.issue("client", &client, &issuer)?;
        self.write("client-enc.key", &encrypt(&client_key)?)?;
        let bob = leaf(vec![], "bob", ExtendedKeyUsagePurpose::ClientAuth, valid)?;
        self.issue("client-bob", &bob, &issuer)?;
        let old = leaf(
            hosts(),
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
            expired,
        )?;
        self.issue("server-expired", &old, &issuer)?;
        let old = leaf(
            vec![],
            "alice",
            ExtendedKeyUsagePurpose::ClientAuth,
            expired,
        )?;
        self.issue("client-expired", &old, &issuer)?;
        let foreign = leaf(
            hosts(),
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
            valid,
        )?;
        self.issue("server-other", &foreign, &other_issuer)?;
        let foreign = leaf(vec![], "alice", ExtendedKeyUsagePurpose::ClientAuth, valid)?;
        self.issue("client-other", &foreign, &other_issuer)?;
        let cn_only = leaf(
            vec![],
            "localhost",
            ExtendedKeyUsagePurpose::ServerAuth,
            valid,
        )?;
        self.issue("server-cn", &cn_only, &issuer)?;

        // Pyro5's example certificates: self-signed, CA:TRUE, the subject's CN the only name.
        let mut own = CertificateParams::new(Vec::<String>::new())?;
        own.distinguished_name.push(DnType::CountryName, "NL");
        own.distinguished_name
            .push(DnType::OrganizationName, "pyroxene tests");
        own.distinguished_name.push(DnType::CommonName, "localhost");
        own.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        own.not_before = valid.0;
        own.not_after = valid.1;
        let own_key = KeyPair::generate()?;
        self.write("selfsigned.pem", &own.self_signed(&own_key)?.pem())?;
        self.write("selfsigned.key", &own_key.serialize_pem())?;
        Ok(())
    }

    /// Signs `params` with `issuer`, writes `<name>.pem` and `<name>.key`; the key.
    fn issue(
        &self,
        name: &str,
        params: &CertificateParams,
        issuer: &Issuer<'_, KeyPair>,
    ) -> Result<KeyPair, Box<dyn std::error::Error>> {
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, issuer)?;
        self.write(&format!("{name}.pem"), &cert.pem())?;
        self.write(&format!("{name}.key"), &key.serialize_pem())?;
        Ok(key)
    }
}

impl Default for TestPki {
    fn default() -> TestPki {
        TestPki::new()
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ca(name: &str) -> Result<(CertificateParams, KeyPair), rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(DnType::OrganizationName, "pyroxene tests");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(500);
    params.not_after = now + Duration::days(365);
    Ok((params, KeyPair::generate()?))
}

fn leaf(
    names: Vec<String>,
    common_name: &str,
    usage: ExtendedKeyUsagePurpose,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(names)?;
    params.distinguished_name.push(DnType::CountryName, "NL");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "pyroxene tests");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.extended_key_usages = vec![usage];
    params.not_before = not_before;
    params.not_after = not_after;
    Ok(params)
}

/// `key` as an `ENCRYPTED PRIVATE KEY` (PBES2: PBKDF2-SHA256, AES-256-CBC; what
/// `openssl pkcs8 -topk8 -v2 aes256` writes) with [`KEY_PASSWORD`].
fn encrypt(key: &KeyPair) -> Result<String, Box<dyn std::error::Error>> {
    use pkcs8::der::{Decode, pem::LineEnding};
    let der = key.serialize_der();
    let info = pkcs8::PrivateKeyInfoRef::from_der(&der)?;
    let params = pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
        10_000,
        b"pyroxene-salt-16",
        *b"pyroxene-iv-16by",
    )?;
    let encrypted = info.encrypt_with_params(params, KEY_PASSWORD)?;
    Ok(encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)?
        .to_string())
}

/// Writes `server_cert.pem`, `server_key.pem`, `client_cert.pem` and `client_key.pem` into
/// `dir` in the shape of the certificates of Pyro5's sdist (its `certs/` folder, which its
/// `ssl` example reads): self-signed CA certificates for C=NL, ST=Some-State,
/// O=Razorvine.net, OU=Pyro5, CN=localhost, no alternative names, with the serial numbers the
/// example checks. Minted anew because the shipped ones expired on 2026-07-13.
///
/// # Errors
/// When rcgen or the file system fails.
pub fn write_pyro5_example_certs(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let now = OffsetDateTime::now_utc();
    for (name, serial) in [
        ("server", PYRO5_EXAMPLE_SERVER_SERIAL),
        ("client", PYRO5_EXAMPLE_CLIENT_SERIAL),
    ] {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let dn = &mut params.distinguished_name;
        dn.push(DnType::CountryName, "NL");
        dn.push(DnType::StateOrProvinceName, "Some-State");
        dn.push(DnType::OrganizationName, "Razorvine.net");
        dn.push(DnType::OrganizationalUnitName, "Pyro5");
        dn.push(DnType::CommonName, "localhost");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.serial_number = Some(SerialNumber::from_slice(&hex(serial)?));
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(30);
        let key = KeyPair::generate()?;
        std::fs::write(
            dir.join(format!("{name}_cert.pem")),
            params.self_signed(&key)?.pem(),
        )?;
        std::fs::write(dir.join(format!("{name}_key.pem")), key.serialize_pem())?;
    }
    Ok(())
}

/// The serial number Pyro5's `ssl/client.py` expects of the server's certificate.
pub const PYRO5_EXAMPLE_SERVER_SERIAL: &str = "63B5A2EB71E2C78CBE4200C7EAB9634E7B669407";

/// The serial number Pyro5's `ssl/server.py` expects of the client's certificate.
pub const PYRO5_EXAMPLE_CLIENT_SERIAL: &str = "1FABD733200A52DCED0702B7A856773F37AAC0E3";

fn hex(text: &str) -> Result<Vec<u8>, std::num::ParseIntError> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16))
        .collect()
}
