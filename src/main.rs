use clap::Parser as _;
use limburgers_worldwide::cli::{self, Cli};
use limburgers_worldwide::config::{Config, LogFormat};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            // tokio-cron-scheduler and poem's server narrate their start at info.
            .unwrap_or_else(|_| "info,sqlx=warn,tokio_cron_scheduler=warn,poem::server=warn".into())
    };
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(filter())
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        // One object per line: the event's fields at the top level, the request's (id, method,
        // path, account) under "span".
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .with_env_filter(filter())
            .with_target(false)
            .init(),
    }
    let config_format = config.log_format;
    match cli::run(cli, config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "stopped with an error");
            // A JSON log has it already; a person at a terminal reads it here too.
            if config_format == LogFormat::Text {
                eprintln!("error: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
