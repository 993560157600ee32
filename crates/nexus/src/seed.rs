//! `nexus seed-demo`: realistic demo data (being written).

use anyhow::Result;
use nexus_core::services::Services;

#[derive(clap::Args)]
pub struct SeedArgs {
    /// Number of customers to create.
    #[arg(long, default_value_t = 1000)]
    pub customers: usize,
}

pub async fn run(_services: &Services, _args: SeedArgs) -> Result<()> {
    anyhow::bail!("seed-demo is not available yet")
}
