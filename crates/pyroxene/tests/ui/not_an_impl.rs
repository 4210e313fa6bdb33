#[pyroxene::expose]
struct EchoServer {
    verbose: bool,
}

#[pyroxene::expose]
fn echo() {}

fn main() {}
