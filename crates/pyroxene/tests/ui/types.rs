struct EchoServer;

struct NotData;

#[pyroxene::expose]
impl EchoServer {
    fn takes(&self, _value: NotData) {}

    fn gives(&self) -> NotData {
        NotData
    }

    fn fails(&self) -> Result<(), NotData> {
        Ok(())
    }
}

fn main() {}
