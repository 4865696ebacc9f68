//! Members: sign-up with double opt-in, profiles, the staff's member register, and the privacy
//! rights (export, erasure). A member is a person with an account; the account id is the person
//! id. Every member belongs to exactly one household (see `households`).
//!
//! Invariants: an account's `email_key` is unique among accounts that are not erased; an account
//! is `pending` until its address is confirmed; an erased account keeps no personal data, only
//! ids that keep past counts right.

pub mod api;
pub mod email_change;
pub mod requests;
pub mod search;

use serde_json::json;

use crate::app::App;
use crate::audit;
use crate::auth::{self, TokenKind, VERIFY_HOURS};
use crate::db::{Tx, flag, new_id, now_ms};
use crate::error::{Error, Result};
use crate::mail::{self, Mail};
use crate::values::{
    AccountStatus, CountryCode, EmailAddress, Language, PersonName, Phase, Relation, Role,
    ShortText,
};

/// A sign-up as validated at the edge. It carries no consent: consent is given by whoever
/// proves the address, when they confirm it ([`verify`]).
pub struct SignUp {
    pub email: EmailAddress,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub language: Language,
    pub country_of_origin: Option<CountryCode>,
    pub municipality: Option<ShortText>,
    pub employer: Option<ShortText>,
    pub phase: Option<Phase>,
}

/// An optional field left empty is absent.
fn filled(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.trim().is_empty())
}

/// A sign-up as typed, in the API's body or the website's form, before it is checked.
pub struct SignUpInput<'a> {
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub language: Language,
    pub country_of_origin: Option<&'a str>,
    pub municipality: Option<&'a str>,
    pub employer: Option<&'a str>,
    pub phase: Option<Phase>,
    /// The privacy notice was acknowledged.
    pub privacy_policy: bool,
}

impl SignUpInput<'_> {
    /// The sign-up, or every field that is wrong (`consent.privacy_policy` when not ticked).
    pub fn parse(&self) -> Result<SignUp> {
        let mut f = crate::error::Fields::default();
        let email = f.check("email", EmailAddress::parse(self.email));
        let first_name = f.check("first_name", PersonName::parse(self.first_name));
        let last_name = f.check("last_name", PersonName::parse(self.last_name));
        let country = f.check_opt(
            "country_of_origin",
            filled(self.country_of_origin),
            CountryCode::parse,
        );
        let municipality = f.check_opt("municipality", filled(self.municipality), ShortText::parse);
        let employer = f.check_opt("employer", filled(self.employer), ShortText::parse);
        if !self.privacy_policy {
            f.add(
                "consent.privacy_policy",
                "must be true: the privacy policy must be accepted to join",
            );
        }
        f.finish()?;
        Ok(SignUp {
            email: crate::checked!(email),
            first_name: crate::checked!(first_name),
            last_name: crate::checked!(last_name),
            language: self.language,
            country_of_origin: country,
            municipality,
            employer,
            phase: self.phase,
        })
    }
}

/// A member's account and person, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language: String,
    pub role: String,
    pub status: String,
    pub phase: Option<String>,
    pub country_of_origin: Option<String>,
    pub municipality: Option<String>,
    pub employer: Option<String>,
    pub directory_visible: i64,
    pub household_id: String,
    pub relation: String,
    pub created_at: i64,
    pub verified_at: Option<i64>,
}

pub(crate) const MEMBER_COLUMNS: &str = "a.person_id AS id, a.email, p.first_name, p.last_name, a.language, \
    a.role, a.status, a.phase, a.country_of_origin, a.municipality, a.employer, \
    a.directory_visible, p.household_id, p.relation, a.created_at, a.verified_at";

pub async fn find(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    account_id: &str,
) -> Result<Option<MemberRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.person_id = $1"
    )))
    .bind(account_id)
    .fetch_optional(exec)
    .await?)
}

pub async fn get(app: &App, account_id: &str) -> Result<MemberRow> {
    find(&app.db.read, account_id)
        .await?
        .ok_or(Error::NotFound("member"))
}

impl MemberRow {
    pub fn language(&self) -> Language {
        self.language.parse().unwrap_or(Language::En)
    }

    pub fn email_address(&self) -> Option<EmailAddress> {
        self.email
            .as_deref()
            .and_then(|e| EmailAddress::parse(e).ok())
    }

