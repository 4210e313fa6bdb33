//! pickle decoder: a stack machine over the opcodes of protocols 2-5 building an arena of
//! containers (so memo entries share them, as Python's objects are shared), then one iterative
//! pass turning the result into a [`Value`].

use std::collections::HashMap;

use bytes::Bytes;
use num_bigint::BigInt;

use super::{Known, known_global};
use crate::value::PyTimeZone;
use crate::value::{KeyBudget, check_hashable_within};
use crate::{Dict, Error, ErrorKind, MAX_DEPTH, Result, Set, Value};

/// What one value copied through the memo or materialized costs, on top of its str/bytes size.
const VALUE_COST: usize = 32;
const BUDGET_BASE: usize = 64 << 20;
const BUDGET_PER_BYTE: usize = 64;

/// A stack or memo entry.
#[derive(Debug, Clone)]
pub(super) enum Item {
    /// A finished scalar.
    Val(Value),
    /// A container (or object) in the arena.
    Node(usize),
    /// A class named by GLOBAL / STACK_GLOBAL.
    Global(Known, Box<str>),
    /// MARK (only ever on the stack).
    Mark,
    /// A `datetime.timedelta` or `datetime.timezone`: only meaningful as a datetime's or
    /// time's tzinfo (a Value has no such type of its own).
    Tz(TzPart),
}

#[derive(Debug, Clone)]
pub(super) enum TzPart {
    /// A timedelta, in microseconds.
    Delta(i64),
    Zone(PyTimeZone),
}

/// A container; mutable ones are filled after they were pushed (and maybe memoized).
#[derive(Debug)]
enum Node {
    List(Vec<Item>),
    Tuple(Vec<Item>),
    /// A set, or a frozenset (`true`).
    Set(bool, Vec<Item>),
    Dict(Vec<(Item, Item)>),
    /// An exception object: class, REDUCE args, BUILD state.
    Exception(Box<str>, Item, Option<Item>),
    /// A `Pyro4.core` object: class, BUILD state.
    Object(Box<str>, Option<Item>),
    /// A `uuid.UUID` (or, `true`, a `msgpack.ext.Timestamp`): its BUILD state.
    Slots(bool, Option<Item>),
}

impl Node {
    fn children(&self) -> Vec<&Item> {
        match self {
            Node::List(items) | Node::Tuple(items) | Node::Set(_, items) => items.iter().collect(),
            Node::Dict(pairs) => pairs.iter().flat_map(|(k, v)| [k, v]).collect(),
            Node::Exception(_, args, state) => std::iter::once(args).chain(state).collect(),
            Node::Object(_, state) | Node::Slots(_, state) => state.iter().collect(),
        }
    }
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Item>,
    /// Where each MARK sits on the stack.
    marks: Vec<usize>,
    memo: HashMap<u32, Item>,
    arena: Vec<Node>,
    budget: usize,
    /// What hashing nested set elements and dict keys may still cost ([`key_work_budget`]).
    key_budget: KeyBudget,
}

pub(super) fn decode(data: &[u8], cap: usize) -> Result<Value> {
    let mut m = Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        arena: Vec::new(),
        budget: BUDGET_BASE
            .saturating_add(data.len().saturating_mul(BUDGET_PER_BYTE))
            .min(cap),
        key_budget: KeyBudget::new(data.len(), cap),
    };
    let top = m.run()?;
    m.materialize(top)
}

fn unsupported(at: usize, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Unsupported, format!("pickle data holds {what}")).at(at)
}

fn bad(at: usize, what: &str) -> Error {
    Error::syntax(at, format!("invalid pickle data ({what})"))
}

