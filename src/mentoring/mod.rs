//! Mentor programmes for partners: staff open a programme, members apply as mentor or mentee,
//! staff confirm matches (helped by ranked suggestions), both are introduced by mail, either
//! may withdraw (the other is told), and at the end both may leave feedback.
//!
//! Invariants: a mentor never has more live mentees than their capacity (one conditional update
//! of `mentees < capacity`, backed by a CHECK constraint); a mentee has at most one live match
//! (partial unique index); a match leaves a state once (each transition is an update conditional
//! on the state it leaves, so a place is never freed twice). Match states: matched → active →
//! completed | withdrawn. Each person of a match sees only their own feedback; staff see both
//! (`MatchRow::seen_by`).

pub mod api;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use crate::app::App;
use crate::audit;
use crate::db::{Tx, new_id, now_ms};
use crate::error::{Error, Fields, Result, conflict_if_taken};
use crate::mail::{self, Mail};
use crate::members::{self, MemberRow};
use crate::values::{Prose, Relation, ShortText};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgrammeRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub audience: String,
    pub starts_on: String,
    pub ends_on: String,
    pub max_mentees_per_mentor: i64,
    pub status: String,
    pub created_at: i64,
}

const PROGRAMME_COLUMNS: &str = "id, name, description, audience, starts_on, ends_on, max_mentees_per_mentor, status, created_at";

impl ProgrammeRow {
    pub fn names(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.name).unwrap_or_default()
    }
    pub fn descriptions(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.description).unwrap_or_default()
    }
    /// The programme's name in `lang`, else in English.
    pub fn name_in(&self, lang: &str) -> String {
        let names = self.names();
        names
            .get(lang)
            .or_else(|| names.get("en"))
            .cloned()
            .unwrap_or_default()
    }

    /// The programme's description in `lang`, else in English.
    pub fn description_in(&self, lang: &str) -> String {
        let texts = self.descriptions();
        texts
            .get(lang)
            .or_else(|| texts.get("en"))
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApplicationRow {
    pub id: String,
    pub programme_id: String,
    pub account_id: String,
    pub role: String,
    pub expertise: String,
    pub sectors: String,
    pub languages: String,
    pub goals: String,
    pub sector: Option<String>,
    pub availability: Option<String>,
    pub bio: Option<String>,
    pub capacity: i64,
    pub mentees: i64,
    pub status: String,
    pub created_at: i64,
}

const APPLICATION_COLUMNS: &str = "id, programme_id, account_id, role, expertise, sectors, languages, goals, sector, \
    availability, bio, capacity, mentees, status, created_at";

pub fn list_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MatchRow {
    pub id: String,
    pub programme_id: String,
    pub mentor_id: String,
    pub mentee_id: String,
    pub status: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub mentor_rating: Option<i64>,
    pub mentor_comment: Option<String>,
    pub mentee_rating: Option<i64>,
    pub mentee_comment: Option<String>,
    /// `mentor`, `mentee` or `staff`, once withdrawn.
    pub withdrawn_by: Option<String>,
    pub withdrawal_reason: Option<String>,
}

const MATCH_COLUMNS: &str = "id, programme_id, mentor_id, mentee_id, status, created_at, started_at, ended_at, \
    mentor_rating, mentor_comment, mentee_rating, mentee_comment, withdrawn_by, withdrawal_reason";

/// Who looks at or acts on a match: the centre's staff, or one of its two people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Staff,
    Mentor,
    Mentee,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Staff => "staff",
            Party::Mentor => "mentor",
            Party::Mentee => "mentee",
        }
    }

    /// The side of an application's role.
    pub fn of_role(role: &str) -> Party {
        if role == "mentor" {
            Party::Mentor
        } else {
            Party::Mentee
        }
    }
}

impl MatchRow {
    /// The match as `party` may see it: each person sees only their own rating and comment, so
    /// that both can be frank with the centre; staff see both.
    pub fn seen_by(mut self, party: Party) -> MatchRow {
        match party {
            Party::Staff => {}
            Party::Mentor => {
                self.mentee_rating = None;
                self.mentee_comment = None;
            }
            Party::Mentee => {
                self.mentor_rating = None;
                self.mentor_comment = None;
            }
        }
        self
    }
}

pub struct NewProgramme {
    pub name: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub audience: &'static str,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub max_mentees_per_mentor: i64,
    pub status: &'static str,
}

/// A programme's name or description per language, checked: `en` required, known languages,
/// prose of at most `max` characters. Field names are `{field}.{lang}`.
pub fn programme_texts(
    f: &mut Fields,
    field: &str,
    raw: &BTreeMap<String, String>,
    max: usize,
) -> BTreeMap<String, String> {
    if !raw.contains_key("en") {
        f.add(field, "needs at least the English text (en)");
    }
    let mut out = BTreeMap::new();
    for (lang, text) in raw {
        let name = format!("{field}.{lang}");
        if lang.parse::<crate::values::Language>().is_err() {
            f.add(&name, "languages are en, nl, de and fr");
        } else if let Some(t) = f.check(&name, Prose::<5000>::parse(text)) {
            if t.as_str().chars().count() > max {
                f.add(&name, format!("must be at most {max} characters"));
            } else {
                out.insert(lang.clone(), t.as_str().to_owned());
            }
        }
    }
    out
}

