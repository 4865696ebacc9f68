//! The command line: `serve` (default), `migrate`, `admin create`, `admin tokens list|create|revoke`,
//! `jobs list|run`, `mail latest`, `backup PATH`, `restore PATH`.

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{self, App};
use crate::auth::tokens::{self, Holder, Issued, TokenName};
use crate::config::Config;
use crate::db::{Db, to_datetime};
use crate::members;
use crate::values::{EmailAddress, PersonName, Role};

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
    /// Read the mail written to the data folder (when no SMTP_URL is set)
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Copy the SQLite database and the mail folder into a new folder PATH while the server
    /// keeps serving (PostgreSQL: use pg_dump)
    Backup {
        /// A folder that does not exist yet
        path: std::path::PathBuf,
    },
    /// Put a backup made by `backup` in place of the configured database and mail folder; the
    /// server must be stopped
    Restore {
        /// The backup's folder
        path: std::path::PathBuf,
        /// Replace an existing database
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub enum MailCommand {
    /// Print the latest mail to an address, decoded: headers, then the plain-text part
    Latest {
        /// The recipient's address
        #[arg(long)]
        to: String,
        /// Only mails with a link to this path carrying a token, e.g. `/verify`, `/sign-in`,
        /// `/invitation`
        #[arg(long)]
        link: Option<String>,
        /// Print only that link
        #[arg(long, conflicts_with = "token")]
        url: bool,
        /// Print only the link's token
        #[arg(long)]
        token: bool,
        /// Wait up to this many seconds for such a mail (mail is sent a moment after the request)
        #[arg(long, default_value_t = 0)]
        wait: u64,
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
        /// What will use the token (shown by `admin tokens list`)
        #[arg(long, default_value = tokens::DEFAULT_NAME)]
        token_name: String,
        /// Days until the token stops working (1–3650); without it, until revoked
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=tokens::MAX_EXPIRY_DAYS))]
        expires_days: Option<i64>,
    },
    /// Staff API tokens: list, issue, revoke
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
}

#[derive(Subcommand)]
pub enum TokensCommand {
    /// List every API token: id, name, account, role, created, expires, last used (never a secret)
    List,
    /// Issue a new API token for an existing staff or admin account and print it, once
    Create {
        #[arg(long)]
        email: String,
        /// What will use the token
        #[arg(long, default_value = tokens::DEFAULT_NAME)]
        name: String,
        /// Days until the token stops working (1–3650); without it, until revoked
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..=tokens::MAX_EXPIRY_DAYS))]
        expires_days: Option<i64>,
    },
    /// Revoke an API token by its id (from `admin tokens list`); it stops working at once
    Revoke { id: String },
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
    let command = cli.command.unwrap_or(Command::Serve);
    // Whatever opens the database holds this until the process ends: no restore meanwhile.
    let _lock = match command {
        Command::Serve
        | Command::Migrate
        | Command::Admin { .. }
        | Command::Jobs {
            command: JobsCommand::Run { .. },
        } => crate::backup::hold_shared(&config)?,
        _ => None,
    };
    match command {
        Command::Serve => app::serve(config).await,
        Command::Backup { path } => {
            let m = crate::backup::backup(&config, &path).await?;
            println!(
                "backup written to {}: the database (schema version {}, {} bytes) and {} mail \
                 files",
                path.display(),
                m.schema_version,
                m.database_bytes,
                m.mail_files
            );
            Ok(())
        }
        Command::Restore { path, force } => {
            let r = crate::backup::restore(&config, &path, force).await?;
            println!(
                "restored {} (taken {}, schema version {}) into {} and {} mail files into {}; \
                 start the server now",
                path.display(),
                r.manifest.created_at,
                r.manifest.schema_version,
                r.database.display(),
                r.mail_files,
                config.outbox_dir().display()
            );
            Ok(())
        }
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
                    token_name,
                    expires_days,
                },
        } => {
            let app = App::new(config).await?;
            let role = match role {
                StaffRole::Staff => Role::Staff,
                StaffRole::Admin => Role::Admin,
            };
            let options = TokenOptions {
                name: token_name,
                expires_days,
            };
            let issued =
                create_staff_with(&app, &email, &first_name, &last_name, role, &options).await?;
            print_issued(&issued);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Tokens { command },
        } => {
            let app = App::new(config).await?;
            match command {
                TokensCommand::List => print!("{}", list_tokens(&app).await?),
                TokensCommand::Create {
                    email,
                    name,
                    expires_days,
                } => {
                    let options = TokenOptions { name, expires_days };
                    print_issued(&create_token(&app, &email, &options).await?);
                }
                TokensCommand::Revoke { id } => {
                    revoke_token(&app, &id).await?;
                    println!("API token {id} revoked");
                }
            }
            Ok(())
        }
        Command::Mail {
            command:
                MailCommand::Latest {
                    to,
                    link,
                    url,
                    token,
                    wait,
                },
        } => {
            if config.smtp_url.is_some() {
                anyhow::bail!(
                    "SMTP_URL is set: mail goes to the SMTP server, not to the data folder"
                );
            }
            let wanted = crate::mail::files::Wanted {
                to: &to,
                link: link.as_deref(),
            };
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait);
            let mail = loop {
                match crate::mail::files::latest(&config.outbox_dir(), &wanted) {
                    Ok(mail) => break mail,
                    Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                }
            };
            let path = link.as_deref().unwrap_or("");
            let out = if url {
                mail.token_link(path)
                    .context("this mail has no link with a token")?
            } else if token {
                mail.token(path)
                    .context("this mail has no link with a token")?
            } else {
                mail.shown()
            };
            println!("{out}");
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

