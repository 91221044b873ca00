//! `approvals`: serve the API, or run one of the operator commands (README.md, "Command line").

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Settings from a `.env` file in the working directory, when there is one; variables
    // already set in the environment win.
    let _ = dotenvy::dotenv();
    let cli = api::cli::Cli::parse();
    api::base::telemetry::init(&cli.global.log_level, cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(api::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