pub async fn create_programme(app: &App, actor: &str, p: NewProgramme) -> Result<ProgrammeRow> {
    if p.ends_on < p.starts_on {
        return Err(Error::field("ends_on", "must not be before starts_on"));
    }
    if !(1..=20).contains(&p.max_mentees_per_mentor) {
        return Err(Error::field("max_mentees_per_mentor", "must be 1 to 20"));
    }
    let mut tx = app.db.begin().await?;
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO programmes (id, name, description, audience, starts_on, ends_on, max_mentees_per_mentor, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(serde_json::to_string(&p.name).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&p.description).map_err(anyhow::Error::from)?)
    .bind(p.audience)
    .bind(p.starts_on.to_string())
    .bind(p.ends_on.to_string())
    .bind(p.max_mentees_per_mentor)
    .bind(p.status)
    .bind(now)
    .execute(tx.conn())
    .await?;
    audit::record(&mut tx, actor, "programme.created", Some(&id), None).await?;
    let row = find_programme(tx.conn(), &id)
        .await?
        .ok_or(Error::NotFound("programme"))?;
    tx.commit().await?;
    Ok(row)
}

pub async fn find_programme(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<ProgrammeRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

pub async fn programmes(app: &App) -> Result<Vec<ProgrammeRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes ORDER BY starts_on DESC, id"
    )))
    .fetch_all(&app.db.read)
    .await?)
}

