//! `countersign-sim`: run the Graph API simulator, or play simulated customers against a
//! Countersign webhook endpoint. For demos and tests only.

use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use countersign_sim::customers::{demo_script, run_script};
use countersign_sim::{GraphSim, SimConfig, WebhookTarget};

#[derive(Parser)]
#[command(name = "countersign-sim", about = "Local stand-in for the WhatsApp Cloud API and for customers")]
enum Cli {
    /// Serve the Graph API send endpoint and record what it receives (GET /sim/received).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: SocketAddr,
        /// The phone-number id to accept sends for.
        #[arg(long)]
        phone_number_id: String,
        /// Read the access token to require from standard input.
        #[arg(long, required = true)]
        access_token_stdin: bool,
    },
    /// Play the demo customers against a webhook URL.
    Customers {
        /// Countersign's webhook URL.
        #[arg(long)]
        target: String,
        /// The business phone-number id.
        #[arg(long)]
        phone_number_id: String,
        /// Read the app secret from standard input.
        #[arg(long, required = true)]
        app_secret_stdin: bool,
        /// Milliseconds between messages.
        #[arg(long, default_value_t = 3000)]
        interval_ms: u64,
    },
}

fn read_secret() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read standard input")?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(!secret.is_empty(), "expected the secret on standard input");
    Ok(secret)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter("info").init();
    match Cli::parse() {
        Cli::Serve { listen, phone_number_id, .. } => {
            let access_token = read_secret()?;
            let sim = GraphSim::start(SimConfig { phone_number_id, access_token }, listen).await?;
            println!("Graph API simulator on {}", sim.base_url());
            tokio::signal::ctrl_c().await?;
        }
        Cli::Customers { target, phone_number_id, interval_ms, .. } => {
            let app_secret = read_secret()?;
            let target = WebhookTarget {
                url: target,
                app_secret,
                phone_number_id,
                display_phone_number: "15550001000".to_owned(),
            };
            // Without the Graph simulator in this process, the photo names a file it does not
            // hold, and the simulator does not learn these customers' windows (it takes them
            // to be open).
            run_script(target, demo_script(None), Duration::from_millis(interval_ms), 1, None).await;
        }
    }
    Ok(())
}
