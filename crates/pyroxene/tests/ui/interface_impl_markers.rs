#[pyroxene::interface]
pub trait Library {
    fn ping(&self);
    async fn get(&self, id: u32) -> u32;
}

struct Shelf;

// The remote interface is the trait's: markers on the impl are mistakes, except
// `#[nonblocking]` on a sync method.
#[pyroxene::expose]
impl Library for Shelf {
    #[oneway]
    #[pyro(name = "Ping")]
    fn ping(&self) {}

    #[nonblocking]
    async fn get(&self, id: u32) -> u32 {
        id
    }
}

fn main() {}
