//! The page at `/pyro/` in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `scripts/setup-browser.sh` from `scripts/test.sh`), driven
//! over WebDriver with fantoccini: load the page, call `test.echoserver` `echo` through the
//! form (a query-string call, then a typed JSON call), read the results from the DOM, and save
//! a screenshot to `target/test-artifacts/gateway-page.png`.
//!
//! Without chromedriver the test is skipped, except under `CI=true`, where it fails.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a failed fixture is a failed test

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use support::{Backends, config, start_gateway};

/// chromedriver on 127.0.0.1, killed (by pid) on drop, with its Chromium profile directory.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

fn start_driver() -> Option<Driver> {
    let Some(chromedriver) = find(&["chromedriver"]) else {
        let msg =
            "chromedriver not found (scripts/setup-browser.sh installs Debian's chromium-driver)";
        assert!(!pyroxene_testkit::under_ci(), "{msg}");
        eprintln!("SKIPPING browser test: {msg}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let profile =
        std::env::temp_dir().join(format!("pyroxene-chromium-{}-{port}", std::process::id()));
    Some(Driver {
        child,
        port,
        profile,
    })
}

async fn connect(driver: &Driver) -> Client {
    let browser = find(&["chromium", "chromium-browser"]).expect("chromium not found");
    let mut caps = fantoccini::wd::Capabilities::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        fantoccini::wd::Capabilities::from_iter([
            (
                "binary".to_owned(),
                browser.to_string_lossy().into_owned().into(),
            ),
            (
                "args".to_owned(),
                vec![
                    "--headless".to_owned(),
                    "--no-sandbox".to_owned(),
                    "--disable-gpu".to_owned(),
                    "--disable-quic".to_owned(),
                    "--no-first-run".to_owned(),
                    "--disable-background-networking".to_owned(),
                    "--disable-component-update".to_owned(),
                    "--disable-sync".to_owned(),
                    "--window-size=1280,1800".to_owned(),
                    format!("--user-data-dir={}", driver.profile.display()),
                ]
                .into(),
            ),
        ])
        .into(),
    );
    // chromedriver needs a moment to listen: retry within a deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let attempt = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await;
        match attempt {
            Ok(client) => return client,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("chromedriver: {e}"),
        }
    }
}

/// The text of `#id` once `done` accepts it (within 20 s).
async fn wait_text(client: &Client, id: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if done(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "#{id} stayed {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_calls_echo_through_its_form_in_chromium() {
    let Some(driver) = start_driver() else {
        return;
    };
    let backends = Backends::rust().await;
    let gw = start_gateway(config(backends.ns_port, r"test\.|http\.", None)).await;
    let client = connect(&driver).await;
    client
        .goto(&format!("http://{}/pyro/", gw.addr))
        .await
        .unwrap();
    assert_eq!(client.title().await.unwrap(), "Pyro HTTP gateway");
    // The exposed names with their methods, from the metadata.
    let table = client
        .find(Locator::Id("pyro_names"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        table.contains("test.echoserver") && table.contains("http.echoserver"),
        "{table}"
    );
    assert!(
        table.contains("echo") && table.contains("verbose"),
        "{table}"
    );

    // A call with a parameter, as a query string.
    let form_object = client.find(Locator::Id("call_object")).await.unwrap();
    form_object
        .select_by_value("test.echoserver")
        .await
        .unwrap();
    client
        .find(Locator::Id("call_method"))
        .await
        .unwrap()
        .select_by_value("echo")
        .await
        .unwrap();
    let name = client
        .find(Locator::Css("#call_params .param-name"))
        .await
        .unwrap();
    name.send_keys("message").await.unwrap();
    let value = client
        .find(Locator::Css("#call_params .param-value"))
        .await
        .unwrap();
    value.send_keys("hello from chromium").await.unwrap();
    client
        .find(Locator::Id("call_submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = wait_text(&client, "pyro_status", |t| t != "..." && !t.is_empty()).await;
    assert_eq!(status, "200 OK");
    let response = wait_text(&client, "pyro_response", |t| !t.is_empty()).await;
    assert_eq!(response, "\"hello from chromium\"");
    let call = client
        .find(Locator::Id("pyro_call"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(call, "GET test.echoserver/echo?message=hello+from+chromium");
    let time = client
        .find(Locator::Id("pyro_time"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(time.ends_with(" ms"), "{time:?}");

    // Typed arguments: the JSON box makes a POST with {"args": [...]}.
    name.clear().await.unwrap();
    let json = client.find(Locator::Id("call_json")).await.unwrap();
    json.send_keys(r#"{"args": [[1, 2.5, "three", null]]}"#)
        .await
        .unwrap();
    client
        .find(Locator::Id("call_submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let response = wait_text(&client, "pyro_response", |t| t.contains("three")).await;
    let compact: String = response.split_whitespace().collect();
    assert_eq!(compact, r#"[1,2.5,"three",null]"#);
    json.clear().await.unwrap();

    // The call whose result the screenshot shows.
    name.send_keys("message").await.unwrap();
    client
        .find(Locator::Id("call_submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&client, "pyro_response", |t| t == "\"hello from chromium\"").await;
    let png = client.screenshot().await.unwrap();
    let dir = pyroxene_testkit::workspace_root().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gateway-page.png"), &png).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    client.close().await.unwrap();
}
