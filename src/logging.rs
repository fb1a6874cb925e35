//! Logging set-up shared by the binaries. Logs go to stderr; `COUNTERSIGN_LOG` takes a
//! `tracing` filter (default: warnings, and the core's own info lines), unless IT's policy
//! sets the level, which then wins. What is logged carries ids and counts only (DESIGN §3.8),
//! so any filter is safe to turn on at a customer's site.

/// Installs the process-wide subscriber. Call once, at start-up; `pinned` is the level IT's
/// policy sets (`error`, `warn`, `info`, `debug`), if any.
pub fn init(pinned: Option<&str>) {
    let filter = match pinned {
        Some(level) => tracing_subscriber::EnvFilter::new(level),
        None => tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
            .unwrap_or_else(|_| "warn,countersign=info".into()),
    };
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(colour).with_env_filter(filter).init();
}
