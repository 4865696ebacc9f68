//! Households: an expat, their partner (a member in their own right) and their dependents
//! (children and others without an account). Partners join by accepting an invitation sent by
//! mail; dependents are managed by the household's members. Which adult is the accompanying
//! partner is the household's to say (`set_relation`), not the order in which they signed up.
//!
//! Invariants: every person is in exactly one household; a household has at most two members
//! with an account, at most one of them `primary` and at most one `partner`; only members of a
//! household see its people.

pub mod api;

use poem_openapi::Object;
use serde::Serialize;
use serde_json::json;

use crate::app::App;
use crate::audit;
use crate::auth;
use crate::checked;
use crate::db::{Tx, new_id, now_ms};
use crate::error::{Error, Fields, Result};
use crate::mail::{self, Mail};
use crate::members::{self, MemberRow, NewAccount};
use crate::values::{
    AccountStatus, BirthYear, DependentRelation, EmailAddress, Language, MemberRelation,
    PersonName, Relation, Role,
};

pub const INVITATION_DAYS: i64 = 14;

/// Someone in a household, as its members see them.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Person {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub relation: Relation,
    /// Whether this person signs in themselves (a member), or is a dependent.
    pub has_account: bool,
    pub birth_year: Option<i64>,
}

/// A partner invitation that has not been answered yet.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct PendingInvitation {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, Object, Serialize)]
#[oai(skip_serializing_if_is_none)]
pub struct Household {
    pub id: String,
    pub people: Vec<Person>,
    pub pending_invitations: Vec<PendingInvitation>,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    relation: String,
    has_account: i64,
    birth_year: Option<i64>,
}

impl PersonRow {
    fn into_person(self) -> Person {
        Person {
            relation: self.relation.parse().unwrap_or(Relation::Other),
            id: self.id,
            first_name: self.first_name,
            last_name: self.last_name,
            has_account: self.has_account == 1,
            birth_year: self.birth_year,
        }
    }
}

#[derive(sqlx::FromRow)]
struct InvitationSummary {
    id: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    expires_at: i64,
}

async fn household_of(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    person_id: &str,
) -> Result<String> {
    let row: Option<(String,)> = sqlx::query_as("SELECT household_id FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_optional(exec)
        .await?;
    row.map(|(h,)| h).ok_or(Error::NotFound("member"))
}

/// The household of `account_id`, with its living (not erased) people.
pub async fn view(app: &App, account_id: &str) -> Result<Household> {
    let household_id = household_of(&app.db.read, account_id).await?;
    let people: Vec<PersonRow> = sqlx::query_as(
        "SELECT p.id, p.first_name, p.last_name, p.relation, \
         CASE WHEN a.person_id IS NULL THEN 0 ELSE 1 END AS has_account, p.birth_year \
         FROM people p LEFT JOIN accounts a ON a.person_id = p.id \
         WHERE p.household_id = $1 AND p.erased_at IS NULL \
         ORDER BY CASE p.relation WHEN 'primary' THEN 0 WHEN 'partner' THEN 1 ELSE 2 END, p.created_at, p.id",
    )
    .bind(&household_id)
    .fetch_all(&app.db.read)
    .await?;
    let invitations: Vec<InvitationSummary> =
        sqlx::query_as(
            "SELECT id, email, first_name, last_name, expires_at FROM invitations \
             WHERE household_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
             ORDER BY created_at",
        )
        .bind(&household_id)
        .bind(now_ms())
        .fetch_all(&app.db.read)
        .await?;
    Ok(Household {
        id: household_id,
        people: people.into_iter().map(PersonRow::into_person).collect(),
        pending_invitations: invitations
            .into_iter()
            .map(|i| PendingInvitation {
                id: i.id,
                email: i.email,
                first_name: i.first_name,
                last_name: i.last_name,
                expires_at: crate::db::to_datetime(i.expires_at),
            })
            .collect(),
    })
}

async fn living_members(tx: &mut Tx, household_id: &str) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.relation FROM people p JOIN accounts a ON a.person_id = p.id \
         WHERE p.household_id = $1 AND a.status <> 'erased' ORDER BY p.created_at, p.id",
    )
    .bind(household_id)
    .fetch_all(tx.conn())
    .await?)
}

pub struct PartnerInvite {
    pub email: EmailAddress,
    pub first_name: PersonName,
    pub last_name: PersonName,
}

