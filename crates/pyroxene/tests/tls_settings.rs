//! TLS settings that can't be used fail `bind` (daemon) or the first connect (proxy) with
//! [`ErrorKind::Config`] and a [`TlsError`] source naming what is wrong; a password-protected
//! PKCS#8 key works with the right password.

use std::time::Duration;

use pyroxene::client::ProxySettings;
use pyroxene::tls::TlsError;
use pyroxene::{Config, Daemon, ErrorKind, Proxy};
use pyroxene_testkit::tls::{KEY_PASSWORD, TestPki};

fn server_config(pki: &TestPki, key: &str, password: &str) -> Config {
    let mut config = Config::default();
    config.ssl = true;
    config.ssl_servercert = pki.path("server.pem");
    config.ssl_serverkey = if key.is_empty() {
        String::new()
    } else {
        pki.path(key)
    };
    config.ssl_serverkeypasswd = password.to_owned();
    config
}

/// The [`TlsError`] `bind` fails with for `config`, as its `Debug` text.
async fn bind_error(config: &Config) -> String {
    let Err(err) = Daemon::builder_with(config).host("127.0.0.1").bind().await else {
        panic!("bind must fail");
    };
    assert_eq!(err.kind(), ErrorKind::Config, "{err:#}");
    assert_eq!(err.to_string(), "cannot use the TLS settings");
    let tls = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<TlsError>())
        .expect("a TlsError source");
    format!("{tls:?} / {tls}")
}

#[tokio::test]
async fn unusable_server_settings_fail_bind_with_a_typed_error() {
    let pki = TestPki::new();
    std::fs::write(
        pki.dir().join("legacy.key"),
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
         DEK-Info: AES-128-CBC,01C018FC06C0791E959F1BCDA49A18F5\n\nAAAA\n\
         -----END RSA PRIVATE KEY-----\n",
    )
    .expect("write legacy key");
    let mut no_cert = Config::default();
    no_cert.ssl = true;
    let cases: Vec<(Config, &str)> = vec![
        (no_cert, "NoServerCertificate"),
        (
            {
                let mut c = server_config(&pki, "server.key", "");
                c.ssl_servercert = pki.path("missing.pem");
                c
            },
            "server cert file not found",
        ),
        (
            server_config(&pki, "server-enc.key", ""),
            "is encrypted and SSL_SERVERKEYPASSWD is not set",
        ),
        (
            server_config(&pki, "server-enc.key", "wrong"),
            "cannot decrypt the private key",
        ),
        (
            server_config(&pki, "legacy.key", "x"),
            "uses legacy PEM encryption",
        ),
        (server_config(&pki, "client.key", ""), "Settings"),
        (server_config(&pki, "ca.pem", ""), "no private key in"),
    ];
    for (config, expected) in cases {
        let said = bind_error(&config).await;
        assert!(said.contains(expected), "{expected}: {said}");
    }
}

#[tokio::test]
async fn encrypted_and_combined_keys_are_usable() {
    let pki = TestPki::new();
    for config in [
        server_config(&pki, "server-enc.key", KEY_PASSWORD),
        // no key file: the key is in the certificate file
        {
            let mut c = server_config(&pki, "", "");
            c.ssl_servercert = pki.path("server-combined.pem");
            c
        },
    ] {
        let daemon = Daemon::builder_with(&config)
            .host("127.0.0.1")
            .bind()
            .await
            .expect("bind");
        daemon.shutdown();
    }
}

#[tokio::test]
async fn unusable_client_settings_fail_the_connect_with_a_typed_error() {
    let pki = TestPki::new();
    let mut config = Config::default();
    config.ssl = true;
    config.ssl_cacerts = pki.path("ca.pem");
    config.ssl_clientcert = pki.path("client.pem");
    config.ssl_clientkey = pki.path("client-enc.key");
    // Nothing listens there: the settings are refused before any connection is tried.
    let proxy = Proxy::with_settings(
        "PYRO:x@127.0.0.1:1".parse().expect("uri"),
        ProxySettings::from_config(&config),
    )
    .with_timeout(Some(Duration::from_secs(5)));
    let err = proxy.connect().await.expect_err("connect must fail");
    assert_eq!(err.kind(), ErrorKind::Config, "{err:#}");
    let tls = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<TlsError>())
        .expect("a TlsError source");
    assert!(
        matches!(tls, TlsError::KeyPasswordMissing { item, .. } if *item == "SSL_CLIENTKEYPASSWD"),
        "{tls:?}"
    );
}