impl Machine<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        let Some(end) = end else {
            return Err(Error::truncated(self.data.len()));
        };
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A length field of `width` bytes (little-endian), checked against the input left.
    fn len(&mut self, width: usize) -> Result<usize> {
        let raw = self.take(width)?;
        let n = raw
            .iter()
            .rev()
            .fold(0u64, |acc, b| acc << 8 | u64::from(*b));
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.data.len() - self.pos)
            .ok_or_else(|| Error::truncated(self.data.len()))
    }

    fn pop(&mut self, at: usize) -> Result<Item> {
        match self.stack.pop() {
            Some(Item::Mark) | None => Err(bad(at, "stack underflow")),
            Some(item) => Ok(item),
        }
    }

    /// The items above the last MARK, which is removed.
    fn pop_mark(&mut self, at: usize) -> Result<Vec<Item>> {
        let mark = self.marks.pop().ok_or_else(|| bad(at, "no MARK"))?;
        // Always true: a MARK can only leave the stack through here.
        if mark >= self.stack.len() {
            return Err(bad(at, "no MARK"));
        }
        let items = self.stack.split_off(mark + 1);
        self.stack.pop(); // the MARK itself
        Ok(items)
    }

    fn push_node(&mut self, node: Node) {
        self.arena.push(node);
        self.stack.push(Item::Node(self.arena.len() - 1));
    }

    fn charge(&mut self, at: usize, cost: usize) -> Result<()> {
        self.budget = self.budget.checked_sub(cost).ok_or_else(|| {
            Error::new(ErrorKind::TooLarge, "pickle memo copies exceed the budget").at(at)
        })?;
        Ok(())
    }

    /// A copy of `item` (memo fetch, DUP): containers are shared, scalars copied and charged.
    fn copy(&mut self, at: usize, item: &Item) -> Result<Item> {
        if let Item::Val(v) = item {
            let size = match v {
                Value::Str(s) => s.len(),
                Value::Bytes(b) => b.len(),
                _ => 0,
            };
            self.charge(at, VALUE_COST + size)?;
        }
        Ok(item.clone())
    }

    fn top_node(&mut self, at: usize) -> Result<&mut Node> {
        match self.stack.last() {
            Some(Item::Node(i)) => {
                let i = *i;
                self.arena
                    .get_mut(i)
                    .ok_or_else(|| bad(at, "dangling node"))
            }
            _ => Err(bad(at, "no container to fill")),
        }
    }

    /// Runs the opcodes up to STOP; the value left on the stack.
    fn run(&mut self) -> Result<Item> {
        loop {
            let at = self.pos;
            let [op] = self.array::<1>()?;
            match op {
                b'.' => {
                    let top = self.pop(at)?;
                    return if self.stack.is_empty() {
                        Ok(top)
                    } else {
                        Err(bad(at, "stack not empty at STOP"))
                    };
                }
                0x80 => {
                    let [proto] = self.array::<1>()?;
                    if proto > 5 {
                        return Err(bad(at, &format!("unsupported pickle protocol: {proto}")));
                    }
                }
                0x95 => {
                    self.take(8)?; // FRAME: a size hint only
                }
                b'(' => {
                    if self.marks.len() >= MAX_DEPTH {
                        return Err(Error::too_deep(at));
                    }
                    self.marks.push(self.stack.len());
                    self.stack.push(Item::Mark);
                }
                b'0' => {
                    if self.stack.last().is_some_and(|i| matches!(i, Item::Mark)) {
                        self.pop_mark(at)?;
                    } else {
                        self.pop(at)?;
                    }
                }
                b'1' => {
                    self.pop_mark(at)?;
                }
                b'2' => {
                    let top = self
                        .stack
                        .last()
                        .cloned()
                        .ok_or_else(|| bad(at, "stack underflow"))?;
                    if matches!(top, Item::Mark) {
                        return Err(bad(at, "DUP of a MARK"));
                    }
                    let copy = self.copy(at, &top)?;
                    self.stack.push(copy);
                }
                b'N' => self.stack.push(Item::Val(Value::None)),
                0x88 => self.stack.push(Item::Val(Value::Bool(true))),
                0x89 => self.stack.push(Item::Val(Value::Bool(false))),
                b'J' => {
                    let n = i32::from_le_bytes(self.array()?);
                    self.stack.push(Item::Val(Value::Int(n.into())));
                }
                b'K' => {
                    let [n] = self.array::<1>()?;
                    self.stack.push(Item::Val(Value::Int(n.into())));
                }
                b'M' => {
                    let n = u16::from_le_bytes(self.array()?);
                    self.stack.push(Item::Val(Value::Int(n.into())));
                }
                0x8a | 0x8b => {
                    let n = if op == 0x8a {
                        self.len(1)?
                    } else {
                        self.long4_len(at)?
                    };
                    let digits = self.take(n)?;
                    let v = Value::from_bigint(BigInt::from_signed_bytes_le(digits));
                    self.stack.push(Item::Val(v));
                }
                b'G' => {
                    let f = f64::from_be_bytes(self.array()?);
                    self.stack.push(Item::Val(Value::Float(f)));
                }
                0x8c | b'X' | 0x8d => {
                    let n = self.len(match op {
                        0x8c => 1,
                        b'X' => 4,
                        _ => 8,
                    })?;
                    let raw = self.take(n)?;
                    let s = decode_utf8(raw).map_err(|_| bad(at, "invalid UTF-8 in a str"))?;
                    self.stack.push(Item::Val(Value::Str(s)));
                }
                b'U' | b'T' => {
                    // A Python 2 str: pickle.loads' default decodes it as ASCII.
                    let n = if op == b'U' {
                        self.len(1)?
                    } else {
                        self.long4_len(at)?
                    };
                    let raw = self.take(n)?;
                    if !raw.is_ascii() {
                        return Err(bad(at, "non-ASCII Python 2 str"));
                    }
                    let s = String::from_utf8_lossy(raw).into_owned();
                    self.stack.push(Item::Val(Value::Str(s)));
                }
                b'C' | b'B' | 0x8e | 0x96 => {
                    let n = self.len(match op {
                        b'C' => 1,
                        b'B' => 4,
                        _ => 8,
                    })?;
                    let raw = Bytes::copy_from_slice(self.take(n)?);
                    self.stack.push(Item::Val(Value::Bytes(raw)));
                }
                b')' => self.push_node(Node::Tuple(Vec::new())),
                0x85..=0x87 => {
                    let n = usize::from(op - 0x84);
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop(at)?);
                    }
                    items.reverse();
                    self.push_node(Node::Tuple(items));
                }
                b't' => {
                    let items = self.pop_mark(at)?;
                    self.push_node(Node::Tuple(items));
                }
                b']' => self.push_node(Node::List(Vec::new())),
                b'l' => {
                    let items = self.pop_mark(at)?;
                    self.push_node(Node::List(items));
                }
                b'}' => self.push_node(Node::Dict(Vec::new())),
                b'd' => {
                    let items = self.pop_mark(at)?;
                    let pairs = pairs(at, items)?;
                    self.push_node(Node::Dict(pairs));
                }
                0x8f => self.push_node(Node::Set(false, Vec::new())),
                0x91 => {
                    let items = self.pop_mark(at)?;
                    self.push_node(Node::Set(true, items));
                }
                b'a' => {
                    let item = self.pop(at)?;
                    match self.top_node(at)? {
                        Node::List(items) => items.push(item),
                        _ => return Err(bad(at, "APPEND to a non-list")),
                    }
                }
                b'e' | 0x90 => {
                    let new = self.pop_mark(at)?;
                    match (op, self.top_node(at)?) {
                        (b'e', Node::List(items)) | (0x90, Node::Set(false, items)) => {
                            items.extend(new)
                        }
                        _ => return Err(bad(at, "APPENDS/ADDITEMS to the wrong container")),
                    }
                }
                b's' => {
                    let value = self.pop(at)?;
                    let key = self.pop(at)?;
                    match self.top_node(at)? {
                        Node::Dict(d) => d.push((key, value)),
                        _ => return Err(bad(at, "SETITEM on a non-dict")),
                    }
                }
                b'u' => {
                    let items = self.pop_mark(at)?;
                    let new = pairs(at, items)?;
                    match self.top_node(at)? {
                        Node::Dict(d) => d.extend(new),
                        _ => return Err(bad(at, "SETITEMS on a non-dict")),
                    }
                }
                b'q' | b'r' | 0x94 => {
                    let key = match op {
                        b'q' => u32::from(self.array::<1>()?[0]),
                        b'r' => u32::from_le_bytes(self.array()?),
                        _ => u32::try_from(self.memo.len()).map_err(|_| bad(at, "memo full"))?,
                    };
                    let top = self
                        .stack
                        .last()
                        .cloned()
                        .ok_or_else(|| bad(at, "stack underflow"))?;
                    if matches!(top, Item::Mark) {
                        return Err(bad(at, "memoizing a MARK"));
                    }
                    let copy = self.copy(at, &top)?;
                    self.memo.insert(key, copy);
                }
                b'h' | b'j' => {
                    let key = if op == b'h' {
                        u32::from(self.array::<1>()?[0])
                    } else {
                        u32::from_le_bytes(self.array()?)
                    };
                    let item = self
                        .memo
                        .get(&key)
                        .cloned()
                        .ok_or_else(|| bad(at, "memo key not found"))?;
                    let copy = self.copy(at, &item)?;
                    self.stack.push(copy);
                }
                b'c' => {
                    let module = self.line(at)?;
                    let name = self.line(at)?;
                    let global = resolve(at, &module, &name)?;
                    self.stack.push(global);
                }
                0x93 => {
                    let name = self.pop(at)?;
                    let module = self.pop(at)?;
                    let (Item::Val(Value::Str(module)), Item::Val(Value::Str(name))) =
                        (module, name)
                    else {
                        return Err(bad(at, "STACK_GLOBAL needs two str"));
                    };
                    let global = resolve(at, &module, &name)?;
                    self.stack.push(global);
                }
                b'R' | 0x81 => {
                    let args = self.pop(at)?;
                    let Item::Global(known, class) = self.pop(at)? else {
                        return Err(bad(at, "REDUCE/NEWOBJ of a non-class"));
                    };
                    let item = self.call(at, op == 0x81, known, class, args)?;
                    self.stack.push(item);
                }
                b'b' => {
                    let state = self.pop(at)?;
                    match self.top_node(at)? {
                        Node::Exception(_, _, slot)
                        | Node::Object(_, slot)
                        | Node::Slots(_, slot) => *slot = Some(state),
                        _ => return Err(bad(at, "BUILD on a plain value")),
                    }
                }
                other => {
                    return Err(unsupported(
                        at,
                        format!(
                            "opcode 0x{other:02x}, which the plain-data subset of protocols 2-5 does not use"
                        ),
                    ));
                }
            }
        }
    }

    /// A LONG4 / BINSTRING length: a signed 32-bit count.
    fn long4_len(&mut self, at: usize) -> Result<usize> {
        let n = i32::from_le_bytes(self.array()?);
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= self.data.len() - self.pos)
            .ok_or_else(|| {
                if n < 0 {
                    bad(at, "negative length")
                } else {
                    Error::truncated(self.data.len())
                }
            })
    }

    /// A newline-terminated ASCII line (GLOBAL's operands).
    fn line(&mut self, at: usize) -> Result<String> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| Error::truncated(self.data.len()))?;
        let line = &rest[..n];
        if !line.is_ascii() {
            return Err(bad(at, "non-ASCII global name"));
        }
        self.pos += n + 1;
        Ok(String::from_utf8_lossy(line).into_owned())
    }

    /// REDUCE (or NEWOBJ) of an allowed class.
    fn call(
        &mut self,
        at: usize,
        newobj: bool,
        known: Known,
        class: Box<str>,
        args: Item,
    ) -> Result<Item> {
        let wrong = || bad(at, "unexpected arguments for the class");
        if known == Known::PyroObject {
            return if newobj {
                self.arena.push(Node::Object(class, None));
                Ok(Item::Node(self.arena.len() - 1))
            } else {
                Err(wrong())
            };
        }
        if known == Known::Exception {
            self.arena.push(Node::Exception(class, args, None));
            return Ok(Item::Node(self.arena.len() - 1));
        }
        if matches!(known, Known::Uuid | Known::Timestamp) {
            return if newobj {
                self.arena
                    .push(Node::Slots(known == Known::Timestamp, None));
                Ok(Item::Node(self.arena.len() - 1))
            } else {
                Err(wrong())
            };
        }
        if matches!(
            known,
            Known::DateTime
                | Known::Date
                | Known::Time
                | Known::TimeZone
                | Known::TimeDelta
                | Known::Decimal
        ) {
            let items = match &args {
                Item::Node(i) => match self.arena.get(*i) {
                    Some(Node::Tuple(items)) => items.clone(),
                    _ => return Err(wrong()),
                },
                _ => return Err(wrong()),
            };
            return super::datetime::reduce(known, &items).map_err(|e| match e {
                Some(e) => e.at(at),
                None => wrong(),
            });
        }
        let args = self.materialize(args)?;
        let Value::Tuple(args) = args else {
            return Err(wrong());
        };
        let value = match (known, args.as_slice()) {
            (Known::Complex, []) => Value::Complex { re: 0.0, im: 0.0 },
            (Known::Complex, [re]) => Value::Complex {
                re: real(re).ok_or_else(wrong)?,
                im: 0.0,
            },
            (Known::Complex, [re, im]) => Value::Complex {
                re: real(re).ok_or_else(wrong)?,
                im: real(im).ok_or_else(wrong)?,
            },
            (Known::Set, []) => Value::new_set(),
            (Known::FrozenSet, []) => Value::FrozenSet(Box::default()),
            (Known::Set | Known::FrozenSet, [Value::List(items) | Value::Tuple(items)]) => {
                let mut set = Set::default();
                for item in items {
                    let cost = check_hashable_within(item, at, &self.key_budget)?;
                    charge_keys(&mut self.key_budget, at, cost)?;
                    set.insert(item.clone());
                }
                if known == Known::FrozenSet {
                    Value::FrozenSet(Box::new(set))
                } else {
                    Value::Set(Box::new(set))
                }
            }
            (Known::ExtType, [code, Value::Bytes(data)]) => Value::Ext {
                code: code
                    .as_i64()
                    .and_then(|c| i8::try_from(c).ok())
                    .ok_or_else(wrong)?,
                data: data.clone(),
            },
            (Known::Bytes, []) => Value::Bytes(Bytes::new()),
            (Known::Bytes, [Value::Bytes(b)]) => Value::Bytes(b.clone()),
            // Protocol 2 bytes: `_codecs.encode(str, 'latin1')` (or bytearray(str, 'latin-1')).
            (Known::Bytes, [Value::Str(s), Value::Str(enc)])
                if matches!(enc.as_str(), "latin1" | "latin-1") =>
            {
                let raw: Option<Vec<u8>> = s.chars().map(|c| u8::try_from(c).ok()).collect();
                Value::Bytes(raw.ok_or_else(wrong)?.into())
            }
            _ => return Err(wrong()),
        };
        Ok(Item::Val(value))
    }

    /// The finished value of `item`, built without recursion; each node built is charged.
    fn materialize(&mut self, item: Item) -> Result<Value> {
        enum Work {
            Enter(Item, usize),
            Exit(usize),
        }
        let mut on_path = vec![false; self.arena.len()];
        let mut work = vec![Work::Enter(item, 0)];
        let mut done: Vec<Value> = Vec::new();
        let at = self.pos;
        while let Some(w) = work.pop() {
            match w {
                Work::Enter(Item::Val(v), _) => {
                    let size = match &v {
                        Value::Str(s) => s.len(),
                        Value::Bytes(b) => b.len(),
                        _ => 0,
                    };
                    self.charge(at, VALUE_COST + size)?;
                    done.push(v);
                }
                Work::Enter(Item::Node(i), depth) => {
                    if depth >= MAX_DEPTH {
                        return Err(Error::too_deep(at));
                    }
                    if on_path[i] {
                        return Err(unsupported(at, "a recursive structure"));
                    }
                    on_path[i] = true;
                    self.charge(at, VALUE_COST)?;
                    work.push(Work::Exit(i));
                    for child in self.arena[i].children().into_iter().rev() {
                        work.push(Work::Enter(child.clone(), depth + 1));
                    }
                }
                Work::Enter(Item::Global(_, class), _) => {
                    return Err(unsupported(at, format!("the class {class} as a value")));
                }
                Work::Enter(Item::Mark, _) => return Err(bad(at, "MARK in a container")),
                Work::Enter(Item::Tz(_), _) => {
                    return Err(unsupported(
                        at,
                        "a datetime.timedelta or timezone outside a datetime or time (no Value has that type)",
                    ));
                }
                Work::Exit(i) => {
                    on_path[i] = false;
                    let node = &self.arena[i];
                    let n = node.children().len();
                    let items = done.split_off(done.len() - n);
                    done.push(finish(at, node, items, &mut self.key_budget)?);
                }
            }
        }
        done.pop().ok_or_else(|| bad(at, "empty"))
    }
}

