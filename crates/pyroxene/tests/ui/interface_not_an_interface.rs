/// A plain trait, not declared with `#[pyroxene::interface]`.
pub trait Greeter {
    fn greet(&self) -> String;
}

struct Friendly;

#[pyroxene::expose]
impl Greeter for Friendly {
    fn greet(&self) -> String {
        "hello".into()
    }
}

fn main() {}
