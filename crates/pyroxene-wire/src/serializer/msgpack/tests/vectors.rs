//! Pyro5's msgpack output for the values and call payloads of
//! `testdata/vectors/serializers/` (`pyro5-msgpack.bin`, `pyro5-msgpack-calls.bin`),
//! captured from Pyro5 5.17 with msgpack 1.2.4, `PYTHONHASHSEED=0`, `TZ=UTC`.

/// One captured payload.
pub(super) struct Vector {
    /// The vector's name in `index.json`.
    pub name: &'static str,
    /// The bytes Python wrote, in hex.
    pub hex: &'static str,
    /// Python's `repr()` of what we decode (None where Pyro turns the dict into an object).
    pub repr: Option<&'static str>,
}

pub(super) const VECTORS: &[Vector] = &[
    Vector {
        name: "none",
        hex: "c0",
        repr: Some("None"),
    },
    Vector {
        name: "true",
        hex: "c3",
        repr: Some("True"),
    },
    Vector {
        name: "false",
        hex: "c2",
        repr: Some("False"),
    },
    Vector {
        name: "int_zero",
        hex: "00",
        repr: Some("0"),
    },
    Vector {
        name: "int_small",
        hex: "2a",
        repr: Some("42"),
    },
    Vector {
        name: "int_negative",
        hex: "ff",
        repr: Some("-1"),
    },
    Vector {
        name: "int_2pow31",
        hex: "ce80000000",
        repr: Some("2147483648"),
    },
    Vector {
        name: "int_i64_max",
        hex: "cf7fffffffffffffff",
        repr: Some("9223372036854775807"),
    },
    Vector {
        name: "int_2pow64",
        hex: "c714313138343436373434303733373039353531363136",
        repr: Some("18446744073709551616"),
    },
    Vector {
        name: "int_big_negative",
        hex: "c720312d31323637363530363030323238323239343031343936373033323035333736",
        repr: Some("-1267650600228229401496703205376"),
    },
    Vector {
        name: "float",
        hex: "cb40091eb851eb851f",
        repr: Some("3.14"),
    },
    Vector {
        name: "float_one",
        hex: "cb3ff0000000000000",
        repr: Some("1.0"),
    },
    Vector {
        name: "float_negzero",
        hex: "cb8000000000000000",
        repr: Some("-0.0"),
    },
    Vector {
        name: "float_big",
        hex: "cb7e37e43c8800759c",
        repr: Some("1e+300"),
    },
    Vector {
        name: "float_small",
        hex: "cb0000000000000001",
        repr: Some("5e-324"),
    },
    Vector {
        name: "float_inf",
        hex: "cb7ff0000000000000",
        repr: Some("inf"),
    },
    Vector {
        name: "float_neginf",
        hex: "cbfff0000000000000",
        repr: Some("-inf"),
    },
    Vector {
        name: "float_nan",
        hex: "cb7ff8000000000000",
        repr: Some("nan"),
    },
    Vector {
        name: "str_empty",
        hex: "a0",
        repr: Some("''"),
    },
    Vector {
        name: "str",
        hex: "a568656c6c6f",
        repr: Some("'hello'"),
    },
    Vector {
        name: "str_single_quote",
        hex: "a469742773",
        repr: Some("\"it's\""),
    },
    Vector {
        name: "str_double_quote",
        hex: "a87361792022686922",
        repr: Some("'say \"hi\"'"),
    },
    Vector {
        name: "str_both_quotes",
        hex: "ad69742773202271756f74656422",
        repr: Some("'it\\'s \"quoted\"'"),
    },
    Vector {
        name: "str_unicode",
        hex: "b5756e69636f646520c3a9e282ace2988320f09f9880",
        repr: Some("'unicode é€☃ 😀'"),
    },
    Vector {
        name: "str_control_chars",
        hex: "af6374726c200001090a0d5c20656e64",
        repr: Some("'ctrl \\x00\\x01\\t\\n\\r\\\\ end'"),
    },
    Vector {
        name: "str_nonprintable_unicode",
        hex: "b47a65726fe2808b776964746820e280a820efbbbf",
        repr: Some("'zero\\u200bwidth \\u2028 \\ufeff'"),
    },
    Vector {
        name: "bytes_empty",
        hex: "c400",
        repr: Some("b''"),
    },
    Vector {
        name: "bytes",
        hex: "c40a00010262696e617279ff",
        repr: Some("b'\\x00\\x01\\x02binary\\xff'"),
    },
    Vector {
        name: "bytearray",
        hex: "c409627974656172726179",
        repr: Some("b'bytearray'"),
    },
    Vector {
        name: "tuple_empty",
        hex: "90",
        repr: Some("[]"),
    },
    Vector {
        name: "tuple_single",
        hex: "9101",
        repr: Some("[1]"),
    },
    Vector {
        name: "tuple",
        hex: "9301a161c0",
        repr: Some("[1, 'a', None]"),
    },
    Vector {
        name: "list_empty",
        hex: "90",
        repr: Some("[]"),
    },
    Vector {
        name: "list_nested",
        hex: "920192029103",
        repr: Some("[1, [2, [3]]]"),
    },
    Vector {
        name: "set_empty",
        hex: "90",
        repr: Some("[]"),
    },
    Vector {
        name: "set_ints",
        hex: "93010203",
        repr: Some("[1, 2, 3]"),
    },
    Vector {
        name: "dict_empty",
        hex: "80",
        repr: Some("{}"),
    },
    Vector {
        name: "dict",
        hex: "82a16101a16202",
        repr: Some("{'a': 1, 'b': 2}"),
    },
    Vector {
        name: "dict_int_keys",
        hex: "8201a36f6e6502a374776f",
        repr: Some("{1: 'one', 2: 'two'}"),
    },
    Vector {
        name: "dict_tuple_key",
        hex: "81920102a97475706c65206b6579",
        repr: Some("{(1, 2): 'tuple key'}"),
    },
    Vector {
        name: "dict_nested",
        hex: "81a66e657374656482a46c69737493010281a178c0a57475706c6592cb3ff8000000000000c3",
        repr: Some("{'nested': {'list': [1, 2, {'x': None}], 'tuple': [1.5, True]}}"),
    },
    Vector {
        name: "complex",
        hex: "d830000000000000f03f0000000000000040",
        repr: Some("(1+2j)"),
    },
    Vector {
        name: "complex_negimag",
        hex: "d8300000000000000000000000000000f8bf",
        repr: Some("-1.5j"),
    },
    Vector {
        name: "decimal",
        hex: "b6332e3134313539323635333538393739333233383436",
        repr: Some("'3.14159265358979323846'"),
    },
    Vector {
        name: "uuid",
        hex: "d92431323334353637382d313233342d353637382d313233342d353637383132333435363738",
        repr: Some("'12345678-1234-5678-1234-567812345678'"),
    },
    Vector {
        name: "datetime",
        hex: "d7321d736b49df64d941",
        repr: Some("datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)"),
    },
    Vector {
        name: "date",
        hex: "d73347460b0000000000",
        repr: Some("datetime.date(2024, 1, 2)"),
    },
    Vector {
        name: "array_int",
        hex: "93010203",
        repr: Some("[1, 2, 3]"),
    },
    Vector {
        name: "ordereddict",
        hex: "82a17a01a16102",
        repr: Some("{'z': 1, 'a': 2}"),
    },
    Vector {
        name: "exception_valueerror",
        hex: concat!(
            "84a95f5f636c6173735f5fb36275696c74696e732e56616c75654572726f72ad5f5f657863657074696f6e5f",
            "5fc3a46172677391a8616e206572726f72aa6174747269627574657380"
        ),
        repr: None,
    },
    Vector {
        name: "exception_keyerror",
        hex: concat!(
            "84a95f5f636c6173735f5fb16275696c74696e732e4b65794572726f72ad5f5f657863657074696f6e5f5fc3",
            "a46172677391a36b6579aa6174747269627574657380"
        ),
        repr: None,
    },
    Vector {
        name: "exception_with_attrs",
        hex: concat!(
            "84a95f5f636c6173735f5fb36275696c74696e732e56616c75654572726f72ad5f5f657863657074696f6e5f",
            "5fc3a46172677391aa77697468206174747273aa6174747269627574657381a6637573746f6d2a"
        ),
        repr: None,
    },
    Vector {
        name: "exception_pyro_namingerror_tb",
        hex: concat!(
            "84a95f5f636c6173735f5fb85079726f352e6572726f72732e4e616d696e674572726f72ad5f5f6578636570",
            "74696f6e5f5fc3a46172677391ac6e616d696e67206572726f72aa6174747269627574657381ae5f7079726f",
            "54726163656261636b93d92354726163656261636b20286d6f737420726563656e742063616c6c206c617374",
            "293a0aa920206c696e6520320aba4e616d696e674572726f723a206e616d696e67206572726f720a"
        ),
        repr: None,
    },
    Vector {
        name: "exception_wrapper",
        hex: concat!(
            "82a95f5f636c6173735f5fbc5079726f352e636f72652e5f457863657074696f6e57726170706572a9657863",
            "657074696f6e84a95f5f636c6173735f5fb36275696c74696e732e56616c75654572726f72ad5f5f65786365",
            "7074696f6e5f5fc3a46172677391a8696e206261746368aa6174747269627574657380"
        ),
        repr: None,
    },
    Vector {
        name: "uri_pyro",
        hex: concat!(
            "82a95f5f636c6173735f5fae5079726f352e636f72652e555249a5737461746595a45059524fa36f626ac0a9",
            "6c6f63616c686f7374cd270f"
        ),
        repr: None,
    },
    Vector {
        name: "uri_pyroname",
        hex: concat!(
            "82a95f5f636c6173735f5fae5079726f352e636f72652e555249a5737461746595a85059524f4e414d45a973",
            "6f6d652e6e616d65c0c0c0"
        ),
        repr: None,
    },
    Vector {
        name: "uri_pyrometa",
        hex: concat!(
            "82a95f5f636c6173735f5fae5079726f352e636f72652e555249a5737461746595a85059524f4d45544191a5",
            "6d65746131c0c0c0"
        ),
        repr: None,
    },
    Vector {
        name: "uri_unixsock",
        hex: concat!(
            "82a95f5f636c6173735f5fae5079726f352e636f72652e555249a5737461746595a45059524fa36f626aae2f",
            "746d702f7079726f2e736f636bc0c0"
        ),
        repr: None,
    },
    Vector {
        name: "uri_ipv6",
        hex: concat!(
            "82a95f5f636c6173735f5fae5079726f352e636f72652e555249a5737461746595a45059524fa36f626ac0a3",
            "3a3a31cd270f"
        ),
        repr: None,
    },
    Vector {
        name: "proxy",
        hex: concat!(
            "82a95f5f636c6173735f5fb25079726f352e636c69656e742e50726f7879a5737461746596bf5059524f3a73",
            "6f6d652e6f626a656374406c6f63616c686f73743a3939393991a46669726591a46563686f91a461747472a5",
            "68656c6c6fc0"
        ),
        repr: None,
    },
    Vector {
        name: "custom_class",
        hex: concat!(
            "83a46e616d65a57468696e67a66e756d6265722aa95f5f636c6173735f5fb36f626a65637473352e506c6169",
            "6e5468696e67"
        ),
        repr: None,
    },
    Vector {
        name: "echo_str",
        hex: "94af746573742e6563686f736572766572a46563686f91a568656c6c6f80",
        repr: Some("['test.echoserver', 'echo', ['hello'], {}]"),
    },
    Vector {
        name: "no_args",
        hex: "94af746573742e6563686f736572766572a56572726f729080",
        repr: Some("['test.echoserver', 'error', [], {}]"),
    },
    Vector {
        name: "args_kwargs",
        hex: concat!(
            "94a86f626a5f31323334a66d6574686f649401cb4004000000000000a57468726565c082a36b6579a576616c",
            "7565a4666c6167c3"
        ),
        repr: Some(
            "['obj_1234', 'method', [1, 2.5, 'three', None], {'key': 'value', 'flag': True}]",
        ),
    },
    Vector {
        name: "getattr",
        hex: "94af746573742e6563686f736572766572ab5f5f676574617474725f5f91a7766572626f736580",
        repr: Some("['test.echoserver', '__getattr__', ['verbose'], {}]"),
    },
    Vector {
        name: "setattr",
        hex: "94af746573742e6563686f736572766572ab5f5f736574617474725f5f92a7766572626f7365c380",
        repr: Some("['test.echoserver', '__setattr__', ['verbose', True], {}]"),
    },
    Vector {
        name: "daemon_get_metadata",
        hex: "94ab5079726f2e4461656d6f6eac6765745f6d6574616461746191af746573742e6563686f73657276657280",
        repr: Some("['Pyro.Daemon', 'get_metadata', ['test.echoserver'], {}]"),
    },
    Vector {
        name: "daemon_get_next_stream_item",
        hex: concat!(
            "94ab5079726f2e4461656d6f6eb46765745f6e6578745f73747265616d5f6974656d91d92461336634653765",
            "302d316332622d346435652d386639302d31323334353637383961626380"
        ),
        repr: Some(
            "['Pyro.Daemon', 'get_next_stream_item', ['a3f4e7e0-1c2b-4d5e-8f90-123456789abc'], {}]",
        ),
    },
    Vector {
        name: "ns_lookup",
        hex: "94af5079726f2e4e616d65536572766572a66c6f6f6b757091af746573742e6563686f73657276657280",
        repr: Some("['Pyro.NameServer', 'lookup', ['test.echoserver'], {}]"),
    },
    Vector {
        name: "ns_register",
        hex: concat!(
            "94af5079726f2e4e616d65536572766572a8726567697374657294a76d792e6e616d65b75059524f3a6f626a",
            "406c6f63616c686f73743a39393939c291a56d6574613180"
        ),
        repr: Some(
            "['Pyro.NameServer', 'register', ['my.name', 'PYRO:obj@localhost:9999', False, ['meta1']], {}]",
        ),
    },
    Vector {
        name: "batch",
        hex: concat!(
            "94af746573742e6563686f736572766572a73c62617463683e9293a46563686f91018093a46563686f91a374",
            "776f81a17801c0"
        ),
        repr: Some(
            "['test.echoserver', '<batch>', [['echo', [1], {}], ['echo', ['two'], {'x': 1}]], None]",
        ),
    },
];
