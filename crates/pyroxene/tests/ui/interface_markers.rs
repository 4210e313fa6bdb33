#[pyroxene::interface]
pub trait Library {
    #[oneway]
    fn ping(&self) -> bool;

    #[getter]
    fn title(&self, extra: u32) -> String;

    #[setter(title)]
    fn set_title(&self, value: String) -> bool;

    #[oneway]
    #[getter]
    fn both(&self);
}

fn main() {}
