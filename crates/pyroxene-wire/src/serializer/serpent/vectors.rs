//! Serpent byte vectors captured from the real Python libraries (serpent 1.43, Pyro4 4.82,
//! Pyro5 5.17 on CPython 3.11): `(name, bytes as text)`.

/// `Pyro5.serializers.SerpentSerializer().dumps(value)` for the shared test values.
pub(super) const PYRO5_VALUES: &[(&str, &str)] = &[
    ("none", "# serpent utf-8 python3.2\nNone"),
    ("true", "# serpent utf-8 python3.2\nTrue"),
    ("false", "# serpent utf-8 python3.2\nFalse"),
    ("int_zero", "# serpent utf-8 python3.2\n0"),
    ("int_small", "# serpent utf-8 python3.2\n42"),
    ("int_negative", "# serpent utf-8 python3.2\n-1"),
    ("int_2pow31", "# serpent utf-8 python3.2\n2147483648"),
    (
        "int_i64_max",
        "# serpent utf-8 python3.2\n9223372036854775807",
    ),
    (
        "int_2pow64",
        "# serpent utf-8 python3.2\n18446744073709551616",
    ),
    (
        "int_big_negative",
        "# serpent utf-8 python3.2\n-1267650600228229401496703205376",
    ),
    ("float", "# serpent utf-8 python3.2\n3.14"),
    ("float_one", "# serpent utf-8 python3.2\n1.0"),
    ("float_negzero", "# serpent utf-8 python3.2\n-0.0"),
    ("float_big", "# serpent utf-8 python3.2\n1e+300"),
    ("float_small", "# serpent utf-8 python3.2\n5e-324"),
    ("float_inf", "# serpent utf-8 python3.2\n1e30000"),
    ("float_neginf", "# serpent utf-8 python3.2\n-1e30000"),
    (
        "float_nan",
        "# serpent utf-8 python3.2\n{'__class__':'float','value':'nan'}",
    ),
    ("str_empty", "# serpent utf-8 python3.2\n''"),
    ("str", "# serpent utf-8 python3.2\n'hello'"),
    ("str_single_quote", "# serpent utf-8 python3.2\n\"it's\""),
    (
        "str_double_quote",
        "# serpent utf-8 python3.2\n'say \"hi\"'",
    ),
    (
        "str_both_quotes",
        "# serpent utf-8 python3.2\n'it\\'s \"quoted\"'",
    ),
    ("str_unicode", "# serpent utf-8 python3.2\n'unicode é€☃ 😀'"),
    (
        "str_control_chars",
        "# serpent utf-8 python3.2\n'ctrl \\x00\\x01\\t\\n\\r\\\\ end'",
    ),
    (
        "str_nonprintable_unicode",
        "# serpent utf-8 python3.2\n'zero\\u200bwidth \\u2028 \\ufeff'",
    ),
    (
        "bytes_empty",
        "# serpent utf-8 python3.2\n{'data': '', 'encoding': 'base64'}",
    ),
    (
        "bytes",
        "# serpent utf-8 python3.2\n{'data': 'AAECYmluYXJ5/w==', 'encoding': 'base64'}",
    ),
    (
        "bytearray",
        "# serpent utf-8 python3.2\n{'data': 'Ynl0ZWFycmF5', 'encoding': 'base64'}",
    ),
    ("tuple_empty", "# serpent utf-8 python3.2\n()"),
    ("tuple_single", "# serpent utf-8 python3.2\n(1,)"),
    ("tuple", "# serpent utf-8 python3.2\n(1,'a',None)"),
    ("list_empty", "# serpent utf-8 python3.2\n[]"),
    ("list_nested", "# serpent utf-8 python3.2\n[1,[2,[3]]]"),
    ("set_empty", "# serpent utf-8 python3.2\n()"),
    ("set_ints", "# serpent utf-8 python3.2\n{1,2,3}"),
    ("frozenset", "# serpent utf-8 python3.2\n{'a'}"),
    ("dict_empty", "# serpent utf-8 python3.2\n{}"),
    ("dict", "# serpent utf-8 python3.2\n{'a':1,'b':2}"),
    (
        "dict_int_keys",
        "# serpent utf-8 python3.2\n{1:'one',2:'two'}",
    ),
    (
        "dict_tuple_key",
        "# serpent utf-8 python3.2\n{(1,2):'tuple key'}",
    ),
    (
        "dict_nested",
        "# serpent utf-8 python3.2\n{'nested':{'list':[1,2,{'x':None}],'tuple':(1.5,True)}}",
    ),
    ("complex", "# serpent utf-8 python3.2\n(1.0+2.0j)"),
    ("complex_negimag", "# serpent utf-8 python3.2\n(0.0-1.5j)"),
    (
        "decimal",
        "# serpent utf-8 python3.2\n'3.14159265358979323846'",
    ),
    (
        "uuid",
        "# serpent utf-8 python3.2\n'12345678-1234-5678-1234-567812345678'",
    ),
    (
        "datetime",
        "# serpent utf-8 python3.2\n'2024-01-02T03:04:05.678901'",
    ),
    (
        "datetime_tz",
        "# serpent utf-8 python3.2\n'2024-01-02T03:04:05+00:00'",
    ),
    ("date", "# serpent utf-8 python3.2\n'2024-01-02'"),
    ("time", "# serpent utf-8 python3.2\n'13:14:15'"),
    ("timedelta", "# serpent utf-8 python3.2\n86402.5"),
    ("array_int", "# serpent utf-8 python3.2\n[1,2,3]"),
    (
        "ordereddict",
        "# serpent utf-8 python3.2\n{'__class__':'collections.OrderedDict','items':[('z',1),('a',2)]}",
    ),
    ("enum", "# serpent utf-8 python3.2\n'green'"),
    (
        "exception_valueerror",
        "# serpent utf-8 python3.2\n{'__class__':'builtins.ValueError','__exception__':True,'args':('an error',),'attributes':{}}",
    ),
    (
        "exception_keyerror",
        "# serpent utf-8 python3.2\n{'__class__':'builtins.KeyError','__exception__':True,'args':('key',),'attributes':{}}",
    ),
    (
        "exception_with_attrs",
        "# serpent utf-8 python3.2\n{'__class__':'builtins.ValueError','__exception__':True,'args':('with attrs',),'attributes':{'custom':42}}",
    ),
    (
        "exception_pyro_namingerror_tb",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.errors.NamingError','__exception__':True,'args':('naming error',),'attributes':{'_pyroTraceback':['Traceback (most recent call last):\\n','  line 2\\n','NamingError: naming error\\n']}}",
    ),
    (
        "exception_wrapper",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.core._ExceptionWrapper','exception':{'__class__':'builtins.ValueError','__exception__':True,'args':('in batch',),'attributes':{}}}",
    ),
    (
        "uri_pyro",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.core.URI','state':('PYRO','obj',None,'localhost',9999)}",
    ),
    (
        "uri_pyroname",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.core.URI','state':('PYRONAME','some.name',None,None,None)}",
    ),
    (
        "uri_pyrometa",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.core.URI','state':('PYROMETA',{'meta1'},None,None,None)}",
    ),
    (
        "uri_unixsock",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.core.URI','state':('PYRO','obj','/tmp/pyro.sock',None,None)}",
    ),
    (
        "uri_ipv6",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.core.URI','state':('PYRO','obj',None,'::1',9999)}",
    ),
    (
        "proxy",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro5.client.Proxy','state':('PYRO:some.object@localhost:9999',('fire',),('echo',),('attr',),'hello',None)}",
    ),
    (
        "custom_class",
        "# serpent utf-8 python3.2\n{'name':'thing','number':42,'__class__':'objects5.PlainThing'}",
    ),
];