pub async fn set_programme_status(
    app: &App,
    actor: &str,
    id: &str,
    status: &'static str,
) -> Result<ProgrammeRow> {
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE programmes SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(now_ms())
        .execute(tx.conn())
        .await?;
    let row = find_programme(tx.conn(), id)
        .await?
        .ok_or(Error::NotFound("programme"))?;
    audit::record(
        &mut tx,
        actor,
        &format!("programme.{status}"),
        Some(id),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

#[derive(Debug)]
pub struct Application {
    pub role: &'static str,
    pub expertise: Vec<String>,
    pub sectors: Vec<String>,
    pub languages: Vec<String>,
    pub goals: Vec<String>,
    pub sector: Option<String>,
    pub availability: Option<String>,
    pub bio: Option<String>,
    pub capacity: i64,
}

/// Each word of a list (an area of expertise, a language) as typed: at most `max` of them,
/// each short text.
fn words(f: &mut Fields, field: &str, raw: &[String], max: usize) -> Vec<String> {
    if raw.len() > max {
        f.add(field, format!("at most {max} items"));
    }
    raw.iter()
        .enumerate()
        .filter_map(|(i, w)| {
            f.check(&format!("{field}[{i}]"), ShortText::parse(w))
                .map(ShortText::into_string)
        })
        .collect()
}

/// Optional longer text (a bio, a reason): blank is absent.
fn prose(f: &mut Fields, field: &str, raw: Option<&str>) -> Option<String> {
    raw.filter(|s| !s.trim().is_empty())
        .and_then(|s| f.check(field, Prose::<2000>::parse(s)))
        .map(|p| p.as_str().to_owned())
}

impl Application {
    /// A mentor's application as typed (the API's body, the website's form), checked: every
    /// field wrong is named at once.
    pub fn mentor(
        expertise: &[String],
        sectors: &[String],
        languages: &[String],
        capacity: i64,
        bio: Option<&str>,
    ) -> Result<Application> {
        let mut f = Fields::default();
        let expertise = words(&mut f, "expertise", expertise, 20);
        let sectors = words(&mut f, "sectors", sectors, 20);
        let languages = words(&mut f, "languages", languages, 10);
        let bio = prose(&mut f, "bio", bio);
        if !(1..=20).contains(&capacity) {
            f.add("capacity", "must be between 1 and 20");
        }
        f.finish()?;
        Ok(Application {
            role: "mentor",
            expertise,
            sectors,
            languages,
            goals: vec![],
            sector: None,
            availability: None,
            bio,
            capacity,
        })
    }

    /// A mentee's application as typed, checked: at least one goal.
    pub fn mentee(
        goals: &[String],
        sector: Option<&str>,
        languages: &[String],
        availability: Option<&str>,
    ) -> Result<Application> {
        let mut f = Fields::default();
        if goals.is_empty() {
            f.add("goals", "name at least one goal");
        }
        let goals = words(&mut f, "goals", goals, 20);
        let languages = words(&mut f, "languages", languages, 10);
        let sector = sector
            .and_then(|s| f.check("sector", ShortText::parse(s)))
            .map(ShortText::into_string);
        let availability = availability
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| f.check("availability", Prose::<500>::parse(s)))
            .map(|p| p.as_str().to_owned());
        f.finish()?;
        Ok(Application {
            role: "mentee",
            expertise: vec![],
            sectors: vec![],
            languages,
            goals,
            sector,
            availability,
            bio: None,
            capacity: 0,
        })
    }
}

/// A member applies; the programme's audience decides who may.
pub async fn apply(
    app: &App,
    member: &MemberRow,
    programme_id: &str,
    a: Application,
) -> Result<ApplicationRow> {
    let mut tx = app.db.begin().await?;
    let p = find_programme(tx.conn(), programme_id)
        .await?
        .ok_or(Error::NotFound("programme"))?;
    if p.status != "open" {
        return Err(Error::Conflict(
            "this programme does not take applications now".into(),
        ));
    }
    if a.role == "mentee" {
        // The household role as it is now, not as the caller's token was read.
        let (relation,): (String,) = sqlx::query_as("SELECT relation FROM people WHERE id = $1")
            .bind(&member.id)
            .fetch_one(tx.conn())
            .await?;
        admits_as_mentee(&p, &relation)?;
    }
    let id = new_id();
    let now = now_ms();
    let capacity = if a.role == "mentor" {
        a.capacity.min(p.max_mentees_per_mentor)
    } else {
        0
    };
    let to_json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let inserted = sqlx::query(
        "INSERT INTO programme_applications (id, programme_id, account_id, role, expertise, sectors, languages, goals, sector, \
         availability, bio, capacity, mentees, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, 'applied', $13, $13)",
    )
    .bind(&id)
    .bind(programme_id)
    .bind(&member.id)
    .bind(a.role)
    .bind(to_json(&a.expertise))
    .bind(to_json(&a.sectors))
    .bind(to_json(&a.languages))
    .bind(to_json(&a.goals))
    .bind(a.sector)
    .bind(a.availability)
    .bind(a.bio)
    .bind(capacity)
    .bind(now)
    .execute(tx.conn())
    .await;
    conflict_if_taken(inserted, || {
        format!("you have already applied as {}", a.role)
    })?;
    audit::record(
        &mut tx,
        &member.id,
        &format!("programme.applied_{}", a.role),
        Some(&id),
        None,
    )
    .await?;
    let row = find_application(tx.conn(), &id)
        .await?
        .ok_or(Error::NotFound("application"))?;
    tx.commit().await?;
    Ok(row)
}

/// Who may be a mentee: anyone in an `everyone` programme; in a `partners` programme only a
/// member whose household role is `partner`, the accompanying partner. The household says who
/// that is (`households::set_relation`), not the order in which its members signed up. The one
/// place this rule is kept; it is checked when applying, so an application stays valid when
/// the household's roles change later.
pub fn admits_as_mentee(p: &ProgrammeRow, relation: &str) -> Result<()> {
    if p.audience == "partners" && relation != Relation::Partner.as_str() {
        return Err(Error::Forbidden(
            "this programme is for partners: members whose household role is partner (set it \
             with PUT /api/v1/me/household/relation)"
                .into(),
        ));
    }
    Ok(())
}

pub async fn find_application(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<ApplicationRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM programme_applications WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

pub async fn applications(app: &App, programme_id: &str) -> Result<Vec<ApplicationRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM programme_applications WHERE programme_id = $1 ORDER BY created_at, id"
    )))
    .bind(programme_id)
    .fetch_all(&app.db.read)
    .await?)
}

/// A mentor's score for a mentee, with the reasons, highest first.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub mentor: ApplicationRow,
    pub score: i64,
    pub reasons: Vec<Reason>,
}

/// Why a mentor scores for a mentee: data, so each face words it in its own language (the API
/// in English, [`Reason::english`]; the back office from its catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Works in the mentee's sector (as the mentee wrote it, lower-cased).
    Sector(String),
    /// Languages both speak.
    Languages(Vec<String>),
    /// The mentee's goals found in the mentor's expertise.
    Goals(Vec<String>),
    /// Places the mentor has left.
    FreePlaces(i64),
}

impl Reason {
    /// The API's wording (English, as it always was).
    pub fn english(&self) -> String {
        match self {
            Reason::Sector(s) => format!("works in the mentee's sector ({s})"),
            Reason::Languages(l) => format!("speaks {}", l.join(", ")),
            Reason::Goals(g) => format!("expertise matches the goals: {}", g.join(", ")),
            Reason::FreePlaces(n) => format!("{n} free place{}", if *n == 1 { "" } else { "s" }),
        }
    }
}

