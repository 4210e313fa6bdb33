struct EchoServer;

#[pyroxene::expose(verbose)]
impl EchoServer {
    #[oneway]
    #[getter]
    fn both(&self) -> bool {
        true
    }

    #[skip]
    #[oneway]
    fn skipped(&self) {}

    #[oneway(fast)]
    fn fast(&self) {}

    #[oneway]
    #[oneway]
    fn twice(&self) {}

    #[oneway]
    fn associated() {}

    #[nonblocking]
    async fn already_async(&self) {}
}

fn main() {}
