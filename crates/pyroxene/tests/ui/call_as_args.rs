async fn calls(proxy: pyroxene::Proxy) -> pyroxene::Result<()> {
    let _: i64 = proxy.call_as("sum", vec![1, 2, 3]).await?;
    let _: i64 = proxy.call_as("now", None::<i64>).await?;
    let _: i64 = proxy.call_as("add", 5).await?;
    // What compiles: a tuple per argument list.
    let _: i64 = proxy.call_as("sum", (vec![1, 2, 3],)).await?;
    Ok(())
}

fn main() {
    let _ = calls;
}