/// The Pyro4 vectors that differ from Pyro5's (class names only).
pub(super) const PYRO4_VALUES: &[(&str, &str)] = &[
    (
        "exception_pyro_namingerror_tb",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.errors.NamingError','__exception__':True,'args':('naming error',),'attributes':{'_pyroTraceback':['Traceback (most recent call last):\\n','  line 2\\n','NamingError: naming error\\n']}}",
    ),
    (
        "exception_wrapper",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.futures._ExceptionWrapper','exception':{'__class__':'builtins.ValueError','__exception__':True,'args':('in batch',),'attributes':{}}}",
    ),
    (
        "uri_pyro",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.core.URI','state':('PYRO','obj',None,'localhost',9999)}",
    ),
    (
        "uri_pyroname",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.core.URI','state':('PYRONAME','some.name',None,None,None)}",
    ),
    (
        "uri_pyrometa",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.core.URI','state':('PYROMETA',{'meta1'},None,None,None)}",
    ),
    (
        "uri_unixsock",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.core.URI','state':('PYRO','obj','/tmp/pyro.sock',None,None)}",
    ),
    (
        "uri_ipv6",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.core.URI','state':('PYRO','obj',None,'::1',9999)}",
    ),
    (
        "proxy",
        "# serpent utf-8 python3.2\n{'__class__':'Pyro4.core.Proxy','state':('PYRO:some.object@localhost:9999',('fire',),('echo',),('attr',),0.0,None,'hello',0,None)}",
    ),
];