    pub fn full_name(&self) -> String {
        [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Records a consent given or withdrawn, with when and through what.
pub async fn record_consent(
    tx: &mut Tx,
    account_id: &str,
    kind: &str,
    granted: bool,
    source: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO consents (id, account_id, kind, granted, at, source) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(account_id)
    .bind(kind)
    .bind(flag(granted))
    .bind(now_ms())
    .bind(source)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Creates a household with one person in it; answers the person id.
pub async fn create_person_in_new_household(
    tx: &mut Tx,
    first_name: &PersonName,
    last_name: &PersonName,
) -> Result<String> {
    let now = now_ms();
    let household_id = new_id();
    let person_id = new_id();
    sqlx::query("INSERT INTO households (id, created_at) VALUES ($1, $2)")
        .bind(&household_id)
        .bind(now)
        .execute(tx.conn())
        .await?;
    insert_person(
        tx,
        &person_id,
        &household_id,
        Relation::Primary,
        first_name,
        last_name,
    )
    .await?;
    Ok(person_id)
}

pub async fn insert_person(
    tx: &mut Tx,
    person_id: &str,
    household_id: &str,
    relation: Relation,
    first_name: &PersonName,
    last_name: &PersonName,
) -> Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO people (id, household_id, relation, first_name, last_name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(person_id)
    .bind(household_id)
    .bind(relation.as_str())
    .bind(first_name.as_str())
    .bind(last_name.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The account row of a new member. `verified` accounts (e.g. an accepted invitation, whose
/// link proved the mailbox) are active at once; others wait for confirmation.
pub struct NewAccount<'a> {
    pub person_id: &'a str,
    pub email: &'a EmailAddress,
    pub language: Language,
    pub role: Role,
    pub phase: Option<Phase>,
    pub country_of_origin: Option<&'a CountryCode>,
    pub municipality: Option<&'a ShortText>,
    pub employer: Option<&'a ShortText>,
    pub verified: bool,
}

pub async fn insert_account(tx: &mut Tx, a: NewAccount<'_>) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let status = if a.verified {
        AccountStatus::Active
    } else {
        AccountStatus::Pending
    };
    sqlx::query(
        "INSERT INTO accounts (person_id, email, email_key, language, role, status, phase, \
         country_of_origin, municipality, employer, directory_visible, verified_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $12)",
    )
    .bind(a.person_id)
    .bind(a.email.as_str())
    .bind(a.email.key())
    .bind(a.language.as_str())
    .bind(a.role.as_str())
    .bind(status.as_str())
    .bind(a.phase.map(Phase::as_str))
    .bind(a.country_of_origin.map(CountryCode::as_str))
    .bind(a.municipality.map(ShortText::as_str))
    .bind(a.employer.map(ShortText::as_str))
    .bind(a.verified.then_some(now))
    .bind(now)
    .execute(tx.conn())
    .await?;
    search::reindex(tx, a.person_id).await
}

pub async fn find_by_email(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    email: &EmailAddress,
) -> Result<Option<MemberRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.email_key = $1"
    )))
    .bind(email.key())
    .fetch_optional(exec)
    .await?)
}

/// Carries out a sign-up, in `tx` (see [`requests`], which answered the caller long before, the
/// same way whatever the address). A new address gets a pending account and a confirmation
/// mail; an address with a pending account has that account's details *replaced* by this
/// sign-up's (a sign-up made earlier by someone else with the address is not kept) and gets a
/// fresh confirmation mail, earlier links no longer working; a member's address gets a notice.
/// At most one confirmation mail or notice a minute goes to an address ([`mail::cooldown`]);
/// a sign-up within that minute changes nothing.
pub(crate) async fn sign_up_in(app: &App, tx: &mut Tx, s: SignUp) -> Result<()> {
    if let Some(existing) = find_by_email(tx.conn(), &s.email).await? {
        return match existing.status.parse::<AccountStatus>() {
            Ok(AccountStatus::Pending) => {
                if mail::cooldown(tx, &s.email, "verification").await? {
                    replace_pending(tx, &existing.id, &s).await?;
                    send_verification(
                        app,
                        tx,
                        &existing.id,
                        &s.email,
                        s.language,
                        s.first_name.as_str(),
                    )
                    .await?;
                }
                Ok(())
            }
            _ => notify_existing(app, tx, &existing).await,
        };
    }
    if !mail::cooldown(tx, &s.email, "verification").await? {
        return Ok(());
    }
    let person_id = create_person_in_new_household(tx, &s.first_name, &s.last_name).await?;
    insert_account(
        tx,
        NewAccount {
            person_id: &person_id,
            email: &s.email,
            language: s.language,
            role: Role::Member,
            phase: s.phase,
            country_of_origin: s.country_of_origin.as_ref(),
            municipality: s.municipality.as_ref(),
            employer: s.employer.as_ref(),
            verified: false,
        },
    )
    .await?;
    send_verification(
        app,
        tx,
        &person_id,
        &s.email,
        s.language,
        s.first_name.as_str(),
    )
    .await?;
    audit::record(tx, &person_id, "member.signed_up", Some(&person_id), None).await?;
    Ok(())
}