fn lower(v: &[String]) -> Vec<String> {
    v.iter()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Scores: same sector +3; each shared language +1 (at most 3); each goal found in the mentor's
/// expertise +2; each free place +1 (at most 2). Mentors without free places are left out.
pub fn score(mentee: &ApplicationRow, mentor: &ApplicationRow) -> Option<Suggestion> {
    let free = mentor.capacity - mentor.mentees;
    if free <= 0 || mentor.account_id == mentee.account_id {
        return None;
    }
    let mut score = 0;
    let mut reasons = Vec::new();
    if let Some(sector) = mentee.sector.as_deref().map(|s| s.trim().to_lowercase())
        && lower(&list_of(&mentor.sectors)).contains(&sector)
    {
        score += 3;
        reasons.push(Reason::Sector(sector));
    }
    let theirs = lower(&list_of(&mentor.languages));
    let shared: Vec<String> = lower(&list_of(&mentee.languages))
        .into_iter()
        .filter(|l| theirs.contains(l))
        .collect();
    if !shared.is_empty() {
        score += (shared.len() as i64).min(3);
        reasons.push(Reason::Languages(shared));
    }
    let expertise = lower(&list_of(&mentor.expertise));
    let goals: Vec<String> = lower(&list_of(&mentee.goals))
        .into_iter()
        .filter(|g| {
            expertise
                .iter()
                .any(|e| e.contains(g.as_str()) || g.contains(e.as_str()))
        })
        .collect();
    if !goals.is_empty() {
        score += 2 * goals.len() as i64;
        reasons.push(Reason::Goals(goals));
    }
    score += free.min(2);
    reasons.push(Reason::FreePlaces(free));
    Some(Suggestion {
        mentor: mentor.clone(),
        score,
        reasons,
    })
}

/// An unmatched mentee with their name and the mentors suggested for them, best first.
pub struct ForMentee {
    pub mentee: ApplicationRow,
    pub name: String,
    /// Each suggestion with the mentor's name.
    pub mentors: Vec<(Suggestion, String)>,
}

/// For each unmatched mentee, the mentors ranked by score, with everybody's names (staff match
/// people, not ids). A mentor whose match with the mentee was withdrawn is not suggested to
/// them again.
pub async fn suggestions(app: &App, programme_id: &str) -> Result<Vec<ForMentee>> {
    find_programme(&app.db.read, programme_id)
        .await?
        .ok_or(Error::NotFound("programme"))?;
    let all = applications(app, programme_id).await?;
    let names = application_names(app, programme_id).await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    let parted: HashSet<(String, String)> = sqlx::query_as(
        "SELECT mentor_id, mentee_id FROM matches WHERE programme_id = $1 AND status = 'withdrawn'",
    )
    .bind(programme_id)
    .fetch_all(&app.db.read)
    .await?
    .into_iter()
    .collect();
    let mentors: Vec<&ApplicationRow> = all
        .iter()
        .filter(|a| a.role == "mentor" && a.status != "withdrawn")
        .collect();
    Ok(all
        .iter()
        .filter(|a| a.role == "mentee" && a.status == "applied")
        .map(|mentee| {
            let mut ranked: Vec<Suggestion> = mentors
                .iter()
                .filter(|m| !parted.contains(&(m.id.clone(), mentee.id.clone())))
                .filter_map(|m| score(mentee, m))
                .collect();
            ranked.sort_by(|a, b| {
                b.score
                    .cmp(&a.score)
                    .then(a.mentor.created_at.cmp(&b.mentor.created_at))
            });
            ForMentee {
                mentee: mentee.clone(),
                name: name(&mentee.id),
                mentors: ranked
                    .into_iter()
                    .map(|s| {
                        let n = name(&s.mentor.id);
                        (s, n)
                    })
                    .collect(),
            }
        })
        .collect())
}

/// Confirms a match: reserves a place with the mentor (never beyond capacity, also under
/// concurrent confirmations) and introduces both by mail.
pub async fn confirm_match(
    app: &App,
    actor: &str,
    programme_id: &str,
    mentor_id: &str,
    mentee_id: &str,
) -> Result<MatchRow> {
    let mut tx = app.db.begin().await?;
    let programme = find_programme(tx.conn(), programme_id)
        .await?
        .ok_or(Error::NotFound("programme"))?;
    let mentor = find_application(tx.conn(), mentor_id)
        .await?
        .filter(|a| a.programme_id == programme_id && a.role == "mentor")
        .ok_or_else(|| Error::field("mentor_id", "is not a mentor of this programme"))?;
    let mentee = find_application(tx.conn(), mentee_id)
        .await?
        .filter(|a| a.programme_id == programme_id && a.role == "mentee")
        .ok_or_else(|| Error::field("mentee_id", "is not a mentee of this programme"))?;
    if mentee.status != "applied" {
        return Err(Error::Conflict(format!(
            "the mentee is already {}",
            mentee.status
        )));
    }
    if mentor.status == "withdrawn" {
        return Err(Error::Conflict("the mentor has withdrawn".into()));
    }
    let reserved = sqlx::query(
        "UPDATE programme_applications SET mentees = mentees + 1, status = 'matched', updated_at = $2 \
         WHERE id = $1 AND mentees < capacity",
    )
    .bind(mentor_id)
    .bind(now_ms())
    .execute(tx.conn())
    .await?
    .rows_affected();
    if reserved == 0 {
        return Err(Error::Conflict("this mentor has no free place".into()));
    }
    let id = new_id();
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO matches (id, programme_id, mentor_id, mentee_id, status, live, created_at) VALUES ($1, $2, $3, $4, 'matched', 1, $5)",
    )
    .bind(&id)
    .bind(programme_id)
    .bind(mentor_id)
    .bind(mentee_id)
    .bind(now)
    .execute(tx.conn())
    .await;
    conflict_if_taken(inserted, || "the mentee was matched meanwhile".into())?;
    let changed = sqlx::query("UPDATE programme_applications SET status = 'matched', updated_at = $2 WHERE id = $1 AND status = 'applied'")
        .bind(mentee_id)
        .bind(now)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(Error::Conflict("the mentee was matched meanwhile".into()));
    }
    introduce(app, &mut tx, &programme, &mentor, &mentee, &id).await?;
    audit::record(
        &mut tx,
        actor,
        "programme.matched",
        Some(&id),
        Some(json!({"programme": programme_id})),
    )
    .await?;
    let row = find_match(tx.conn(), &id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    tx.commit().await?;
    Ok(row)
}