/// The secret on stdout (alone, so scripts can take it), what to do with it on stderr.
fn print_issued(issued: &Issued) {
    println!("{}", issued.secret);
    eprintln!(
        "This API token (id {}, name \"{}\") is shown once. Use it as: Authorization: Bearer <token>",
        issued.id, issued.name
    );
    if let Some(at) = issued.expires_at {
        eprintln!("It stops working at {}.", to_datetime(at).to_rfc3339());
    }
    eprintln!("Revoke it with: admin tokens revoke {}", issued.id);
}

/// How a new API token is named and how long it lasts.
pub struct TokenOptions {
    pub name: String,
    /// None: until revoked.
    pub expires_days: Option<i64>,
}

impl Default for TokenOptions {
    fn default() -> Self {
        TokenOptions {
            name: tokens::DEFAULT_NAME.to_owned(),
            expires_days: None,
        }
    }
}

impl TokenOptions {
    /// The name and validity in milliseconds, validated; errors name the option.
    fn parse(&self, name_option: &str) -> anyhow::Result<(TokenName, Option<i64>)> {
        let name =
            TokenName::parse(&self.name).map_err(|e| anyhow::anyhow!("{name_option} {e}"))?;
        let valid_ms = self
            .expires_days
            .map(|d| tokens::expiry_ms(d).map_err(|e| anyhow::anyhow!("--expires-days {e}")))
            .transpose()?;
        Ok((name, valid_ms))
    }
}

/// Creates or promotes a staff account and issues it an API token named "cli" that lasts until
/// revoked (returned, stored hashed).
pub async fn create_staff(
    app: &App,
    email: &str,
    first_name: &str,
    last_name: &str,
    role: Role,
) -> anyhow::Result<String> {
    let issued = create_staff_with(
        app,
        email,
        first_name,
        last_name,
        role,
        &TokenOptions::default(),
    )
    .await?;
    Ok(issued.secret)
}

/// Creates or promotes a staff account and issues it an API token as `options` say.
pub async fn create_staff_with(
    app: &App,
    email: &str,
    first_name: &str,
    last_name: &str,
    role: Role,
    options: &TokenOptions,
) -> anyhow::Result<Issued> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let first = PersonName::parse(first_name).map_err(|e| anyhow::anyhow!("--first-name {e}"))?;
    let last = PersonName::parse(last_name).map_err(|e| anyhow::anyhow!("--last-name {e}"))?;
    let (name, valid_ms) = options.parse("--token-name")?;
    let mut tx = app.db.begin().await?;
    let account_id = members::create_staff(&mut tx, "cli", &email, &first, &last, role).await?;
    let issued = tokens::issue_in(
        &mut tx,
        "cli",
        &Holder::Id(account_id.clone()),
        &name,
        valid_ms,
    )
    .await
    .map_err(|e| anyhow::anyhow!("--email {email}: {}", cli_message(e)))?;
    tx.commit().await?;
    Ok(issued)
}

/// Issues a new API token to an existing staff or admin account (`admin tokens create`), e.g.
/// to rotate one: issue the new token, deploy it, then revoke the old one.
pub async fn create_token(
    app: &App,
    email: &str,
    options: &TokenOptions,
) -> anyhow::Result<Issued> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let (name, valid_ms) = options.parse("--name")?;
    tokens::issue(app, "cli", &Holder::Email(email.clone()), &name, valid_ms)
        .await
        .map_err(|e| anyhow::anyhow!("--email {email}: {}", cli_message(e)))
}