/// Gives a pending account the details of a newer sign-up, and makes its earlier confirmation
/// links stop working: only the latest sign-up for an address can become the account.
async fn replace_pending(tx: &mut Tx, account_id: &str, s: &SignUp) -> Result<()> {
    let now = now_ms();
    sqlx::query("UPDATE people SET first_name = $2, last_name = $3, updated_at = $4 WHERE id = $1")
        .bind(account_id)
        .bind(s.first_name.as_str())
        .bind(s.last_name.as_str())
        .bind(now)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "UPDATE accounts SET language = $2, phase = $3, country_of_origin = $4, municipality = $5, \
         employer = $6, updated_at = $7 WHERE person_id = $1 AND status = 'pending'",
    )
    .bind(account_id)
    .bind(s.language.as_str())
    .bind(s.phase.map(Phase::as_str))
    .bind(s.country_of_origin.as_ref().map(CountryCode::as_str))
    .bind(s.municipality.as_ref().map(ShortText::as_str))
    .bind(s.employer.as_ref().map(ShortText::as_str))
    .bind(now)
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM tokens WHERE account_id = $1 AND kind = 'verify'")
        .bind(account_id)
        .execute(tx.conn())
        .await?;
    search::reindex(tx, account_id).await?;
    audit::record(
        tx,
        account_id,
        "member.sign_up_replaced",
        Some(account_id),
        None,
    )
    .await?;
    Ok(())
}

/// The notice an address that already has an account gets when somebody signs up with it.
async fn notify_existing(app: &App, tx: &mut Tx, existing: &MemberRow) -> Result<()> {
    let Some(email) = existing.email_address() else {
        return Ok(());
    };
    if !matches!(
        existing.status.parse::<AccountStatus>(),
        Ok(AccountStatus::Active | AccountStatus::Alumni)
    ) || !mail::cooldown(tx, &email, "account_exists").await?
    {
        return Ok(());
    }
    mail::enqueue(
        tx,
        &app.templates,
        &app.config,
        Mail {
            kind: "account_exists",
            to: &email,
            language: existing.language(),
            account_id: Some(&existing.id),
            context: json!({
                "first_name": existing.first_name.clone().unwrap_or_default(),
                "sign_in_link": app.config.link("/sign-in"),
            }),
            idempotency_key: format!("account_exists:{}", new_id()),
        },
    )
    .await
}

pub async fn send_verification(
    app: &App,
    tx: &mut Tx,
    account_id: &str,
    email: &EmailAddress,
    language: Language,
    first_name: &str,
) -> Result<()> {
    let (secret, _) = auth::issue(
        tx,
        account_id,
        TokenKind::Verify,
        Some(VERIFY_HOURS * 3600 * 1000),
    )
    .await?;
    mail::enqueue(
        tx,
        &app.templates,
        &app.config,
        Mail {
            kind: "verification",
            to: email,
            language,
            account_id: Some(account_id),
            context: json!({
                "first_name": first_name,
                "link": app.config.link(&format!("/verify?token={secret}&lang={}", language.as_str())),
                "valid_hours": VERIFY_HOURS,
            }),
            idempotency_key: format!("verification:{}", auth::hash_secret(&secret)),
        },
    )
    .await
}

/// The one refusal of a join without the privacy policy (verification, invitation).
pub fn privacy_policy_required() -> Error {
    Error::field(
        "consent.privacy_policy",
        "must be true: the privacy policy must be accepted to join",
    )
}

/// What the person who confirms an address consents to, in their own words (the sign-up that
/// created the pending account may have been made by somebody else).
pub struct Verification {
    /// Must be true: nobody joins without accepting the privacy policy.
    pub privacy_policy: bool,
    /// The community newsletter.
    pub newsletter: bool,
}

