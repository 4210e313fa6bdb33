use pyroxene::RemoteException;

#[pyroxene::interface]
pub trait Library {
    async fn get(&self, id: u32) -> Result<String, RemoteException>;
}

async fn client(lib: LibraryProxy) -> pyroxene::Result<()> {
    let _: String = lib.get("seven").await?;
    let _: String = lib.gett(7).await?;
    let _: u32 = lib.get(7).await?;
    Ok(())
}

fn main() {
    let _ = client;
}
