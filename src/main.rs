//! `service-registry`: the single binary (web server, migrations, administration commands).

use clap::Parser;

/// mimalloc instead of the system allocator: fewer instructions per allocation and less memory held
/// under load (docs/performance.md); `--no-default-features` builds with the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // `.env` is optional; real environment variables win over it.
    let _ = dotenvy::dotenv();
    let cli = service_registry::cli::Cli::parse();
    match service_registry::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
