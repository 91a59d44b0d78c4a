//! `service-registry`: the single binary (web server, migrations, administration commands).

use clap::Parser;

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
