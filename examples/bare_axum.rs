//! The baseline of `scripts/bench/run`: a bare axum server on the same machine, answering `hello` at `/`
//! with none of our layers. Our paths are measured as a share of what this one answers in the same run.
//!
//!   cargo run --release --example bare_axum -- 127.0.0.1:8001

use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8001".into());
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
