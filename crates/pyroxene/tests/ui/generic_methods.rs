struct EchoServer;

#[pyroxene::expose]
impl EchoServer {
    fn generic<T: Into<i64>>(&self, _value: T) {}

    fn impl_trait(&self, _value: impl Into<i64>) {}

    fn constant<const N: usize>(&self) {}

    fn borrowed(&self, _text: &str) {}

    fn pattern(&self, (_a, _b): (i64, i64)) {}
}

fn main() {}
