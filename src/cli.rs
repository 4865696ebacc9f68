//! The command line: `serve` (default), `migrate`, `admin create`, `jobs list|run`.

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{self, App};
use crate::config::Config;
use crate::db::Db;
use crate::members::{self, NewAccount};
use crate::values::{EmailAddress, Language, PersonName, Role};

#[derive(Parser)]
#[command(
    name = "limburgers-worldwide",
    version,
    about = "The community backend of Expat Centre Limburg"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the API, the mail worker and the scheduler (default)
    Serve,
    /// Apply pending migrations and exit
    Migrate,
    /// Manage staff accounts
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Scheduled jobs
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create (or promote) a staff or admin account and print a new API token, once
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long, value_enum)]
        role: StaffRole,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StaffRole {
    Staff,
    Admin,
}

#[derive(Subcommand)]
pub enum JobsCommand {
    /// List the scheduled jobs
    List,
    /// Run one job once, now
    Run { name: String },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => app::serve(config).await,
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            db.close().await;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    first_name,
                    last_name,
                    role,
                },
        } => {
            let app = App::new(config).await?;
            let role = match role {
                StaffRole::Staff => Role::Staff,
                StaffRole::Admin => Role::Admin,
            };
            let token = create_staff(&app, &email, &first_name, &last_name, role).await?;
            println!("{token}");
            eprintln!("This API token is shown once. Use it as: Authorization: Bearer <token>");
            Ok(())
        }
        Command::Jobs {
            command: JobsCommand::List,
        } => {
            for job in crate::jobs::all() {
                println!("{:<28} {:<16} {}", job.name, job.schedule, job.about);
            }
            Ok(())
        }
        Command::Jobs {
            command: JobsCommand::Run { name },
        } => {
            let job = crate::jobs::find(&name)
                .with_context(|| format!("no job named {name}; see `jobs list`"))?;
            let app = App::new(config).await?;
            let summary = (job.run)(app.clone()).await?;
            println!("{}: {summary}", job.name);
            Ok(())
        }
    }
}

/// Creates or promotes a staff account and issues it an API token (returned, stored hashed).
pub async fn create_staff(
    app: &App,
    email: &str,
    first_name: &str,
    last_name: &str,
    role: Role,
) -> anyhow::Result<String> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let first = PersonName::parse(first_name).map_err(|e| anyhow::anyhow!("--first-name {e}"))?;
    let last = PersonName::parse(last_name).map_err(|e| anyhow::anyhow!("--last-name {e}"))?;
    let mut tx = app.db.begin().await?;
    let account_id = match members::find_by_email(tx.conn(), &email).await? {
        Some(m) => {
            sqlx::query(
                "UPDATE accounts SET role = $2, status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, \
                 verified_at = COALESCE(verified_at, $3), updated_at = $3 WHERE person_id = $1",
            )
            .bind(&m.id)
            .bind(role.as_str())
            .bind(crate::db::now_ms())
            .execute(tx.conn())
            .await?;
            m.id
        }
        None => {
            let id = members::create_person_in_new_household(&mut tx, &first, &last).await?;
            members::insert_account(
                &mut tx,
                NewAccount {
                    person_id: &id,
                    email: &email,
                    language: Language::En,
                    role,
                    phase: None,
                    country_of_origin: None,
                    municipality: None,
                    employer: None,
                    verified: true,
                },
            )
            .await?;
            id
        }
    };
    let (token, _) =
        crate::auth::issue(&mut tx, &account_id, crate::auth::TokenKind::Api, None).await?;
    crate::audit::record(
        &mut tx,
        "cli",
        "admin.staff_created",
        Some(&account_id),
        Some(serde_json::json!({"role": role.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}
