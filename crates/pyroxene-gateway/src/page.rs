//! The page at `/pyro/`: what Python's page shows (the exposed names in the name server with
//! their methods and attributes, the example calls, the response area) plus a form that calls
//! any exposed method and shows the reply, its status and time. `assets/page.html` and
//! `assets/gateway.js` are compiled in; names are HTML-escaped (Python's page isn't).

use std::sync::Arc;

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::future::join_all;
use pyroxene::server::Metadata;
use pyroxene::{Value, dict};

use crate::app::App;
use crate::respond::{NO_NAMESERVER, ascii_only, encode_plain};

/// Where the page's script is served, under `/pyro/` (a path Python answers with 404: it
/// has no object/method split).
pub(crate) const SCRIPT_NAME: &str = "gateway.js";
/// The most names the page lists (Python: 10).
pub const MAX_NAMES: usize = 100;

const TEMPLATE: &str = include_str!("../assets/page.html");
const SCRIPT: &str = include_str!("../assets/gateway.js");

/// `$meta`'s answer: `{"methods": [...], "attributes": [...]}` (Python's tuple of its sets).
pub(crate) fn meta_value(meta: &Metadata) -> Value {
    let names = |set: &pyroxene::wire::dialect::NameSet| {
        Value::Tuple(set.iter().map(|n| Value::from(n.as_str())).collect())
    };
    dict! { "methods" => names(&meta.methods), "attributes" => names(&meta.attrs) }
}

/// One row of the page: an exposed name and what its metadata says.
struct Entry {
    name: String,
    meta: Result<Arc<Metadata>, String>,
}

/// The page, or Python's 500 text when the name server can't be reached.
pub(crate) async fn homepage(app: &App) -> Response {
    let expose = &app.config.expose;
    let regex = (!expose.is_everything()).then(|| expose.pattern());
    let (ns_uri, names) = match app.backend.list(regex).await {
        Ok(listed) => listed,
        Err(e) => {
            tracing::warn!("name server error: {e:#}");
            return app
                .responder
                .text(StatusCode::INTERNAL_SERVER_ERROR, NO_NAMESERVER);
        }
    };
    // The name server's regex is Python's `re` for a Python name server: ours decides.
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| expose.allows(n))
        .take(MAX_NAMES)
        .collect();
    let entries = join_all(names.into_iter().map(|name| async move {
        let meta = match app.backend.resolve(&name, false).await {
            Ok(target) => target.metadata().await.map_err(|e| format!("{e:#}")),
            Err(e) => Err(format!("{e:#}")),
        };
        Entry { name, meta }
    }))
    .await;
    let location = ns_uri.location().unwrap_or_default();
    let ttl = app.config.name_ttl;
    let html = TEMPLATE
        .replace("{{NAME_TTL}}", &escape(&format!("{ttl:?}")))
        .replace("{{NS_LOCATION}}", &escape(&location))
        .replace("{{MAX_NAMES}}", &MAX_NAMES.to_string())
        .replace("{{EXPOSE}}", &escape(expose.pattern()))
        .replace("{{OBJECTS_TABLE}}", &table(&entries))
        .replace("{{OBJECTS_JSON}}", &objects_json(&entries))
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"));
    // Python sends text/html without a charset; the page says utf-8 in a meta tag.
    app.responder.body(
        StatusCode::OK,
        HeaderValue::from_static("text/html"),
        html.into_bytes(),
    )
}

/// The page's script.
pub(crate) fn script() -> Response {
    let mut response = Response::new(Body::from(SCRIPT));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(SCRIPT.len()));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn table(entries: &[Entry]) -> String {
    let mut html = String::from(
        "<table id=\"pyro_names\"><tr><th>Name</th><th>methods</th><th>attributes (zero-param methods)</th></tr>\n",
    );
    for entry in entries {
        let name = escape(&entry.name);
        let (methods, attributes) = match &entry.meta {
            Ok(meta) => {
                let methods: Vec<String> = meta.methods.iter().map(|m| escape(m)).collect();
                let attributes: Vec<String> = meta
                    .attrs
                    .iter()
                    .map(|a| link(&entry.name, a, &escape(a)))
                    .collect();
                (join_or_dash(&methods), join_or_dash(&attributes))
            }
            Err(e) => (format!("??error:{}??", escape(e)), "-".to_owned()),
        };
        html.push_str(&format!(
            "<tr><td>{}</td><td>{methods}</td><td>{attributes}</td></tr>\n",
            link(&entry.name, "$meta", &name)
        ));
    }
    html.push_str("</table>");
    html
}

fn link(object: &str, method: &str, label: &str) -> String {
    format!(
        "<a href=\"#\" class=\"pyro-link\" data-object=\"{}\" data-method=\"{}\">{label}</a>",
        escape(object),
        escape(method)
    )
}

fn join_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(" &nbsp; ")
    }
}

/// The entries for the form's script, as JSON that can't end the `<script>` element.
fn objects_json(entries: &[Entry]) -> String {
    let names = |set: &pyroxene::wire::dialect::NameSet| {
        Value::List(set.iter().map(|n| Value::from(n.as_str())).collect())
    };
    let list = entries
        .iter()
        .map(|entry| match &entry.meta {
            Ok(meta) => dict! {
                "name" => entry.name.as_str(),
                "methods" => names(&meta.methods),
                "oneway" => names(&meta.oneway),
                "attributes" => names(&meta.attrs),
            },
            Err(e) => dict! {
                "name" => entry.name.as_str(),
                "methods" => Value::List(Vec::new()),
                "oneway" => Value::List(Vec::new()),
                "attributes" => Value::List(Vec::new()),
                "error" => e.as_str(),
            },
        })
        .collect();
    let json = ascii_only(encode_plain(&Value::List(list)));
    String::from_utf8_lossy(&json).replace('<', "\\u003c")
}

/// Text as HTML text or attribute value.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_inject_markup() {
        let entries = [Entry {
            name: "x\"><script>alert(1)</script>".to_owned(),
            meta: Ok(Arc::new(Metadata::new(
                ["</script>"],
                [] as [&str; 0],
                ["a'b"],
            ))),
        }];
        let html = table(&entries);
        assert!(!html.contains("<script>"), "{html}");
        let json = objects_json(&entries);
        assert!(!json.contains('<'), "{json}");
    }
}