impl PartnerInvite {
    /// The invitation as typed (API body or site form), or every field that is wrong.
    pub fn parse(email: &str, first_name: &str, last_name: &str) -> Result<PartnerInvite> {
        let mut f = Fields::default();
        let email = f.check("email", EmailAddress::parse(email));
        let first_name = f.check("first_name", PersonName::parse(first_name));
        let last_name = f.check("last_name", PersonName::parse(last_name));
        f.finish()?;
        Ok(PartnerInvite {
            email: checked!(email),
            first_name: checked!(first_name),
            last_name: checked!(last_name),
        })
    }
}

/// Invites a partner into the inviter's household by mail. A previous open invitation of the
/// household is replaced.
pub async fn invite_partner(
    app: &App,
    inviter: &MemberRow,
    invite: PartnerInvite,
) -> Result<PendingInvitation> {
    auth::rate_limit(&app.db, &format!("invite:{}", inviter.id), 10, 3600).await?;
    if inviter.email.as_deref().map(str::to_lowercase) == Some(invite.email.key()) {
        return Err(Error::field("email", "you cannot invite yourself"));
    }
    let mut tx = app.db.begin().await?;
    let members = living_members(&mut tx, &inviter.household_id).await?;
    if members.len() >= 2 {
        return Err(Error::Conflict(
            "your household already has a partner with an account".into(),
        ));
    }
    // Like any mail a stranger's request can cause, invitations to one address are bounded.
    if !mail::cooldown(&mut tx, &invite.email, "partner_invitation").await? {
        return Err(Error::TooManyRequests {
            retry_after_secs: (mail::COOLDOWN_MS / 1000) as u64,
        });
    }
    let now = now_ms();
    sqlx::query(
        "UPDATE invitations SET revoked_at = $2 WHERE household_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(&inviter.household_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    let (secret, hash) = auth::new_secret();
    let id = new_id();
    let expires_at = now + INVITATION_DAYS * 24 * 3600 * 1000;
    sqlx::query(
        "INSERT INTO invitations (id, token_hash, household_id, invited_by, email, email_key, \
         first_name, last_name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(&hash)
    .bind(&inviter.household_id)
    .bind(&inviter.id)
    .bind(invite.email.as_str())
    .bind(invite.email.key())
    .bind(invite.first_name.as_str())
    .bind(invite.last_name.as_str())
    .bind(now)
    .bind(expires_at)
    .execute(tx.conn())
    .await?;
    // Write to the invitee in their own language when they are a member already.
    let language = members::find_by_email(tx.conn(), &invite.email)
        .await?
        .map(|m| m.language())
        .unwrap_or_else(|| inviter.language());
    mail::enqueue(
        &mut tx,
        &app.templates,
        &app.config,
        Mail {
            kind: "partner_invitation",
            to: &invite.email,
            language,
            // The inviter's: their name is in it, and erasing them must find it.
            account_id: Some(&inviter.id),
            context: json!({
                "inviter_name": inviter.full_name(),
                "first_name": invite.first_name.as_str(),
                "link": app.config.link(&format!("/invitation?token={secret}&lang={}", language.as_str())),
                "valid_days": INVITATION_DAYS,
            }),
            idempotency_key: format!("partner_invitation:{id}"),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &inviter.id,
        "household.partner_invited",
        Some(&inviter.household_id),
        Some(json!({"invitation": id})),
    )
    .await?;
    tx.commit().await?;
    Ok(PendingInvitation {
        id,
        email: Some(invite.email.to_string()),
        first_name: Some(invite.first_name.into_string()),
        last_name: Some(invite.last_name.into_string()),
        expires_at: crate::db::to_datetime(expires_at),
    })
}

#[derive(sqlx::FromRow)]
struct InvitationRow {
    id: String,
    household_id: String,
    invited_by: String,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

pub struct Acceptance {
    pub language: Option<Language>,
    /// Must be true: nobody joins without accepting the privacy policy.
    pub privacy_policy: bool,
    pub newsletter: bool,
}

/// Accepts a partner invitation. The link proved the mailbox, so a new partner's account is
/// active at once; an existing member moves into the household (with their dependents when
/// nobody with an account stays behind). Answers a session for the partner.
pub async fn accept_invitation(
    app: &App,
    secret: &str,
    acc: Acceptance,
) -> Result<(String, i64, String)> {
    if !acc.privacy_policy {
        return Err(members::privacy_policy_required());
    }
    let mut tx = app.db.begin().await?;
    let now = now_ms();
    let inv: InvitationRow = sqlx::query_as(
        "UPDATE invitations SET accepted_at = $2 WHERE token_hash = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $2 \
         RETURNING id, household_id, invited_by, email, first_name, last_name",
    )
    .bind(auth::hash_secret(secret))
    .bind(now)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| Error::Gone("this invitation is unknown, already answered or expired".into()))?;
    let email = inv
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
        .ok_or_else(|| Error::Gone("this invitation was withdrawn".into()))?;
    let mut existing = members::find_by_email(tx.conn(), &email).await?;
    // An unconfirmed sign-up for the address was typed by somebody who never proved it: the
    // invitee, who just did, starts afresh instead of adopting it.
    if let Some(m) = existing.take_if(|m| m.status == AccountStatus::Pending.as_str()) {
        members::delete_pending(&mut tx, &m.id, &m.household_id).await?;
    }
    let partner_id = match existing {
        Some(m) if m.household_id == inv.household_id => m.id,
        Some(m) => {
            ensure_room_for_partner(&mut tx, &inv.household_id).await?;
            move_member(&mut tx, &m, &inv.household_id).await?;
            m.id
        }
        None => {
            ensure_room_for_partner(&mut tx, &inv.household_id).await?;
            let inviter = members::find(tx.conn(), &inv.invited_by).await?;
            let language = acc
                .language
                .or_else(|| inviter.as_ref().map(MemberRow::language))
                .unwrap_or(Language::En);
            let name = |n: &Option<String>| PersonName::parse(n.as_deref().unwrap_or("Partner"));
            let (first, last) = (
                name(&inv.first_name).map_err(|e| Error::Internal(e.into()))?,
                name(&inv.last_name).map_err(|e| Error::Internal(e.into()))?,
            );
            let person_id = new_id();
            let relation = joining_relation(&mut tx, &inv.household_id).await?;
            members::insert_person(
                &mut tx,
                &person_id,
                &inv.household_id,
                relation,
                &first,
                &last,
            )
            .await?;
            members::insert_account(
                &mut tx,
                NewAccount {
                    person_id: &person_id,
                    email: &email,
                    language,
                    role: Role::Member,
                    phase: inviter
                        .as_ref()
                        .and_then(|i| i.phase.as_deref())
                        .and_then(|p| p.parse().ok()),
                    country_of_origin: None,
                    municipality: None,
                    employer: None,
                    verified: true,
                },
            )
            .await
            .map_err(|e| {
                if crate::db::is_unique_violation(&e) {
                    Error::Conflict("this address was registered meanwhile; try again".into())
                } else {
                    e.into()
                }
            })?;
            members::record_consent(&mut tx, &person_id, "privacy_policy", true, "invitation")
                .await?;
            members::record_consent(
                &mut tx,
                &person_id,
                "newsletter",
                acc.newsletter,
                "invitation",
            )
            .await?;
            if acc.newsletter {
                crate::newsletter::request_at_sign_up(&mut tx, &person_id, "community").await?;
                crate::newsletter::confirm_sign_up_requests(&mut tx, &person_id, "invitation")
                    .await?;
            }
            person_id
        }
    };
    audit::record(
        &mut tx,
        &partner_id,
        "household.partner_joined",
        Some(&inv.household_id),
        Some(json!({"invitation": inv.id})),
    )
    .await?;
    let (session, expires) = auth::session(&mut tx, &partner_id).await?;
    tx.commit().await?;
    Ok((session, expires, inv.household_id))
}

/// The relation of a member joining by invitation: `partner`, unless the member already there
/// said they are the partner; then the one joining is the `primary`.
async fn joining_relation(tx: &mut Tx, household_id: &str) -> Result<Relation> {
    let there = living_members(tx, household_id).await?;
    Ok(if there.iter().any(|(_, r)| r == "partner") {
        Relation::Primary
    } else {
        Relation::Partner
    })
}

async fn ensure_room_for_partner(tx: &mut Tx, household_id: &str) -> Result<()> {
    if living_members(tx, household_id).await?.len() >= 2 {
        return Err(Error::Conflict(
            "this household already has a partner with an account".into(),
        ));
    }
    Ok(())
}

/// Moves a member into `household_id` as its partner (or its primary, see `joining_relation`).
/// Whoever stays behind keeps a primary member; dependents follow only when no member with an
/// account stays behind.
async fn move_member(tx: &mut Tx, m: &MemberRow, household_id: &str) -> Result<()> {
    let now = now_ms();
    let relation = joining_relation(tx, household_id).await?;
    sqlx::query(
        "UPDATE people SET household_id = $2, relation = $4, updated_at = $3 WHERE id = $1",
    )
    .bind(&m.id)
    .bind(household_id)
    .bind(now)
    .bind(relation.as_str())
    .execute(tx.conn())
    .await?;
    // Their calendar address now leads to the new household's events.
    crate::cache::addresses_changed(tx);
    settle_left_household(tx, &m.household_id, Some(household_id)).await
}

/// After a member left `old`: promote a remaining member to primary, or, if none is left, move
/// the dependents to `follow` (or leave them where they are).
async fn settle_left_household(tx: &mut Tx, old: &str, follow: Option<&str>) -> Result<()> {
    let now = now_ms();
    let remaining = living_members(tx, old).await?;
    match remaining.first() {
        Some((id, relation))
            if relation != "primary" && !remaining.iter().any(|(_, r)| r == "primary") =>
        {
            sqlx::query("UPDATE people SET relation = 'primary', updated_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(tx.conn())
                .await?;
        }
        Some(_) => {}
        None => {
            if let Some(new) = follow {
                sqlx::query(
                    "UPDATE people SET household_id = $2, updated_at = $3 WHERE household_id = $1 \
                     AND erased_at IS NULL AND id NOT IN (SELECT person_id FROM accounts)",
                )
                .bind(old)
                .bind(new)
                .bind(now)
                .execute(tx.conn())
                .await?;
            }
        }
    }
    sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE household_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
        .bind(old)
        .bind(now)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Leaves the household: the member gets a household of their own and keeps their account;
/// the dependents stay with the members who remain.
pub async fn leave(app: &App, member: &MemberRow) -> Result<Household> {
    let mut tx = app.db.begin().await?;
    let members = living_members(&mut tx, &member.household_id).await?;
    if members.len() < 2 {
        return Err(Error::Conflict(
            "you are the only member of your household, so there is nothing to leave".into(),
        ));
    }
    let now = now_ms();
    let new_household = new_id();
    sqlx::query("INSERT INTO households (id, created_at) VALUES ($1, $2)")
        .bind(&new_household)
        .bind(now)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "UPDATE people SET household_id = $2, relation = 'primary', updated_at = $3 WHERE id = $1",
    )
    .bind(&member.id)
    .bind(&new_household)
    .bind(now)
    .execute(tx.conn())
    .await?;
    crate::cache::addresses_changed(&mut tx);
    settle_left_household(&mut tx, &member.household_id, None).await?;
    audit::record(
        &mut tx,
        &member.id,
        "household.left",
        Some(&member.household_id),
        Some(json!({"new_household": new_household})),
    )
    .await?;
    tx.commit().await?;
    view(app, &member.id).await
}

/// A member says what they are in their household: `partner`, the accompanying partner (whom
/// partner programmes and events are for), or `primary`, whose work or study brought the
/// household here; whoever of them signed up first. The household's other member with an
/// account, if any, takes the other role in the same statement, so either adult may set it for
/// both and the household never has two of one. A member alone may be the partner (the other
/// adult need not be a member); whoever they invite later joins as the primary.
pub async fn set_relation(
    app: &App,
    member: &MemberRow,
    relation: MemberRelation,
) -> Result<Household> {
    let mut tx = app.db.begin().await?;
    let household_id = household_of(tx.conn(), &member.id).await?;
    sqlx::query(
        "UPDATE people SET relation = CASE WHEN id = $1 THEN $2 ELSE $3 END, updated_at = $4 \
         WHERE household_id = $5 AND relation IN ('primary', 'partner') \
         AND id IN (SELECT person_id FROM accounts WHERE status <> 'erased')",
    )
    .bind(&member.id)
    .bind(relation.as_str())
    .bind(relation.other().as_str())
    .bind(now_ms())
    .bind(&household_id)
    .execute(tx.conn())
    .await?;
    audit::record(
        &mut tx,
        &member.id,
        "household.relation_set",
        Some(&household_id),
        Some(json!({"relation": relation.as_str()})),
    )
    .await?;
    tx.commit().await?;
    view(app, &member.id).await
}

pub struct DependentInput {
    pub first_name: Option<PersonName>,
    pub last_name: Option<Option<PersonName>>,
    pub birth_year: Option<BirthYear>,
    pub relation: Option<DependentRelation>,
}

/// A dependent as typed (API body or site form), before it is checked. `None` leaves a field
/// as it is; `last_name: Some(None)` clears the last name.
pub struct DependentFields<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<Option<&'a str>>,
    pub birth_year: Option<i64>,
    pub relation: Option<DependentRelation>,
}

impl DependentFields<'_> {
    /// The dependent, or every field that is wrong (a birth year in the future, say).
    pub fn parse(&self) -> Result<DependentInput> {
        let mut f = Fields::default();
        let first_name = f.check_opt("first_name", self.first_name, PersonName::parse);
        let last_name = self
            .last_name
            .map(|v| v.and_then(|v| f.check("last_name", PersonName::parse(v))));
        let birth_year = self
            .birth_year
            .and_then(|y| f.check("birth_year", BirthYear::parse(y, this_year())));
        f.finish()?;
        Ok(DependentInput {
            first_name,
            last_name,
            birth_year,
            relation: self.relation,
        })
    }
}

fn this_year() -> i64 {
    use chrono::Datelike as _;
    i64::from(chrono::Utc::now().year())
}

pub async fn add_dependent(app: &App, member: &MemberRow, d: DependentInput) -> Result<Person> {
    let mut tx = app.db.begin().await?;
    let id = new_id();
    let now = now_ms();
    let first = d
        .first_name
        .ok_or_else(|| Error::field("first_name", "is required"))?;
    sqlx::query(
        "INSERT INTO people (id, household_id, relation, first_name, last_name, birth_year, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(&member.household_id)
    .bind(d.relation.unwrap_or(DependentRelation::Child).relation().as_str())
    .bind(first.as_str())
    .bind(d.last_name.flatten().map(PersonName::into_string))
    .bind(d.birth_year.map(BirthYear::get))
    .bind(now)
    .execute(tx.conn())
    .await?;
    audit::record(
        &mut tx,
        &member.id,
        "household.dependent_added",
        Some(&id),
        None,
    )
    .await?;
    let person = dependent(&mut tx, &member.household_id, &id).await?;
    tx.commit().await?;
    Ok(person)
}

/// A dependent of the household; any other id (another household's, a member's) is not found.
async fn dependent(tx: &mut Tx, household_id: &str, person_id: &str) -> Result<Person> {
    let row: Option<PersonRow> = sqlx::query_as(
        "SELECT p.id, p.first_name, p.last_name, p.relation, 0 AS has_account, p.birth_year \
         FROM people p WHERE p.id = $1 AND p.household_id = $2 AND p.erased_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.person_id = p.id)",
    )
    .bind(person_id)
    .bind(household_id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(PersonRow::into_person)
        .ok_or(Error::NotFound("dependent"))
}

pub async fn update_dependent(
    app: &App,
    member: &MemberRow,
    person_id: &str,
    d: DependentInput,
) -> Result<Person> {
    let mut tx = app.db.begin().await?;
    let current = dependent(&mut tx, &member.household_id, person_id).await?;
    let last_name = match d.last_name {
        Some(v) => v.map(PersonName::into_string),
        None => current.last_name,
    };
    let relation = d.relation.map(|r| r.relation()).unwrap_or(current.relation);
    sqlx::query(
        "UPDATE people SET first_name = $2, last_name = $3, birth_year = $4, relation = $5, updated_at = $6 WHERE id = $1",
    )
    .bind(person_id)
    .bind(d.first_name.map(PersonName::into_string).or(current.first_name))
    .bind(last_name)
    .bind(d.birth_year.map(BirthYear::get).or(current.birth_year))
    .bind(relation.as_str())
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    audit::record(
        &mut tx,
        &member.id,
        "household.dependent_updated",
        Some(person_id),
        None,
    )
    .await?;
    let person = dependent(&mut tx, &member.household_id, person_id).await?;
    tx.commit().await?;
    Ok(person)
}

/// Removes a dependent from the household. Their data is erased; the id stays so past
/// attendance figures stay right.
pub async fn remove_dependent(app: &App, member: &MemberRow, person_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    dependent(&mut tx, &member.household_id, person_id).await?;
    crate::privacy::erase_person(&mut tx, person_id).await?;
    audit::record(
        &mut tx,
        &member.id,
        "household.dependent_removed",
        Some(person_id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
