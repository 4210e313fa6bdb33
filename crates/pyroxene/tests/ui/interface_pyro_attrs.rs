#[pyroxene::interface]
pub trait Library {
    #[pyro(nmae = "listBooks")]
    fn misspelled(&self);

    #[pyro(name = 3)]
    fn not_a_string(&self);

    #[pyro(name = "list-books")]
    fn not_an_identifier(&self);

    #[pyro(kw)]
    fn kw_on_a_method(&self);

    #[pyro]
    fn bare(&self);

    #[getter]
    #[pyro(name = "Title")]
    fn title(&self) -> String;

    #[pyro(name = "_hidden")]
    fn private_python_name(&self);

    #[pyro(name = "find")]
    fn find_one(&self, #[pyro(kw)] limit: Option<u32>, text: String);

    #[pyro(name = "find")]
    fn find_two(&self);
}

struct Counter;

#[pyroxene::expose]
impl Counter {
    fn add(&self, #[pyro(kw)] n: i64) -> i64 {
        n
    }
}

fn main() {}