async fn introduce(
    app: &App,
    tx: &mut Tx,
    p: &ProgrammeRow,
    mentor: &ApplicationRow,
    mentee: &ApplicationRow,
    match_id: &str,
) -> Result<()> {
    let about_mentor = [
        list_of(&mentor.expertise).join(", "),
        mentor.bio.clone().unwrap_or_default(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" — ");
    let about_mentee = list_of(&mentee.goals).join(", ");
    let letter = Letter {
        kind: "mentor_introduction",
        programme: p,
        match_id,
        skip: None,
    };
    mail_pair(app, tx, letter, (mentor, mentee), |side, other| {
        json!({
            "other_email": other.email.clone().unwrap_or_default(),
            "other_about": if side == Party::Mentor { &about_mentee } else { &about_mentor },
        })
    })
    .await
}

/// A mail about a match to its two people.
struct Letter<'a> {
    kind: &'static str,
    programme: &'a ProgrammeRow,
    match_id: &'a str,
    /// The one of the pair not to mail (who caused it).
    skip: Option<Party>,
}

/// Mails each of the pair who has an address (but `letter.skip`), in their own language: their
/// name, their side (`role`), the other's name and the programme's, and what `more` adds for
/// their side and the other person.
async fn mail_pair(
    app: &App,
    tx: &mut Tx,
    letter: Letter<'_>,
    (mentor, mentee): (&ApplicationRow, &ApplicationRow),
    more: impl Fn(Party, &MemberRow) -> serde_json::Value,
) -> Result<()> {
    let (Some(a), Some(b)) = (
        members::find(tx.conn(), &mentor.account_id).await?,
        members::find(tx.conn(), &mentee.account_id).await?,
    ) else {
        return Ok(());
    };
    for (to, other, side) in [(&a, &b, Party::Mentor), (&b, &a, Party::Mentee)] {
        if letter.skip == Some(side) {
            continue;
        }
        let Some(email) = to.email_address() else {
            continue;
        };
        let mut context = json!({
            "first_name": to.first_name.clone().unwrap_or_default(),
            "role": side.as_str(),
            "other_name": other.full_name(),
            "programme": letter.programme.name_in(to.language().as_str()),
        });
        if let (Some(c), serde_json::Value::Object(extra)) =
            (context.as_object_mut(), more(side, other))
        {
            c.extend(extra);
        }
        mail::enqueue(
            tx,
            &app.templates,
            &app.config,
            Mail {
                kind: letter.kind,
                to: &email,
                language: to.language(),
                account_id: Some(&to.id),
                context,
                idempotency_key: format!("{}:{}:{}", letter.kind, letter.match_id, side.as_str()),
            },
        )
        .await?;
    }
    Ok(())
}

pub async fn find_match(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
) -> Result<Option<MatchRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MATCH_COLUMNS} FROM matches WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(exec)
    .await?)
}

pub async fn matches(app: &App, programme_id: &str) -> Result<Vec<MatchRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MATCH_COLUMNS} FROM matches WHERE programme_id = $1 ORDER BY created_at, id"
    )))
    .bind(programme_id)
    .fetch_all(&app.db.read)
    .await?)
}

/// Moves a match of `programme_id` on (staff); a match of another programme is not found.
pub async fn advance_in(
    app: &App,
    actor: &str,
    programme_id: &str,
    match_id: &str,
    to: &'static str,
) -> Result<MatchRow> {
    let m = find_match(&app.db.read, match_id)
        .await?
        .filter(|m| m.programme_id == programme_id)
        .ok_or(Error::NotFound("match"))?;
    advance(app, actor, &m.id, to).await
}

