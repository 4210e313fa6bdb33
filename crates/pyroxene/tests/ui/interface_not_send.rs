use std::rc::Rc;

#[pyroxene::interface]
pub trait Library {
    async fn get(&self, id: u32) -> u32;
}

struct Shelf;

#[pyroxene::expose]
impl Library for Shelf {
    async fn get(&self, id: u32) -> u32 {
        let cell = Rc::new(id);
        std::future::ready(()).await;
        *cell
    }
}

fn main() {}
