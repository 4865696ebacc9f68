//! The member register's search: by the beginnings of words in a member's names and e-mail
//! address, accent- and case-insensitive ("joz" finds "Jožef", "peet" finds
//! "jan.peeters@…", "李" finds "Li"), through an index table (`member_search`) rather than a
//! substring scan of every account.
//!
//! Terms are transliterated to ASCII (`deunicode`), lower-cased and split at everything that is
//! not a letter or digit, so a term holds only `[a-z0-9]`. Every collation a PostgreSQL
//! database may use orders such strings like bytes, which is what makes the prefix range
//! `term BETWEEN 'pee' AND 'peezzz…'` exact on both engines.
//!
//! Kept by [`reindex`] in the transaction of every change to a member's names, address or status.

use crate::db::Tx;

/// Terms are cut to this length; the upper end of a prefix range pads to it with `z`.
const TERM_MAX: usize = 40;

/// Words of a query that are used; more narrow nothing down in practice.
pub const QUERY_WORDS: usize = 3;

/// The index terms of one text.
pub fn terms(text: &str) -> Vec<String> {
    let folded = deunicode::deunicode(text).to_ascii_lowercase();
    let mut out: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(TERM_MAX).collect())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The prefix ranges `(from, to)` a query searches, one per word (at most [`QUERY_WORDS`],
/// the longest ones, which narrow most). Empty when the query has no letters or digits.
pub fn ranges(query: &str) -> Vec<(String, String)> {
    let mut words = terms(query);
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words.truncate(QUERY_WORDS);
    words
        .into_iter()
        .map(|w| {
            let to = format!("{w}{}", "z".repeat(TERM_MAX - w.len()));
            (w, to)
        })
        .collect()
}

/// Rewrites the terms of one member from the stored row: none once the account is erased or
/// gone.
pub async fn reindex(tx: &mut Tx, person_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM member_search WHERE person_id = $1")
        .bind(person_id)
        .execute(tx.conn())
        .await?;
    let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT a.email, p.first_name, p.last_name FROM accounts a JOIN people p ON p.id = a.person_id \
         WHERE a.person_id = $1 AND a.status <> 'erased'",
    )
    .bind(person_id)
    .fetch_optional(tx.conn())
    .await?;
    let Some((email, first, last)) = row else {
        return Ok(());
    };
    let text = [email, first, last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let terms = terms(&text);
    if terms.is_empty() {
        return Ok(());
    }
    // Terms are [a-z0-9] only (see `terms`), so they are safe as literals; one statement.
    let values: Vec<String> = terms.iter().map(|t| format!("('{t}', $1)")).collect();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO member_search (term, person_id) VALUES {}",
        values.join(", ")
    )))
    .bind(person_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Fills the index for members stored before it existed (once, at start-up, marked done in
/// `change_counters` as `member_search`).
pub async fn backfill(db: &crate::db::Db) -> crate::error::Result<()> {
    let (done,): (i64,) =
        sqlx::query_as("SELECT value FROM change_counters WHERE name = 'member_search'")
            .fetch_one(&db.read)
            .await?;
    if done != 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT person_id FROM accounts WHERE status <> 'erased'")
            .fetch_all(tx.conn())
            .await?;
    for (id,) in &ids {
        reindex(&mut tx, id).await?;
    }
    sqlx::query("UPDATE change_counters SET value = 1 WHERE name = 'member_search'")
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_folded_words() {
        assert_eq!(
            terms("Jan.Peeters+lw@Example.org"),
            ["example", "jan", "lw", "org", "peeters"]
        );
        assert_eq!(terms("Jožef Ünal-Çelik"), ["celik", "jozef", "unal"]);
        assert_eq!(terms("李"), ["li"]);
        assert!(terms("%_\\'").is_empty(), "no letters, no terms");
        assert_eq!(terms(&"a".repeat(100))[0].len(), TERM_MAX);
    }

    #[test]
    fn ranges_cover_exactly_the_words_that_start_with_the_query() {
        let r = ranges("pee");
        assert_eq!(r.len(), 1);
        let (from, to) = &r[0];
        for hit in ["pee", "peeters", "peezzzzz"] {
            assert!(from.as_str() <= hit && hit <= to.as_str(), "{hit}");
        }
        for miss in ["pea", "pef", "pe", "q"] {
            assert!(!(from.as_str() <= miss && miss <= to.as_str()), "{miss}");
        }
        assert_eq!(ranges("a b c d e").len(), QUERY_WORDS);
        assert_eq!(ranges("Ünal  Peeters")[0].0, "peeters", "longest first");
    }
}
