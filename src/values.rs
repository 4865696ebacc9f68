//! Value types that are valid by construction: they are parsed once at the edge (HTTP, CLI,
//! database) and cannot hold an invalid value inside the program.

use std::fmt;
use std::str::FromStr;

/// Why a value was refused, in words a person filling in a form understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid(msg: impl Into<String>) -> Invalid {
    Invalid(msg.into())
}

/// A deliverable e-mail address, trimmed. `key()` is its case-insensitive identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if s.len() > 254 {
            return Err(invalid("must be at most 254 characters"));
        }
        let (local, domain) = s
            .rsplit_once('@')
            .ok_or_else(|| invalid("must be an e-mail address like name@example.org"))?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid("must be an e-mail address like name@example.org"));
        }
        // lettre decides what it can actually send to; agreeing with it here means an accepted
        // address never fails later in the mail worker.
        lettre::Address::from_str(s)
            .map_err(|_| invalid("must be an e-mail address like name@example.org"))?;
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identity of the mailbox: addresses differing only in case are the same member.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Free text typed by a person (a name, an employer): trimmed, not empty, bounded, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize>(String);

pub type PersonName = Text<100>;
pub type ShortText = Text<200>;

impl<const MAX: usize> Text<MAX> {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if s.chars().count() > MAX {
            return Err(invalid(format!("must be at most {MAX} characters")));
        }
        if s.chars().any(char::is_control) {
            return Err(invalid("must not contain control characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Longer text typed by a person (a description): like [`Text`] but line breaks and tabs are
/// allowed. Line breaks are stored as LF (CRLF and a bare CR become LF), so nothing downstream
/// (iCalendar, mail) meets a CR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prose<const MAX: usize>(String);

/// `s` with CRLF and bare CR made LF.
pub fn normalize_line_breaks(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\r') {
        std::borrow::Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

impl<const MAX: usize> Prose<MAX> {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let normalized = normalize_line_breaks(raw);
        let s = normalized.trim();
        if s.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if s.chars().count() > MAX {
            return Err(invalid(format!("must be at most {MAX} characters")));
        }
        if s.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        {
            return Err(invalid("must not contain control characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute http(s) URL, e.g. of an online meeting, stored as the url crate writes it (plain
/// ASCII: non-ASCII percent-encoded, the host in punycode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        // The url crate drops tabs and line breaks inside a URL without a word; refused here, so
        // that what is stored is exactly what was checked (a CR/LF reached calendar feeds).
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid(
                "must be an absolute http(s) URL without spaces or control characters",
            ));
        }
        match url::Url::parse(s) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.as_str().len() <= 2000 =>
            {
                Ok(Self(u.into()))
            }
            _ => Err(invalid("must be an absolute http(s) URL")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone such as `Europe/Brussels`.
pub fn parse_timezone(raw: &str) -> Result<chrono_tz::Tz, Invalid> {
    raw.trim()
        .parse()
        .map_err(|_| invalid("must be an IANA time zone such as Europe/Brussels"))
}

/// A wall-clock time in a zone, as people enter event times (`2027-03-28T10:00:00`), together
/// with the instant it denotes. A time that the zone skips (the hour the clocks jump forward) is
/// refused; a time it repeats (the hour they fall back) means its first occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub local: chrono::NaiveDateTime,
    pub utc: chrono::DateTime<chrono::Utc>,
}

impl LocalTime {
    /// The instant the local date `d` begins in `tz`, as UTC milliseconds (01:00 where the
    /// clock skips midnight).
    pub fn day_start_ms(d: chrono::NaiveDate, tz: chrono_tz::Tz) -> i64 {
        let at = |h| LocalTime::from_local(d.and_hms_opt(h, 0, 0).unwrap_or_default(), tz);
        at(0)
            .or_else(|_| at(1))
            .map(|t| t.utc.timestamp_millis())
            .unwrap_or(0)
    }

    pub fn parse(raw: &str, tz: chrono_tz::Tz) -> Result<Self, Invalid> {
        let raw = raw.trim();
        let local = [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(raw, f).ok())
        .ok_or_else(|| {
            invalid("must be a local date and time like 2027-03-28T10:00:00, without offset")
        })?;
        Self::from_local(local, tz)
    }

    pub fn from_local(local: chrono::NaiveDateTime, tz: chrono_tz::Tz) -> Result<Self, Invalid> {
        use chrono::TimeZone as _;
        let at = tz
            .from_local_datetime(&local)
            .earliest()
            .ok_or_else(|| invalid(format!("does not exist in {tz}: the clocks skip that hour")))?;
        Ok(Self {
            local,
            utc: at.with_timezone(&chrono::Utc),
        })
    }

    /// The stored form of the wall-clock time.
    pub fn local_string(&self) -> String {
        self.local.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim().to_uppercase();
        isocountry::CountryCode::for_alpha2(&s)
            .map_err(|_| invalid("must be an ISO 3166-1 alpha-2 country code such as BE"))?;
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A birth year of a dependent: not in the future, not absurdly far in the past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthYear(i64);

impl BirthYear {
    pub fn parse(year: i64, this_year: i64) -> Result<Self, Invalid> {
        if year > this_year || year < this_year - 120 {
            return Err(invalid(format!(
                "must be a year between {} and {this_year}",
                this_year - 120
            )));
        }
        Ok(Self(year))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// Declares a closed set of words stored as TEXT and shown in the API as the same words.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, poem_openapi::Enum, serde::Serialize, serde::Deserialize)]
        #[oai(rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(Invalid(format!(
                        "must be one of: {}",
                        [$($word),+].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// The languages the centre writes in. English is the common one and the fallback.
    Language { En = "en", Nl = "nl", De = "de", Fr = "fr" }
);

word_enum!(
    /// Where a member is in the expat life cycle.
    Phase { ComingIn = "coming_in", SettlingIn = "settling_in", LivingIn = "living_in", Leaving = "leaving" }
);

word_enum!(
    /// A person's place in their household.
    Relation { Primary = "primary", Partner = "partner", Child = "child", Other = "other" }
);

word_enum!(
    /// What an account may do: members manage their own household; staff run the centre;
    /// admins also decide who is staff.
    Role { Member = "member", Staff = "staff", Admin = "admin" }
);

word_enum!(
    /// An account's life: pending until the address is confirmed, alumni after moving away,
    /// erased when the member asked to be forgotten.
    AccountStatus { Pending = "pending", Active = "active", Alumni = "alumni", Erased = "erased" }
);

word_enum!(
    /// Relations a member may give a dependent (someone without an account).
    DependentRelation { Child = "child", Other = "other" }
);

word_enum!(
    /// What a member (someone with an account) says they are in their household: the partner
    /// who came along, or the primary, whose work or study brought the household here.
    MemberRelation { Primary = "primary", Partner = "partner" }
);

word_enum!(
    /// Who an event is for.
    Audience { Everyone = "everyone", Members = "members", Partners = "partners", Families = "families", Alumni = "alumni" }
);

word_enum!(
    /// An event is prepared as a draft, published for members, or cancelled.
    EventStatus { Draft = "draft", Published = "published", Cancelled = "cancelled" }
);

word_enum!(
    /// A registration holds seats (confirmed), waits for them (waitlisted), or was withdrawn.
    RegistrationStatus { Confirmed = "confirmed", Waitlisted = "waitlisted", Cancelled = "cancelled" }
);

impl Role {
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Staff | Role::Admin)
    }
}

impl MemberRelation {
    pub fn relation(self) -> Relation {
        match self {
            MemberRelation::Primary => Relation::Primary,
            MemberRelation::Partner => Relation::Partner,
        }
    }

    /// The role the household's other member takes: a household has one of each at most.
    pub fn other(self) -> MemberRelation {
        match self {
            MemberRelation::Primary => MemberRelation::Partner,
            MemberRelation::Partner => MemberRelation::Primary,
        }
    }
}

impl DependentRelation {
    pub fn relation(self) -> Relation {
        match self {
            DependentRelation::Child => Relation::Child,
            DependentRelation::Other => Relation::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_trimmed_and_keyed_case_insensitively() {
        let a = EmailAddress::parse("  Ana.Silva@Example.ORG ").unwrap();
        assert_eq!(a.as_str(), "Ana.Silva@Example.ORG");
        assert_eq!(a.key(), "ana.silva@example.org");
    }

    #[test]
    fn malformed_email_addresses_are_refused() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.org",
            "a@",
            "a@b",
            "a@.org",
            "a@example..org",
            "a b@example.org",
            "a@exa mple.org",
            "a@-example.org",
            &format!("{}@example.org", "x".repeat(65)),
            &format!("a@{}.org", "x".repeat(250)),
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(PersonName::parse("  Ana ").unwrap().as_str(), "Ana");
        assert!(PersonName::parse("").is_err());
        assert!(PersonName::parse(" \t ").is_err());
        assert!(PersonName::parse("A\u{0}na").is_err());
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(PersonName::parse(&"é".repeat(101)).is_err());
    }

    #[test]
    fn country_codes_must_exist() {
        assert_eq!(CountryCode::parse("be").unwrap().as_str(), "BE");
        assert!(CountryCode::parse("XX").is_err());
        assert!(CountryCode::parse("BEL").is_err());
    }

    #[test]
    fn words_round_trip() {
        for p in Phase::ALL {
            assert_eq!(p.as_str().parse::<Phase>().unwrap(), *p);
        }
        assert!("resident".parse::<Phase>().is_err());
        assert!("EN".parse::<Language>().is_err());
    }

    #[test]
    fn local_times_respect_daylight_saving_in_brussels() {
        let tz = chrono_tz::Europe::Brussels;
        let summer = LocalTime::parse("2027-03-28T10:00:00", tz).unwrap();
        assert_eq!(summer.utc.to_rfc3339(), "2027-03-28T08:00:00+00:00");
        let winter = LocalTime::parse("2027-03-27T10:00", tz).unwrap();
        assert_eq!(winter.utc.to_rfc3339(), "2027-03-27T09:00:00+00:00");
        assert!(
            LocalTime::parse("2027-03-28T02:30:00", tz).is_err(),
            "skipped hour"
        );
        let repeated = LocalTime::parse("2027-10-31T02:30:00", tz).unwrap();
        assert_eq!(
            repeated.utc.to_rfc3339(),
            "2027-10-31T00:30:00+00:00",
            "first of the two"
        );
        assert!(LocalTime::parse("2027-03-28T10:00:00+02:00", tz).is_err());
        assert!(LocalTime::parse("tomorrow", tz).is_err());
    }

    #[test]
    fn prose_keeps_line_breaks_and_urls_are_web_urls() {
        assert_eq!(Prose::<100>::parse(" a\nb ").unwrap().as_str(), "a\nb");
        assert_eq!(
            Prose::<100>::parse("a\r\nb\rc\n\rd\r").unwrap().as_str(),
            "a\nb\nc\n\nd"
        );
        assert!(Prose::<100>::parse("a\u{0}b").is_err());
        assert!(WebUrl::parse("https://meet.example.org/x").is_ok());
        assert!(WebUrl::parse("javascript:alert(1)").is_err());
        assert!(WebUrl::parse("/relative").is_err());
    }

    #[test]
    fn web_urls_refuse_what_the_url_crate_would_drop() {
        for bad in [
            "https://meet.example.org/x\r\nBEGIN:VEVENT",
            "https://meet.example.org/x\nX",
            "https://meet.example.org/\tx",
            "https://meet.example.org/a b",
            "https://meet.example.org/a\u{85}b",
            "https://meet.example.org/a\u{2028}b",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "accepted {bad:?}");
        }
        assert_eq!(
            WebUrl::parse(" https://Meet.Example.org/ä?q=\"x\" ")
                .unwrap()
                .as_str(),
            "https://meet.example.org/%C3%A4?q=%22x%22",
            "stored as checked, in ASCII"
        );
    }

    #[test]
    fn birth_years_are_plausible() {
        assert!(BirthYear::parse(2020, 2026).is_ok());
        assert!(BirthYear::parse(2027, 2026).is_err());
        assert!(BirthYear::parse(1900, 2026).is_err());
    }
}
