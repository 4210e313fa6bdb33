struct EchoServer;

#[pyroxene::expose]
impl Default for EchoServer {
    fn default() -> Self {
        EchoServer
    }
}

fn main() {}