/// `dumpsCall(object, method, vargs, kwargs)`: INVOKE payloads (same in Pyro4 and Pyro5).
pub(super) const CALLS: &[(&str, &str)] = &[
    (
        "echo_str",
        "# serpent utf-8 python3.2\n('test.echoserver','echo',('hello',),{})",
    ),
    (
        "no_args",
        "# serpent utf-8 python3.2\n('test.echoserver','error',(),{})",
    ),
    (
        "args_kwargs",
        "# serpent utf-8 python3.2\n('obj_1234','method',(1,2.5,'three',None),{'key':'value','flag':True})",
    ),
    (
        "getattr",
        "# serpent utf-8 python3.2\n('test.echoserver','__getattr__',('verbose',),{})",
    ),
    (
        "setattr",
        "# serpent utf-8 python3.2\n('test.echoserver','__setattr__',('verbose',True),{})",
    ),
    (
        "daemon_get_metadata",
        "# serpent utf-8 python3.2\n('Pyro.Daemon','get_metadata',['test.echoserver'],{})",
    ),
    (
        "daemon_get_next_stream_item",
        "# serpent utf-8 python3.2\n('Pyro.Daemon','get_next_stream_item',['a3f4e7e0-1c2b-4d5e-8f90-123456789abc'],{})",
    ),
    (
        "ns_lookup",
        "# serpent utf-8 python3.2\n('Pyro.NameServer','lookup',('test.echoserver',),{})",
    ),
    (
        "ns_register",
        "# serpent utf-8 python3.2\n('Pyro.NameServer','register',('my.name','PYRO:obj@localhost:9999',False,{'meta1'}),{})",
    ),
    (
        "batch",
        "# serpent utf-8 python3.2\n('test.echoserver','<batch>',[('echo',(1,),{}),('echo',('two',),{'x':1})],None)",
    ),
];

/// `serpent.dumps(value, module_in_classname=True, bytes_repr=True)`.
pub(super) const BYTES_REPR: &[(&str, &str)] = &[
    (
        "bytes",
        "# serpent utf-8 python3.2\nb'\\x00\\x01\\x02binary\\xff\\'\"'",
    ),
    ("bytes_empty", "# serpent utf-8 python3.2\nb''"),
    ("bytearray", "# serpent utf-8 python3.2\nb'ba'"),
    ("nested", "# serpent utf-8 python3.2\n{'data':b'\\x80abc'}"),
];
