use std::sync::Arc;

#[pyroxene::interface]
pub trait Generic<T> {
    fn get(&self) -> u32;
}

#[pyroxene::interface]
pub trait Library {
    type Item;
    const LIMIT: u32;

    fn generic<T: Into<u32>>(&self, value: T);
    fn by_mut(&mut self);
    fn by_value(self);
    fn by_arc(self: Arc<Self>);
    fn constructor() -> Self;
    fn borrowed(&self, text: &str);
    fn impl_trait(&self, value: impl Into<u32>);
    fn pattern(&self, _: u32);
    fn _private(&self);

    #[skip]
    fn skipped(&self);

    #[nonblocking]
    fn quick(&self);

    fn proxy(&self) -> String;
}

fn main() {}