/// GLOBAL's class, if it is one the table allows.
fn resolve(at: usize, module: &str, name: &str) -> Result<Item> {
    match known_global(module, name) {
        Some((known, class)) => Ok(Item::Global(known, class.into())),
        None => Err(unsupported(
            at,
            format!("the global {module}.{name}, which is not allowed"),
        )),
    }
}

fn pairs(at: usize, items: Vec<Item>) -> Result<Vec<(Item, Item)>> {
    if !items.len().is_multiple_of(2) {
        return Err(bad(at, "odd number of items for a dict"));
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    Ok(out)
}

fn real(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// A str's bytes: UTF-8, with the surrogates CPython writes with `surrogatepass` replaced by
/// U+FFFD (a Rust string can't hold them).
fn decode_utf8(raw: &[u8]) -> std::result::Result<String, ()> {
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s.to_owned()),
        Err(_)
            if raw
                .windows(3)
                .any(|w| w[0] == 0xed && (0xa0..=0xbf).contains(&w[1])) =>
        {
            Ok(String::from_utf8_lossy(raw).into_owned())
        }
        Err(_) => Err(()),
    }
}

/// A node's value from its children's values (in [`Node::children`] order).
/// Charges hashing a nested set element or dict key ([`check_hashable`]'s cost), which nested
/// frozensets make quadratic.
fn charge_keys(budget: &mut KeyBudget, at: usize, cost: usize) -> Result<()> {
    budget.charge(cost).ok_or_else(|| {
        Error::new(
            ErrorKind::TooLarge,
            "pickle set elements or dict keys nest too deep to hash within the budget",
        )
        .at(at)
    })?;
    Ok(())
}