/// Follows a verification link: the account becomes active and is signed in. The consents are
/// recorded now, from the person who proved the address, never from the sign-up.
pub async fn verify(app: &App, secret: &str, consent: Verification) -> Result<(String, i64)> {
    if !consent.privacy_policy {
        return Err(privacy_policy_required());
    }
    let mut tx = app.db.begin().await?;
    let account_id = auth::redeem(&mut tx, secret, TokenKind::Verify).await?;
    let now = now_ms();
    let activated = sqlx::query(
        "UPDATE accounts SET status = 'active', verified_at = $2, updated_at = $2 \
         WHERE person_id = $1 AND status = 'pending'",
    )
    .bind(&account_id)
    .bind(now)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if activated == 0 {
        // Already active (a second verification link) is fine; erased is not.
        let member = find(tx.conn(), &account_id)
            .await?
            .ok_or(Error::NotFound("member"))?;
        if member.status == AccountStatus::Erased.as_str() {
            return Err(Error::Gone("this account no longer exists".into()));
        }
    } else {
        record_consent(&mut tx, &account_id, "privacy_policy", true, "verification").await?;
        if consent.newsletter {
            crate::newsletter::request_at_sign_up(&mut tx, &account_id, "community").await?;
            crate::newsletter::confirm_sign_up_requests(&mut tx, &account_id, "verification")
                .await?;
        }
        audit::record(
            &mut tx,
            &account_id,
            "member.verified",
            Some(&account_id),
            None,
        )
        .await?;
    }
    let session = auth::session(&mut tx, &account_id).await?;
    tx.commit().await?;
    Ok(session)
}

/// An optional field's change: absent leaves it, empty clears it, anything else must parse.
fn optional<T>(
    f: &mut crate::error::Fields,
    name: &str,
    value: Option<Option<&str>>,
    parse: impl FnOnce(&str) -> std::result::Result<T, crate::values::Invalid>,
) -> Option<Option<T>> {
    value.map(|v| filled(v).and_then(|v| f.check(name, parse(v))))
}

/// A profile change as typed, in the API's body or the site's form, before it is checked. For
/// each field `None` leaves it as it is; for an optional one `Some(None)` or an empty text
/// clears it.
#[derive(Default)]
pub struct ProfileInput<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub language: Option<Language>,
    pub phase: Option<Option<Phase>>,
    pub country_of_origin: Option<Option<&'a str>>,
    pub municipality: Option<Option<&'a str>>,
    pub employer: Option<Option<&'a str>>,
    pub directory_visible: Option<bool>,
}

impl ProfileInput<'_> {
    /// The change, or every field that is wrong.
    pub fn parse(&self) -> Result<ProfileChange> {
        let mut f = crate::error::Fields::default();
        let change = ProfileChange {
            first_name: f.check_opt("first_name", self.first_name, PersonName::parse),
            last_name: f.check_opt("last_name", self.last_name, PersonName::parse),
            language: self.language,
            phase: self.phase,
            country_of_origin: optional(
                &mut f,
                "country_of_origin",
                self.country_of_origin,
                CountryCode::parse,
            ),
            municipality: optional(&mut f, "municipality", self.municipality, ShortText::parse),
            employer: optional(&mut f, "employer", self.employer, ShortText::parse),
            directory_visible: self.directory_visible,
            role: None,
        };
        f.finish()?;
        Ok(change)
    }
}

/// Profile fields a member (or staff, for them) may change. `None` leaves a field as it is;
/// `Some(None)` clears an optional one.
#[derive(Default)]
pub struct ProfileChange {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub language: Option<Language>,
    pub phase: Option<Option<Phase>>,
    pub country_of_origin: Option<Option<CountryCode>>,
    pub municipality: Option<Option<ShortText>>,
    pub employer: Option<Option<ShortText>>,
    pub directory_visible: Option<bool>,
    pub role: Option<Role>,
}

