struct EchoServer;

#[pyroxene::expose]
impl EchoServer {
    #[setter]
    fn set_verbose(&self, _value: bool) {}

    #[getter]
    fn verbose(&self, _extra: i64) -> bool {
        true
    }

    #[setter(level)]
    fn set_level(&self) {}

    #[setter("name")]
    fn set_name(&self, _value: String) {}

    #[getter]
    fn _hidden(&self) -> bool {
        true
    }

    #[getter(echo)]
    fn get_echo(&self) -> bool {
        true
    }

    fn echo(&self) {}
}

fn main() {}
