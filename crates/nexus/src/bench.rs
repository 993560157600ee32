//! `nexus bench`: load generator (being written).

use anyhow::Result;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
}

pub async fn run(_args: BenchArgs) -> Result<()> {
    anyhow::bail!("bench is not available yet")
}
