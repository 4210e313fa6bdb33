use std::rc::Rc;

struct EchoServer;

#[pyroxene::expose]
impl EchoServer {
    async fn not_send(&self) {
        let cell = Rc::new(1);
        std::future::ready(()).await;
        drop(cell);
    }

    fn fine(&self) {}
}

fn main() {}
