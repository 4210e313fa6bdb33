use pyroxene::RemoteException;

#[pyroxene::interface]
pub trait Library {
    async fn get(&self, id: u32) -> Result<String, RemoteException>;
    fn count(&self) -> u32;
    #[oneway]
    fn ping(&self);
}

struct Shelf;

// `count` is missing, `get` takes the wrong type.
#[pyroxene::expose]
impl Library for Shelf {
    async fn get(&self, id: String) -> Result<String, RemoteException> {
        Ok(id)
    }

    fn ping(&self) {}
}

fn main() {}
