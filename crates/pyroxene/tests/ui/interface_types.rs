struct NotData;

#[derive(Debug)]
struct LibraryError;

#[pyroxene::interface]
pub trait Library {
    fn takes(&self, value: NotData);
    fn gives(&self) -> NotData;
    fn fails(&self) -> Result<u32, LibraryError>;
    fn streams(&self) -> pyroxene::ItemStream<NotData>;
}

fn main() {}
