//! `nexus`: the NEXUS CRM binary. Subcommands: serve, migrate, user create, seed-demo, import,
//! config print-default / show, bench.

mod ai_cli;
mod bench;
mod config;
mod import_cli;
mod seed;
mod server;

use anyhow::Result;

/// mimalloc, also in place of the C library's `malloc` (feature `override`), so that SQLite uses
/// it too: SQLite allocates for every page, B-tree rebalance and full-text term, and the C
/// library's allocator spent about a fifth of a bulk load's time in its own bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use config::{Config, Overrides};

#[derive(Parser)]
#[command(
    name = "nexus",
    version,
    about = "NEXUS CRM: web UI, REST API and real-time events in one binary"
)]
struct Cli {
    #[command(flatten)]
    overrides: Overrides,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Fill the database with realistic demo data.
    SeedDemo(seed::SeedArgs),
    /// Import a CSV file (customers) as an import job, with a progress bar.
    Import(import_cli::ImportArgs),
    /// Show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Drive load against a running server and print throughput and latency.
    Bench(bench::BenchArgs),
    /// Evaluate and benchmark the AI models.
    #[command(subcommand)]
    Ai(ai_cli::AiCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (prints a generated password when none is given).
    Create(server::UserCreateArgs),
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration as TOML.
    PrintDefault,
    /// Print the effective configuration (secrets redacted).
    Show,
}

/// The command line. The configuration flags are global (every command that opens the store or
/// serves reads them); `nexus bench` only talks to a running server over HTTP, so it gets hidden
/// copies of them: clap does not propagate a global flag to a command that has its own, and the
/// help of `bench` leaves them out (they are still accepted there, and ignored).
fn command_line() -> clap::Command {
    let flags = <Overrides as clap::Args>::augment_args(clap::Command::new("overrides"));
    Cli::command().mut_subcommand("bench", |bench| {
        bench.args(flags.get_arguments().map(|a| a.clone().hide(true)))
    })
}

fn main() -> Result<()> {
    let cli = Cli::from_arg_matches(&command_line().get_matches()).unwrap_or_else(|e| e.exit());
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Config(c) = &command {
        match c {
            ConfigCommand::PrintDefault => print!("{}", config::default_toml()?),
            ConfigCommand::Show => print!("{}", Config::load(&cli.overrides)?.to_redacted_toml()?),
        }
        return Ok(());
    }
    if let Command::Ai(c) = command {
        let serve = match c {
            ai_cli::AiCommand::Serve => true,
            ai_cli::AiCommand::Train => false,
            other => return ai_cli::run(other),
        };
        let cfg = Config::load(&cli.overrides)?;
        server::init_tracing(&cfg);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return if serve {
            rt.block_on(server::ai_serve(cfg))
        } else {
            rt.block_on(server::ai_train(cfg))
        };
    }
    if let Command::Bench(args) = command {
        return tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(bench::run(args));
    }
    let cfg = Config::load(&cli.overrides)?;
    server::init_tracing(&cfg);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match command {
            Command::Serve => server::serve(cfg).await,
            Command::Migrate => server::migrate(cfg).await,
            Command::User(UserCommand::Create(args)) => server::create_user(cfg, args).await,
            Command::SeedDemo(args) => {
                let (services, _) = server::open(&cfg).await?;
                // Seeding a new database must not leave it without an administrator.
                if let Some(first) = server::bootstrap(&services, &cfg).await? {
                    eprintln!("\n{first}");
                }
                seed::run(&services, args).await
            }
            Command::Import(args) => {
                let (services, _) = server::open(&cfg).await?;
                if let Some(first) = server::bootstrap(&services, &cfg).await? {
                    eprintln!("\n{first}");
                }
                import_cli::run(&services, cfg.import_config().worker, args).await
            }
            Command::Config(_) | Command::Bench(_) | Command::Ai(_) => Ok(()),
        }
    })
}
