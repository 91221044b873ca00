//! Writes the OpenAPI document generated from the handlers to `openapi/openapi.json`
//! (`cargo run -p openapi`), or checks that the committed file is current (`-- --check`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let generated = api::openapi::render();
    let check = std::env::args().any(|arg| arg == "--check");
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == generated {
            println!("{} is current", path.display());
            return ExitCode::SUCCESS;
        }
        eprintln!("{} is stale: run `cargo run -p openapi`", path.display());
        return ExitCode::FAILURE;
    }
    match std::fs::write(&path, generated) {
        Ok(()) => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: writing {}: {error}", path.display());
            ExitCode::FAILURE
        }
    }
}
