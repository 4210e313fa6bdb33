use std::sync::Arc;

struct EchoServer;

#[pyroxene::expose]
impl EchoServer {
    fn by_value(self) {}

    fn by_mut(&mut self) {}

    fn by_arc(self: Arc<Self>) {}

    // Not exposed, so any receiver is fine:
    #[skip]
    fn skipped(&mut self) {}
    fn _private(self) {}
}

fn main() {}
