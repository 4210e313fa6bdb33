//! URI parsing and printing, table-driven: every row was produced by the real Pyro5 5.17
//! (`Pyro5.core.URI(text)`: the parts, `str(uri)`, or the PyroError text), so each rule of
//! the protocol reference's URI section is checked against Python itself.

use pyroxene_wire::uri::{UriError, UriProtocol};
use pyroxene_wire::{ProtocolVersion, Serializer, Uri, Value};

/// (input, protocol, object (PYROMETA: sorted tags joined), sockname, host, port, str(uri))
type Parts = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<u16>,
    Option<&'static str>,
);

enum Want {
    Ok(Parts),
    Err(&'static str),
}

fn ok(
    input: &'static str,
    protocol: &'static str,
    object: &'static str,
    sockname: Option<&'static str>,
    host: Option<&'static str>,
    port: Option<u16>,
    text: Option<&'static str>,
) -> (&'static str, Want) {
    (
        input,
        Want::Ok((protocol, object, sockname, host, port, text)),
    )
}

fn err(input: &'static str, message: &'static str) -> (&'static str, Want) {
    (input, Want::Err(message))
}

#[rustfmt::skip]
fn table() -> Vec<(&'static str, Want)> {
    vec![
    ok("PYRO:obj@localhost:9999", "PYRO", "obj", None, Some("localhost"), Some(9999), Some("PYRO:obj@localhost:9999")),
    ok("pyro:obj@localhost:9999", "PYRO", "obj", None, Some("localhost"), Some(9999), Some("PYRO:obj@localhost:9999")),
    ok("PyRo:obj@host:1", "PYRO", "obj", None, Some("host"), Some(1), Some("PYRO:obj@host:1")),
    ok("PYRO:obj@[::1]:9999", "PYRO", "obj", None, Some("::1"), Some(9999), Some("PYRO:obj@[::1]:9999")),
    ok("PYRO:obj@[::1]:9999xyz", "PYRO", "obj", None, Some("::1"), Some(9999), Some("PYRO:obj@[::1]:9999")),
    ok("PYRO:obj@[fe80::1%2]:5", "PYRO", "obj", None, Some("fe80::1%2"), Some(5), Some("PYRO:obj@[fe80::1%2]:5")),
    err("PYRO:obj@[fe80::1%eth0]:5", "invalid ipv6 address: the part between brackets must be a numeric ipv6 address"),
    err("PYRO:obj@[[::1]]:5", "invalid ipv6 address: enclosed in too many brackets"),
    err("PYRO:obj@[::1]", "invalid port in uri, port=None"),
    ok("PYRONAME:obj@[::1]", "PYRONAME", "obj", None, Some("::1"), Some(9090), Some("PYRONAME:obj@[::1]:9090")),
    err("PYRO:obj@[::1]:abc", "invalid port in uri, port=None"),
    err("PYRO:obj@[]:5", "invalid ipv6 address: the part between brackets must be a numeric ipv6 address"),
    err("PYRO:obj@::1:5", "invalid port in uri, port=:1:5"),
    ok("PYRO:a@b@host:1", "PYRO", "a", None, Some("b@host"), Some(1), Some("PYRO:a@b@host:1")),
    err("PYRO:obj", "invalid uri"),
    err("PYRO:obj@host", "invalid port in uri, port=None"),
    err("PYRO:obj@host:", "invalid port in uri, port=None"),
    err("PYRO:obj@host:abc", "invalid port in uri, port=abc"),
    ok("PYRO:obj@./u:/tmp/sock", "PYRO", "obj", Some("/tmp/sock"), None, None, Some("PYRO:obj@./u:/tmp/sock")),
    err("PYRO:obj@./u:", "invalid uri (location)"),
    err("PYRO:obj@./u:a:b", "invalid uri (location)"),
    ok("PYRONAME:some.name", "PYRONAME", "some.name", None, None, None, Some("PYRONAME:some.name")),
    ok("PYRONAME:some.name@nshost", "PYRONAME", "some.name", None, Some("nshost"), Some(9090), Some("PYRONAME:some.name@nshost:9090")),
    ok("PYRONAME:some.name@nshost:1234", "PYRONAME", "some.name", None, Some("nshost"), Some(1234), Some("PYRONAME:some.name@nshost:1234")),
    ok("pyroname:x@:5", "PYRONAME", "x", None, Some(""), Some(5), Some("PYRONAME:x")),
    ok("PYROMETA:a,b,c", "PYROMETA", "a,b,c", None, None, None, None),
    ok("PYROMETA:a,b@host", "PYROMETA", "a,b", None, Some("host"), Some(9090), None),
    err("PYROMETA:a, b", "invalid uri"),
    ok("PYROMETA:a,,b", "PYROMETA", ",a,b", None, None, None, None),
    err("PYROX:obj@host:1", "invalid uri (protocol)"),
    err("HTTP:obj@host:1", "invalid uri"),
    err("PYRO:", "invalid uri"),
    err("PYRO:@host:1", "invalid uri"),
    ok("PYRO:@@host:1", "PYRO", "@", None, Some("host"), Some(1), Some("PYRO:@@host:1")),
    err("PYRO:a@", "invalid uri"),
    ok("PYRONAME:a@", "PYRONAME", "a@", None, None, None, Some("PYRONAME:a@")),
    err("PYRO:a b@host:1", "invalid uri"),
    ok("PYRO:obj@host name:5", "PYRO", "obj", None, Some("host name"), Some(5), Some("PYRO:obj@host name:5")),
    ok("PYRO:obj@host:1\n", "PYRO", "obj", None, Some("host"), Some(1), Some("PYRO:obj@host:1")),
    ok("PYRONAME:x\n", "PYRONAME", "x", None, None, None, Some("PYRONAME:x")),
    err("PYRO:obj@host:1\n\n", "invalid uri"),
    ok("PYRO:obj@host: 5", "PYRO", "obj", None, Some("host"), Some(5), Some("PYRO:obj@host:5")),
    ok("PYRO:obj@host:+5", "PYRO", "obj", None, Some("host"), Some(5), Some("PYRO:obj@host:5")),
    ok("PYRO:obj@host:1_000", "PYRO", "obj", None, Some("host"), Some(1000), Some("PYRO:obj@host:1000")),
    err("PYRO:obj@host:1__0", "invalid port in uri, port=1__0"),
    ok("PYRO:obj@host:-0", "PYRO", "obj", None, Some("host"), Some(0), Some("PYRO:obj@host:0")),
    ok("PYRO:obj@host:007", "PYRO", "obj", None, Some("host"), Some(7), Some("PYRO:obj@host:7")),
    err("", "invalid uri"),
    err("obj@host:1", "invalid uri"),
    ok("PYRO:obj@:5", "PYRO", "obj", None, Some(""), Some(5), Some("PYRO:obj")),
    err("PYRO:o\u{1c}b@h:1", "invalid uri"),
    err("PYRO:obj@h:1\u{1c}", "invalid port in uri, port=1\u{1c}"),
    ok("PYRONAME:x@[::1]:abc", "PYRONAME", "x", None, Some("::1"), Some(9090), Some("PYRONAME:x@[::1]:9090")),
    ok("PYRO:Pyro.NameServer@127.0.0.1:9090", "PYRO", "Pyro.NameServer", None, Some("127.0.0.1"), Some(9090), Some("PYRO:Pyro.NameServer@127.0.0.1:9090")),
    ok("PYRO:obj@host:65535", "PYRO", "obj", None, Some("host"), Some(65535), Some("PYRO:obj@host:65535")),
    err("PYRO:obj@[::ffff:127.0.0.1]:5", "invalid ipv6 address: the part between brackets must be a numeric ipv6 address"),
    err("PYRO:obj@host:5:6", "invalid port in uri, port=5:6"),
    ok("PYRO:obj@ho[st:5", "PYRO", "obj", None, Some("ho[st"), Some(5), Some("PYRO:obj@ho[st:5")),
    ]
}

fn object_of(uri: &Uri) -> String {
    match uri.tags() {
        Some(tags) => {
            let mut tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            tags.sort_unstable();
            tags.join(",")
        }
        None => uri.object().to_owned(),
    }
}

#[test]
fn uris_parse_and_print_like_pyro5() {
    for (input, want) in table() {
        match (Uri::parse(input), want) {
            (Ok(uri), Want::Ok((protocol, object, sockname, host, port, text))) => {
                assert_eq!(uri.protocol().as_str(), protocol, "{input:?}");
                assert_eq!(object_of(&uri), object, "{input:?}");
                assert_eq!(
                    (uri.sockname(), uri.host(), uri.port()),
                    (sockname, host, port),
                    "{input:?}"
                );
                if let Some(text) = text {
                    assert_eq!(uri.to_string(), text, "{input:?}");
                }
                // Display parses back to an equal URI whenever it shows the whole location.
                if uri.location().is_some() || (uri.host().is_none() && uri.sockname().is_none()) {
                    assert_eq!(Uri::parse(&uri.to_string()).as_ref(), Ok(&uri), "{input:?}");
                }
                let state = uri.state_value();
                assert_eq!(
                    Uri::from_state_value(&state).as_ref(),
                    Ok(&uri),
                    "{input:?}"
                );
            }
            (Err(e), Want::Err(message)) => assert_eq!(e.to_string(), message, "{input:?}"),
            (got, _) => panic!("{input:?}: unexpected {got:?}"),
        }
    }
}

#[test]
fn port_deviations_from_python_are_refused_with_pythons_text() {
    // Python accepts these ints and fails only when connecting; a port here is a u16.
    for (input, port) in [
        ("PYRO:o@h:99999", "99999"),
        ("PYRO:o@h:-1", "-1"),
        ("PYRO:o@h:\u{663}", "\u{663}"),
    ] {
        assert_eq!(
            Uri::parse(input),
            Err(UriError::Port(port.to_owned())),
            "{input}"
        );
    }
    assert_eq!(
        Uri::parse("PYRO:o@h:99999").unwrap_err().to_string(),
        "invalid port in uri, port=99999"
    );
}

#[test]
fn pyroname_default_port_comes_from_the_config() {
    let uri = Uri::parse_with_ns_port("PYRONAME:x@ns", 1234).unwrap();
    assert_eq!(uri.port(), Some(1234));
    assert_eq!("PYRONAME:x@ns".parse::<Uri>().unwrap().port(), Some(9090));
}

#[test]
fn equality_is_the_state_tuple() {
    let a = Uri::parse("pyro:obj@host:5").unwrap();
    let b = Uri::pyro("obj", "host", 5);
    assert_eq!(a, b);
    assert_ne!(a, Uri::pyro("obj", "host", 6));
    assert_ne!(
        Uri::pyro("obj", "", 5),
        Uri::parse("PYRO:obj@./u:x").unwrap()
    );
    let m1 = Uri::parse("PYROMETA:a,b").unwrap();
    let m2 = Uri::parse("PYROMETA:b,a").unwrap();
    assert_eq!(m1, m2);
    let mut set = std::collections::HashSet::new();
    set.insert(m1);
    assert!(set.contains(&m2));
    assert_eq!(
        UriError::Invalid.python_class(),
        pyroxene_wire::dialect::PyroErrorClass::PyroError
    );
    assert_eq!(
        UriProtocol::from_name("PYROMETA"),
        Some(UriProtocol::PyroMeta)
    );
}

#[test]
fn state_tuples_as_pyro_sends_them() {
    let cases = [
        (
            "PYRO:obj@localhost:9999",
            "('PYRO', 'obj', None, 'localhost', 9999)",
        ),
        (
            "PYRO:obj@./u:/tmp/pyro.sock",
            "('PYRO', 'obj', '/tmp/pyro.sock', None, None)",
        ),
        (
            "PYRONAME:some.name",
            "('PYRONAME', 'some.name', None, None, None)",
        ),
        (
            "PYROMETA:tag1,tag2",
            "('PYROMETA', {'tag1', 'tag2'}, None, None, None)",
        ),
        ("PYRO:obj@[::1]:5", "('PYRO', 'obj', None, '::1', 5)"),
    ];
    for (text, state) in cases {
        let uri = Uri::parse(text).unwrap();
        assert_eq!(uri.state_value().to_string(), state);
        for ser in Serializer::ALL {
            let v4 = uri.to_value(ProtocolVersion::V4);
            let Ok(bytes) = ser.encode(&v4) else { continue };
            let back = Uri::from_value(&ser.decode(&bytes).unwrap()).unwrap();
            assert_eq!(back, uri, "{text} via {}", ser.name());
        }
    }
    // Name server `list` results are plain strings.
    assert_eq!(
        Uri::from_value(&Value::from("PYRO:x@h:1")).unwrap(),
        Uri::pyro("x", "h", 1)
    );
    assert!(Uri::from_value(&pyroxene_wire::dict! { "__class__" => "Pyro5.core.Nope" }).is_err());
    assert!(Uri::from_state_value(&pyroxene_wire::tuple!["HTTP", "x", (), (), ()]).is_err());
}