pub async fn update_profile(
    app: &App,
    actor: &str,
    account_id: &str,
    c: ProfileChange,
) -> Result<MemberRow> {
    let mut tx = app.db.begin().await?;
    let current = find(tx.conn(), account_id)
        .await?
        .filter(|m| m.status != AccountStatus::Erased.as_str())
        .ok_or(Error::NotFound("member"))?;
    let now = now_ms();
    let first = c
        .first_name
        .map(PersonName::into_string)
        .or(current.first_name);
    let last = c
        .last_name
        .map(PersonName::into_string)
        .or(current.last_name);
    sqlx::query("UPDATE people SET first_name = $2, last_name = $3, updated_at = $4 WHERE id = $1")
        .bind(account_id)
        .bind(first)
        .bind(last)
        .bind(now)
        .execute(tx.conn())
        .await?;
    search::reindex(&mut tx, account_id).await?;
    let text = |v: Option<Option<ShortText>>, old: Option<String>| match v {
        Some(new) => new.map(ShortText::into_string),
        None => old,
    };
    let phase = match c.phase {
        Some(p) => p.map(|p| p.as_str().to_owned()),
        None => current.phase,
    };
    let country = match c.country_of_origin {
        Some(cc) => cc.map(|c| c.as_str().to_owned()),
        None => current.country_of_origin,
    };
    // Listing somebody in the directory takes their own consent: nobody else may switch it on.
    if c.directory_visible == Some(true) && actor != account_id {
        return Err(Error::field(
            "directory_visible",
            "only the member can choose to be listed in the directory",
        ));
    }
    if let Some(visible) = c.directory_visible {
        let source = if actor == account_id {
            "profile"
        } else {
            "staff"
        };
        crate::alumni::set_directory(&mut tx, account_id, visible, None, source).await?;
    }
    sqlx::query(
        "UPDATE accounts SET language = $2, phase = $3, country_of_origin = $4, municipality = $5, \
         employer = $6, role = $7, updated_at = $8 WHERE person_id = $1",
    )
    .bind(account_id)
    .bind(
        c.language
            .map(|l| l.as_str().to_owned())
            .unwrap_or(current.language),
    )
    .bind(phase)
    .bind(country)
    .bind(text(c.municipality, current.municipality))
    .bind(text(c.employer, current.employer))
    .bind(
        c.role
            .map(|r| r.as_str().to_owned())
            .unwrap_or(current.role.clone()),
    )
    .bind(now)
    .execute(tx.conn())
    .await?;
    if let Some(role) = c.role.filter(|r| r.as_str() != current.role) {
        audit::record(
            &mut tx,
            actor,
            "member.role_changed",
            Some(account_id),
            Some(json!({"from": current.role, "to": role.as_str()})),
        )
        .await?;
    }
    audit::record(&mut tx, actor, "member.updated", Some(account_id), None).await?;
    let updated = find(tx.conn(), account_id)
        .await?
        .ok_or(Error::NotFound("member"))?;
    tx.commit().await?;
    Ok(updated)
}

/// Staff change another member's account (`PATCH /api/v1/members/{id}`, the back office's edit
/// form): staff change members, admins anyone ([`auth::Caller::require_may_change`]); only an
/// admin changes a role. The one place these rules are applied for both faces.
pub async fn change_member(
    app: &App,
    caller: &auth::Caller,
    account_id: &str,
    change: ProfileChange,
) -> Result<MemberRow> {
    caller.require_staff()?;
    if change.role.is_some() {
        caller.require_admin()?;
    }
    let target = get(app, account_id).await?;
    caller.require_may_change(&target.id, &target.role)?;
    update_profile(app, &caller.account_id, &target.id, change).await
}

/// The staff and admin accounts (not erased), admins first, then by name; a short list.
pub async fn staff_accounts(app: &App) -> Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.role IN ('staff', 'admin') AND a.status <> 'erased' \
         ORDER BY a.role, p.last_name, p.first_name, a.person_id LIMIT 500"
    )))
    .fetch_all(&app.db.read)
    .await?)
}