fn finish(at: usize, node: &Node, items: Vec<Value>, key_budget: &mut KeyBudget) -> Result<Value> {
    Ok(match node {
        Node::List(_) => Value::List(items),
        Node::Tuple(_) => Value::Tuple(items),
        Node::Set(frozen, _) => {
            let mut set = Set::default();
            for item in items {
                let cost = check_hashable_within(&item, at, key_budget)?;
                charge_keys(key_budget, at, cost)?;
                set.insert(item);
            }
            if *frozen {
                Value::FrozenSet(Box::new(set))
            } else {
                Value::Set(Box::new(set))
            }
        }
        Node::Slots(false, _) => super::datetime::uuid_from_state(items.into_iter().next())
            .ok_or_else(|| bad(at, "UUID state is not {'int': n[, 'is_safe': s]}"))?,
        Node::Slots(true, _) => super::datetime::timestamp_from_state(items.into_iter().next())
            .ok_or_else(|| {
                bad(
                    at,
                    "Timestamp state is not (None, {'seconds': s, 'nanoseconds': n})",
                )
            })?,
        Node::Dict(_) => {
            let mut dict = Dict::default();
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                let cost = check_hashable_within(&k, at, key_budget)?;
                charge_keys(key_budget, at, cost)?;
                dict.insert(k, v);
            }
            Value::Dict(Box::new(dict))
        }
        Node::Exception(class, _, _) => {
            let mut it = items.into_iter();
            let args = match it.next() {
                Some(Value::Tuple(args)) => args,
                _ => return Err(bad(at, "exception arguments are not a tuple")),
            };
            let attributes = match it.next() {
                None | Some(Value::None) => Value::new_dict(),
                Some(d @ Value::Dict(_)) => d,
                // (dict, slots) as `__reduce_ex__` gives for classes with __slots__.
                Some(Value::Tuple(t)) if matches!(t.first(), Some(Value::Dict(_))) => t[0].clone(),
                Some(_) => return Err(bad(at, "exception state is not a dict")),
            };
            crate::dict! {
                "__class__" => class.as_ref(),
                "__exception__" => true,
                "args" => Value::Tuple(args),
                "attributes" => attributes,
            }
        }
        // The dialect's batch-error shape: {'__class__': ..., 'exception': {exception dict}}.
        Node::Object(class, _)
            if class.as_ref()
                == crate::dialect::exception_wrapper_class(crate::ProtocolVersion::V4) =>
        {
            let exception = match items.into_iter().next() {
                Some(Value::Dict(mut state)) if state.len() == 1 => state
                    .shift_remove(&Value::from("exception"))
                    .ok_or_else(|| bad(at, "_ExceptionWrapper state without 'exception'"))?,
                _ => return Err(bad(at, "_ExceptionWrapper state is not {'exception': ...}")),
            };
            crate::dict! { "__class__" => class.as_ref(), "exception" => exception }
        }
        Node::Object(class, _) => crate::dict! {
            "__class__" => class.as_ref(),
            "state" => items.into_iter().next().unwrap_or(Value::None),
        },
    })
}