/// Every API token as a table (`admin tokens list`); never a secret or hash.
pub async fn list_tokens(app: &App) -> anyhow::Result<String> {
    let time = |ms: Option<i64>, none: &str| match ms {
        Some(ms) => to_datetime(ms).format("%Y-%m-%d %H:%M UTC").to_string(),
        None => none.to_owned(),
    };
    let mut rows = vec![[
        "ID".to_owned(),
        "NAME".to_owned(),
        "EMAIL".to_owned(),
        "ROLE".to_owned(),
        "CREATED".to_owned(),
        "EXPIRES".to_owned(),
        "LAST USED".to_owned(),
    ]];
    for t in tokens::list(app).await? {
        rows.push([
            t.id,
            t.name,
            t.email.unwrap_or_else(|| "-".to_owned()),
            t.role,
            time(Some(t.created_at), "-"),
            time(t.expires_at, "never"),
            time(t.last_used_at, "never"),
        ]);
    }
    let mut widths = [0usize; 7];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Revokes an API token by its id (`admin tokens revoke ID`).
pub async fn revoke_token(app: &App, id: &str) -> anyhow::Result<()> {
    let id = uuid::Uuid::parse_str(id.trim())
        .map_err(|_| anyhow::anyhow!("ID must be a token id as `admin tokens list` shows it"))?;
    tokens::revoke(app, "cli", &id.to_string(), "cli")
        .await
        .map_err(|e| match e {
            crate::error::Error::NotFound(_) => anyhow::anyhow!("no API token has the id {id}"),
            e => anyhow::Error::new(e),
        })
}

/// A domain refusal in words for the command line (field errors carry their message).
fn cli_message(e: crate::error::Error) -> String {
    match e {
        crate::error::Error::Invalid(fields) => fields
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>()
            .join("; "),
        e => format!("{e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("limburgers-worldwide").chain(args.iter().copied()))
    }

    #[test]
    fn token_commands_and_options_parse() {
        let create = [
            "admin",
            "create",
            "--email",
            "s@example.org",
            "--first-name",
            "S",
            "--last-name",
            "T",
            "--role",
            "staff",
        ];
        match parse(&create).unwrap().command {
            Some(Command::Admin {
                command:
                    AdminCommand::Create {
                        token_name,
                        expires_days,
                        ..
                    },
            }) => assert_eq!((token_name.as_str(), expires_days), ("cli", None)),
            _ => panic!("admin create"),
        }
        let mut with = create.to_vec();
        with.extend(["--token-name", "door scanner", "--expires-days", "30"]);
        match parse(&with).unwrap().command {
            Some(Command::Admin {
                command:
                    AdminCommand::Create {
                        token_name,
                        expires_days,
                        ..
                    },
            }) => assert_eq!(
                (token_name.as_str(), expires_days),
                ("door scanner", Some(30))
            ),
            _ => panic!("admin create with options"),
        }
        for days in ["0", "3651", "-1", "soon"] {
            let mut bad = create.to_vec();
            bad.extend(["--expires-days", days]);
            assert!(parse(&bad).is_err(), "--expires-days {days}");
        }
        assert!(matches!(
            parse(&["admin", "tokens", "list"]).unwrap().command,
            Some(Command::Admin {
                command: AdminCommand::Tokens {
                    command: TokensCommand::List
                }
            })
        ));
        match parse(&["admin", "tokens", "revoke", "0190-x"])
            .unwrap()
            .command
        {
            Some(Command::Admin {
                command:
                    AdminCommand::Tokens {
                        command: TokensCommand::Revoke { id },
                    },
            }) => assert_eq!(id, "0190-x"),
            _ => panic!("admin tokens revoke"),
        }
        match parse(&["admin", "tokens", "create", "--email", "s@example.org"])
            .unwrap()
            .command
        {
            Some(Command::Admin {
                command:
                    AdminCommand::Tokens {
                        command:
                            TokensCommand::Create {
                                name, expires_days, ..
                            },
                    },
            }) => assert_eq!((name.as_str(), expires_days), ("cli", None)),
            _ => panic!("admin tokens create"),
        }
        assert!(
            parse(&["admin", "tokens", "revoke"]).is_err(),
            "ID required"
        );
        match parse(&["restore", "/backups/x", "--force"])
            .unwrap()
            .command
        {
            Some(Command::Restore { path, force }) => {
                assert_eq!((path.to_str(), force), (Some("/backups/x"), true))
            }
            _ => panic!("restore"),
        }
        assert!(parse(&["backup"]).is_err(), "PATH required");
    }
}