/// Creates a staff or admin account for `email`, or gives an existing account that role (and
/// activates it when pending), and audits it. Used by `admin create` (actor `cli`) and the
/// admins' back office. Nothing is mailed: the new staff member signs in with a magic link.
pub async fn create_staff(
    tx: &mut Tx,
    actor: &str,
    email: &EmailAddress,
    first: &PersonName,
    last: &PersonName,
    role: Role,
) -> Result<String> {
    let account_id = match find_by_email(tx.conn(), email).await? {
        Some(m) => {
            sqlx::query(
                "UPDATE accounts SET role = $2, status = CASE WHEN status = 'pending' THEN 'active' ELSE status END, \
                 verified_at = COALESCE(verified_at, $3), updated_at = $3 WHERE person_id = $1",
            )
            .bind(&m.id)
            .bind(role.as_str())
            .bind(now_ms())
            .execute(tx.conn())
            .await?;
            m.id
        }
        None => {
            let id = create_person_in_new_household(tx, first, last).await?;
            insert_account(
                tx,
                NewAccount {
                    person_id: &id,
                    email,
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
    audit::record(
        tx,
        actor,
        "admin.staff_created",
        Some(&account_id),
        Some(json!({"role": role.as_str()})),
    )
    .await?;
    Ok(account_id)
}

/// Search filters for the staff's member register.
pub struct MemberQuery {
    pub q: Option<String>,
    pub phase: Option<Phase>,
    pub status: Option<AccountStatus>,
    pub cursor: Option<String>,
    pub limit: i64,
}

/// One page of members ordered by id (creation time); answers the page and the next cursor.
/// `q` matches the beginnings of words (see [`search`]); every word must match.
pub async fn search(app: &App, query: &MemberQuery) -> Result<(Vec<MemberRow>, Option<String>)> {
    let ranges = query.q.as_deref().map(search::ranges).unwrap_or_default();
    if query.q.is_some() && ranges.is_empty() {
        // Nothing to search by (no letters or digits): nothing matches.
        return Ok((Vec::new(), None));
    }
    // One subquery per word; each reads a range of the (term, person) index. The statement's
    // text depends only on the number of words, so it is prepared once per shape.
    let mut sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.person_id > $1 AND ($2 = '' OR a.phase = $2) \
         AND (($3 = '' AND a.status <> 'erased') OR a.status = $3)"
    );
    // A narrow first word drives the query (its few members looked up in order); a broad one
    // would first gather thousands of ids, so then the register is walked in order and each
    // member probed instead, which finds a page of matches after a few hundred members.
    let broad = match ranges.first() {
        Some((from, to)) => {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM (SELECT 1 FROM member_search WHERE term BETWEEN $1 AND $2 LIMIT 2000) x",
            )
            .bind(from)
            .bind(to)
            .fetch_one(&app.db.read)
            .await?;
            n >= 2000
        }
        None => false,
    };
    for k in 0..ranges.len() {
        let (from, to) = (5 + 2 * k, 6 + 2 * k);
        if k == 0 && !broad {
            sql.push_str(&format!(
                " AND a.person_id IN (SELECT s.person_id FROM member_search s WHERE s.term BETWEEN ${from} AND ${to})"
            ));
        } else {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM member_search s WHERE s.person_id = a.person_id AND s.term BETWEEN ${from} AND ${to})"
            ));
        }
    }
    sql.push_str(" ORDER BY a.person_id LIMIT $4");
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(query.cursor.clone().unwrap_or_default())
        .bind(query.phase.map(|p| p.as_str()).unwrap_or(""))
        .bind(query.status.map(|s| s.as_str()).unwrap_or(""))
        .bind(query.limit + 1);
    for (from, to) in ranges {
        q = q.bind(from).bind(to);
    }
    let mut rows: Vec<MemberRow> = q.fetch_all(&app.db.read).await?;
    let next = if rows.len() as i64 > query.limit {
        rows.truncate(query.limit as usize);
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok((rows, next))
}

/// Deletes a sign-up that was never confirmed, with everything it left behind: nobody proved
/// the address, so nothing of it is kept (the retention job; an invitation accepted for the
/// address, which must not adopt what somebody else typed at sign-up).
pub async fn delete_pending(tx: &mut Tx, account_id: &str, household_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM tokens WHERE account_id = $1",
        "DELETE FROM consents WHERE account_id = $1",
        "DELETE FROM subscriptions WHERE account_id = $1",
        "DELETE FROM outbox WHERE account_id = $1",
        "DELETE FROM member_search WHERE person_id = $1",
        "DELETE FROM accounts WHERE person_id = $1 AND status = 'pending'",
        "DELETE FROM people WHERE id = $1",
    ] {
        sqlx::query(sql).bind(account_id).execute(tx.conn()).await?;
    }
    crate::cache::addresses_changed(tx);
    sqlx::query(
        "DELETE FROM households WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM people WHERE household_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM invitations WHERE household_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM registrations WHERE household_id = $1)",
    )
    .bind(household_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}