/// Each application's person's name, by application id (staff match people, not ids).
pub async fn application_names(app: &App, programme_id: &str) -> Result<HashMap<String, String>> {
    Ok(
        sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
            "SELECT a.id, p.first_name, p.last_name FROM programme_applications a \
         JOIN people p ON p.id = a.account_id WHERE a.programme_id = $1",
        )
        .bind(programme_id)
        .fetch_all(&app.db.read)
        .await?
        .into_iter()
        .map(|(id, first, last)| {
            let name = [first, last]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (id, name)
        })
        .collect(),
    )
}

/// A page of programmes, latest start first: `limit` from `offset`.
pub async fn programmes_page(app: &App, offset: i64, limit: i64) -> Result<Vec<ProgrammeRow>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes ORDER BY starts_on DESC, id LIMIT $1 OFFSET $2"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(&app.db.read)
    .await?)
}

/// Moves a match on (staff): `active` (they met) or `completed` (the mentor's place frees).
/// Withdrawing is [`withdraw`].
pub async fn advance(app: &App, actor: &str, match_id: &str, to: &'static str) -> Result<MatchRow> {
    let from = match to {
        "active" => "matched",
        "completed" => "active",
        _ => return Err(Error::Conflict(format!("a match cannot become {to}"))),
    };
    let mut tx = app.db.begin().await?;
    let m = find_match(tx.conn(), match_id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    let now = now_ms();
    let ending = to == "completed";
    // Conditional on the state it leaves: of two concurrent changes (a completion and a
    // withdrawal, say) only one frees the mentor's place.
    let moved = sqlx::query(
        "UPDATE matches SET status = $2, live = $3, started_at = COALESCE(started_at, CASE WHEN $2 = 'active' THEN $4 ELSE NULL END), \
         ended_at = CASE WHEN $3 = 0 THEN $4 ELSE ended_at END WHERE id = $1 AND status = $5",
    )
    .bind(match_id)
    .bind(to)
    .bind(if ending { 0_i64 } else { 1 })
    .bind(now)
    .bind(from)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if moved == 0 {
        return Err(Error::Conflict(format!(
            "only a {from} match can become {to}; this one is {}",
            m.status
        )));
    }
    sqlx::query("UPDATE programme_applications SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(&m.mentee_id)
        .bind(to)
        .bind(now)
        .execute(tx.conn())
        .await?;
    if ending {
        free_place(&mut tx, &m.mentor_id, now).await?;
    } else {
        sqlx::query(
            "UPDATE programme_applications SET status = 'active', updated_at = $2 WHERE id = $1",
        )
        .bind(&m.mentor_id)
        .bind(now)
        .execute(tx.conn())
        .await?;
    }
    audit::record(&mut tx, actor, &format!("match.{to}"), Some(match_id), None).await?;
    let row = find_match(tx.conn(), match_id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    tx.commit().await?;
    Ok(row)
}

async fn free_place(tx: &mut Tx, mentor_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE programme_applications SET mentees = mentees - 1, updated_at = $2 WHERE id = $1 AND mentees > 0",
    )
    .bind(mentor_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The mentor's and the mentee's applications of a match.
async fn pair(tx: &mut Tx, m: &MatchRow) -> Result<(ApplicationRow, ApplicationRow)> {
    let mentor = find_application(tx.conn(), &m.mentor_id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    let mentee = find_application(tx.conn(), &m.mentee_id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    Ok((mentor, mentee))
}

/// Ends a `matched` or `active` match of `programme_id`, by its mentor, its mentee, or staff;
/// for anybody else the match does not exist. The mentor's place frees; the mentee may be
/// matched again (though not with this mentor, see [`suggestions`]). Whoever did not withdraw
/// is told by mail with the reason, if one was given; when staff withdraw, both are. Someone
/// who is both staff and in the match withdraws as its mentor or mentee. Answers the match as
/// the one who withdrew sees it.
pub async fn withdraw(
    app: &App,
    actor: &str,
    actor_is_staff: bool,
    programme_id: &str,
    match_id: &str,
    reason: Option<&str>,
) -> Result<MatchRow> {
    let mut f = Fields::default();
    let reason = prose(&mut f, "reason", reason);
    f.finish()?;
    let mut tx = app.db.begin().await?;
    let m = find_match(tx.conn(), match_id)
        .await?
        .filter(|m| m.programme_id == programme_id)
        .ok_or(Error::NotFound("match"))?;
    let (mentor, mentee) = pair(&mut tx, &m).await?;
    let by = if mentor.account_id == actor {
        Party::Mentor
    } else if mentee.account_id == actor {
        Party::Mentee
    } else if actor_is_staff {
        Party::Staff
    } else {
        return Err(Error::NotFound("match"));
    };
    let now = now_ms();
    let ended = sqlx::query(
        "UPDATE matches SET status = 'withdrawn', live = 0, ended_at = $2, withdrawn_by = $3, \
         withdrawal_reason = $4 WHERE id = $1 AND status IN ('matched', 'active')",
    )
    .bind(match_id)
    .bind(now)
    .bind(by.as_str())
    .bind(reason.as_deref())
    .execute(tx.conn())
    .await?
    .rows_affected();
    if ended == 0 {
        return Err(Error::Conflict(format!(
            "only a matched or active match can be withdrawn; this one is {}",
            m.status
        )));
    }
    free_place(&mut tx, &m.mentor_id, now).await?;
    // The mentee is not to blame for a match that ended: they may be matched again.
    sqlx::query(
        "UPDATE programme_applications SET status = 'applied', updated_at = $2 \
         WHERE id = $1 AND status IN ('matched', 'active')",
    )
    .bind(&m.mentee_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    let programme = find_programme(tx.conn(), programme_id)
        .await?
        .ok_or(Error::NotFound("programme"))?;
    // Whoever did not withdraw is told (both, when staff did), with the reason as written.
    let letter = Letter {
        kind: "mentor_withdrawal",
        programme: &programme,
        match_id,
        skip: Some(by),
    };
    mail_pair(
        app,
        &mut tx,
        letter,
        (&mentor, &mentee),
        |_, _| json!({"by": by.as_str(), "reason": reason.as_deref().unwrap_or_default()}),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "match.withdrawn",
        Some(match_id),
        Some(json!({"by": by.as_str()})),
    )
    .await?;
    let row = find_match(tx.conn(), match_id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    tx.commit().await?;
    Ok(row.seen_by(by))
}

/// The mentor or the mentee of a completed match of `programme_id` rates it (1–5) with a
/// comment; answers the match as they see it (their own feedback only). For anybody else the
/// match does not exist.
pub async fn feedback(
    app: &App,
    member: &MemberRow,
    programme_id: &str,
    match_id: &str,
    rating: i64,
    comment: Option<&str>,
) -> Result<MatchRow> {
    let mut f = Fields::default();
    if !(1..=5).contains(&rating) {
        f.add("rating", "must be between 1 and 5");
    }
    let comment = prose(&mut f, "comment", comment);
    f.finish()?;
    let mut tx = app.db.begin().await?;
    let m = find_match(tx.conn(), match_id)
        .await?
        .filter(|m| m.programme_id == programme_id)
        .ok_or(Error::NotFound("match"))?;
    let (mentor, mentee) = pair(&mut tx, &m).await?;
    let (party, sql) = if mentor.account_id == member.id {
        (
            Party::Mentor,
            "UPDATE matches SET mentor_rating = $2, mentor_comment = $3 WHERE id = $1",
        )
    } else if mentee.account_id == member.id {
        (
            Party::Mentee,
            "UPDATE matches SET mentee_rating = $2, mentee_comment = $3 WHERE id = $1",
        )
    } else {
        return Err(Error::NotFound("match"));
    };
    if m.status != "completed" {
        return Err(Error::Conflict(
            "feedback is given when the mentoring is completed".into(),
        ));
    }
    sqlx::query(sql)
        .bind(match_id)
        .bind(rating)
        .bind(comment)
        .execute(tx.conn())
        .await?;
    audit::record(&mut tx, &member.id, "match.feedback", Some(match_id), None).await?;
    let row = find_match(tx.conn(), match_id)
        .await?
        .ok_or(Error::NotFound("match"))?;
    tx.commit().await?;
    Ok(row.seen_by(party))
}

/// A member's applications, each with its matches (newest first).
async fn applications_with_matches(
    app: &App,
    account_id: &str,
) -> Result<Vec<(ApplicationRow, Vec<MatchRow>)>> {
    let apps: Vec<ApplicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM programme_applications WHERE account_id = $1 ORDER BY created_at, id"
    )))
    .bind(account_id)
    .fetch_all(&app.db.read)
    .await?;
    let mut out = Vec::with_capacity(apps.len());
    for a in apps {
        let matches: Vec<MatchRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MATCH_COLUMNS} FROM matches WHERE (mentor_id = $1 OR mentee_id = $1) ORDER BY created_at DESC, id"
        )))
        .bind(&a.id)
        .fetch_all(&app.db.read)
        .await?;
        out.push((a, matches));
    }
    Ok(out)
}

/// A member's own applications and matches (each with only their own feedback), with the other
/// person's contact while the match has not been withdrawn.
pub async fn mine(
    app: &App,
    account_id: &str,
) -> Result<Vec<(ApplicationRow, Option<MatchRow>, Option<MemberRow>)>> {
    let mut out = Vec::new();
    for (a, matches) in applications_with_matches(app, account_id).await? {
        if matches.is_empty() {
            out.push((a, None, None));
            continue;
        }
        for m in matches {
            let other_app = if m.mentor_id == a.id {
                &m.mentee_id
            } else {
                &m.mentor_id
            };
            let other = match find_application(&app.db.read, other_app).await? {
                Some(o) if m.status != "withdrawn" => {
                    members::find(&app.db.read, &o.account_id).await?
                }
                _ => None,
            };
            let seen = m.seen_by(Party::of_role(&a.role));
            out.push((a.clone(), Some(seen), other));
        }
    }
    Ok(out)
}

/// Forgets a member's part in mentoring (erasure): their applications lose what they wrote
/// about themselves and are withdrawn; their live matches end (withdrawn), giving the mentor's
/// place back or the mentee the chance of another match; the feedback on their matches, given
/// and received, goes. Ratings and dates stay for the programme's figures.
pub async fn forget(tx: &mut Tx, account_id: &str) -> Result<()> {
    let now = now_ms();
    let live: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT m.id, m.mentor_id, m.mentee_id FROM matches m WHERE m.live = 1 AND EXISTS \
         (SELECT 1 FROM programme_applications a WHERE a.account_id = $1 \
          AND (a.id = m.mentor_id OR a.id = m.mentee_id)) ORDER BY m.id",
    )
    .bind(account_id)
    .fetch_all(tx.conn())
    .await?;
    for (match_id, mentor, mentee) in live {
        sqlx::query(
            "UPDATE matches SET status = 'withdrawn', live = 0, ended_at = $2 WHERE id = $1",
        )
        .bind(&match_id)
        .bind(now)
        .execute(tx.conn())
        .await?;
        sqlx::query(
            "UPDATE programme_applications SET mentees = mentees - 1, updated_at = $2 \
             WHERE id = $1 AND mentees > 0",
        )
        .bind(&mentor)
        .bind(now)
        .execute(tx.conn())
        .await?;
        // A mentee left without their mentor may be matched again.
        sqlx::query(
            "UPDATE programme_applications SET status = 'applied', updated_at = $3 \
             WHERE id = $1 AND account_id <> $2",
        )
        .bind(&mentee)
        .bind(account_id)
        .bind(now)
        .execute(tx.conn())
        .await?;
        audit::record(tx, "system", "match.withdrawn", Some(&match_id), None).await?;
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE matches SET {} WHERE mentor_id IN (SELECT id FROM programme_applications WHERE account_id = $1) \
         OR mentee_id IN (SELECT id FROM programme_applications WHERE account_id = $1)",
        crate::privacy::inventory::blank("matches")
    )))
    .bind(account_id)
    .execute(tx.conn())
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE programme_applications SET {}, updated_at = $2, \
         status = CASE WHEN status IN ('completed', 'withdrawn') THEN status ELSE 'withdrawn' END \
         WHERE account_id = $1",
        crate::privacy::inventory::blank("programme_applications")
    )))
    .bind(account_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A member's mentoring, for their export: their applications as written, and each match with
/// the feedback they gave, the feedback the other person gave about it (an opinion about the
/// member is their personal data, so their right of access covers it; other views keep it
/// from them so that both can be frank with the centre), said to come from the "mentor" or the
/// "mentee" and nothing more of that person, and, if it was withdrawn, by whom and why.
pub async fn export(app: &App, account_id: &str) -> Result<serde_json::Value> {
    let mut out = Vec::new();
    for (a, matches) in applications_with_matches(app, account_id).await? {
        let ts = |ms: i64| crate::db::to_datetime(ms).to_rfc3339();
        let as_mentor = a.role == "mentor";
        out.push(json!({
            "application": a.id,
            "programme": a.programme_id,
            "role": a.role,
            "status": a.status,
            "expertise": list_of(&a.expertise),
            "sectors": list_of(&a.sectors),
            "languages": list_of(&a.languages),
            "goals": list_of(&a.goals),
            "sector": a.sector,
            "availability": a.availability,
            "bio": a.bio,
            "capacity": (as_mentor).then_some(a.capacity),
            "applied_at": ts(a.created_at),
            "matches": matches.iter().map(|m| {
                let mentor = (m.mentor_rating, &m.mentor_comment);
                let mentee = (m.mentee_rating, &m.mentee_comment);
                let (given, received, from) = if as_mentor {
                    (mentor, mentee, Party::Mentee)
                } else {
                    (mentee, mentor, Party::Mentor)
                };
                json!({
                    "match": m.id,
                    "status": m.status,
                    "matched_at": ts(m.created_at),
                    "started_at": m.started_at.map(ts),
                    "ended_at": m.ended_at.map(ts),
                    "feedback_given": {"rating": given.0, "comment": given.1},
                    "feedback_received": {
                        "from": from.as_str(), "rating": received.0, "comment": received.1,
                    },
                    "withdrawn_by": m.withdrawn_by,
                    "withdrawal_reason": m.withdrawal_reason,
                })
            }).collect::<Vec<_>>(),
        }));
    }
    Ok(serde_json::Value::Array(out))
}
