//! `Display for Value` = Python's `repr()`.

use std::fmt;

use super::Value;
use crate::repr;

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_repr(&mut out, self, 0);
        f.write_str(&out)
    }
}

fn write_repr(out: &mut String, v: &Value, depth: usize) {
    if depth > crate::MAX_DEPTH {
        // Python prints '...' for recursive containers; for absurd depth we do the same
        // instead of overflowing the stack.
        out.push_str("...");
        return;
    }
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::BigInt(b) => out.push_str(&b.to_string()),
        Value::Float(x) => repr::write_float_repr(out, *x),
        Value::Complex { re, im } => repr::write_complex_repr(out, *re, *im),
        Value::Str(s) => repr::write_str_repr(out, s),
        Value::Bytes(b) => repr::write_bytes_repr(out, b),
        Value::List(items) => {
            out.push('[');
            write_items(out, items.iter(), depth);
            out.push(']');
        }
        Value::Tuple(items) => {
            out.push('(');
            write_items(out, items.iter(), depth);
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => {
            out.push('{');
            write_items(out, items.iter(), depth);
            out.push('}');
        }
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, v)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, k, depth + 1);
                out.push_str(": ");
                write_repr(out, v, depth + 1);
            }
            out.push('}');
        }
    }
}

fn write_items<'a>(out: &mut String, items: impl Iterator<Item = &'a Value>, depth: usize) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_repr(out, item, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Value, dict, list, set, tuple};

    #[test]
    fn repr_like_python() {
        let v = dict! {
            "nested" => dict! { "list" => list![1, 2, dict! { "x" => Value::None }], "tuple" => tuple![1.5, true] },
        };
        assert_eq!(
            v.to_string(),
            "{'nested': {'list': [1, 2, {'x': None}], 'tuple': (1.5, True)}}"
        );
        assert_eq!(tuple![1].to_string(), "(1,)");
        assert_eq!(Value::Tuple(vec![]).to_string(), "()");
        assert_eq!(Value::new_set().to_string(), "set()");
        assert_eq!(set![1, 2].to_string(), "{1, 2}");
        assert_eq!(
            Value::Bytes(b"\x00ab'".to_vec().into()).to_string(),
            "b\"\\x00ab'\""
        );
        assert_eq!(Value::Complex { re: 1.0, im: 2.0 }.to_string(), "(1+2j)");
        assert_eq!(Value::Float(f64::NEG_INFINITY).to_string(), "-inf");
    }
}
