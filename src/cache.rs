//! What the read-path caches share: the change counters they are keyed on, read so that many
//! concurrent requests share one database read without ever seeing a version older than the
//! last change committed before they arrived; and a JSON payload served from ready bytes.
//!
//! Why counters in the database (`change_counters`, bumped in the transaction of each change):
//! several server instances share one PostgreSQL, so an in-process flag would miss the others'
//! changes. Seat counts change with every registration, so their counter is split in 16 shards
//! (by event id): two registrations for different events rarely wait on the same counter row,
//! and the sum of the shards still moves with every change, since each only ever grows.

use std::collections::HashMap;
use std::io::Write as _;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use poem::http::header;
use poem::{IntoResponse, Request, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, payload::Payload};
use tokio::sync::watch;

use crate::db::{Db, Tx};
use crate::error::Result;

/// Built answers by query key, each with the stamp it was built under (the counters read before
/// building, and whatever else bounds its life: a day, an end time); a reader says which stamps
/// are still good. Beyond `limit` distinct keys it starts over: the keys in use are few (most
/// readers ask for the first page, feeds have a handful of filters), and this keeps the memory
/// bounded whatever a client puts in its query.
pub struct Keyed<S, V> {
    entries: Mutex<HashMap<String, (S, V)>>,
    limit: usize,
    /// Its label in the hit and miss counts (`metrics`).
    name: &'static str,
}

impl<S, V: Clone> Keyed<S, V> {
    pub fn new(name: &'static str, limit: usize) -> Self {
        Keyed {
            entries: Mutex::new(HashMap::new()),
            limit,
            name,
        }
    }

    /// The value for `key` if `fresh` accepts the stamp it was built under.
    pub fn get(&self, key: &str, fresh: impl FnOnce(&S) -> bool) -> Option<V> {
        let found = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries
                .get(key)
                .filter(|(stamp, _)| fresh(stamp))
                .map(|(_, value)| value.clone())
        };
        crate::metrics::cache_lookup(self.name, found.is_some());
        found
    }

    pub fn put(&self, key: String, stamp: S, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.limit && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (stamp, value));
    }
}

/// The change counters, as one consistent read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Versions {
    /// Event content: titles, times, status, capacity… (feeds and lists).
    pub events: i64,
    /// Seats taken, summed over the shards (lists show seats left).
    pub seats: i64,
    /// Households' registrations, per shard (personal feeds).
    pub households: [i64; 16],
    /// What personal calendar addresses lead to (see [`addresses_changed`]).
    pub addresses: i64,
}

impl Versions {
    /// The counter of the shard that `household_id` falls in.
    pub fn household(&self, household_id: &str) -> i64 {
        self.households[shard_index(household_id)]
    }
}

/// Marks event content as changed, in the transaction of the change (bumped at its commit).
pub fn events_changed(tx: &mut Tx) {
    tx.touch("events".to_owned());
}

/// Marks the seats of `event_id` as changed, in the transaction of the change.
pub fn seats_changed(tx: &mut Tx, event_id: &str) {
    tx.touch(seat_shard(event_id));
}

/// Marks the registrations of `household_id` as changed (a new one, a cancellation, a
/// promotion), in the transaction of the change.
pub fn household_changed(tx: &mut Tx, household_id: &str) {
    tx.touch(format!("households:{:x}", shard_index(household_id)));
}

/// Marks personal calendar addresses as changed: one replaced or revoked, an account erased, a
/// member moved to another household. Instances keep address → household in memory while this
/// stays, so every write that can stop an address working or point it elsewhere must call it.
pub fn addresses_changed(tx: &mut Tx) {
    tx.touch("calendar_addresses".to_owned());
}

/// `seats:0` … `seats:f`, from the last hex digit of the id (random in a UUIDv7).
fn seat_shard(event_id: &str) -> String {
    format!("seats:{:x}", shard_index(event_id))
}

/// 0…15, the last hex digit of an id.
fn shard_index(id: &str) -> usize {
    id.chars().last().and_then(|c| c.to_digit(16)).unwrap_or(0) as usize
}

/// Plain rows: folding them into one row in SQL (CASE columns, or one concatenated string) was
/// measured against this in session 6 and was no faster on either engine (BENCHMARKS.md).
async fn read_versions(db: &Db) -> Result<Versions> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, value FROM change_counters")
        .fetch_all(&db.read)
        .await?;
    let mut v = Versions::default();
    for (name, value) in rows {
        if name == "events" {
            v.events = value;
        } else if name == "calendar_addresses" {
            v.addresses = value;
        } else if name.starts_with("seats:") {
            v.seats += value;
        } else if let Some(shard) = name.strip_prefix("households:") {
            v.households[shard_index(shard)] = value;
        }
    }
    Ok(v)
}

/// Reads [`Versions`] for many requests at once.
///
/// A request may use a read that *started* after it arrived, never one already under way (that
/// one could miss a change committed just before the request came in). So each request waits
/// for the next read to start and finish; under load one read answers every request that arrived
/// while the previous read ran, instead of one read each.
#[derive(Clone)]
pub struct VersionReader {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Ticks when a read finishes (or fails).
    finished: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    /// Reads started so far; the number of the latest.
    started: u64,
    /// The number of the latest read that finished, and what it read.
    done: u64,
    value: Versions,
    running: bool,
}

impl Default for VersionReader {
    fn default() -> Self {
        VersionReader {
            inner: Arc::new(Inner {
                state: Mutex::default(),
                finished: watch::Sender::new(0),
            }),
        }
    }
}

impl VersionReader {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent under a panic: every update is a few plain assignments.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counters as of a read that started after this call.
    pub async fn current(&self, db: &Db) -> Result<Versions> {
        let mut finished = self.inner.finished.subscribe();
        let need = self.state().started + 1;
        loop {
            let start = {
                let mut s = self.state();
                if s.done >= need {
                    return Ok(s.value);
                }
                if s.running {
                    None
                } else {
                    s.running = true;
                    s.started += 1;
                    Some(s.started)
                }
            };
            let Some(number) = start else {
                // Cannot fail: `self.inner` holds the sender.
                let _ = finished.changed().await;
                continue;
            };
            // Its own task, so a request that goes away mid-read cannot leave `running` set.
            let reader = self.clone();
            let db = db.clone();
            let read = tokio::spawn(async move {
                let result = read_versions(&db).await;
                {
                    let mut s = reader.state();
                    s.running = false;
                    if let Ok(v) = &result {
                        s.done = number;
                        s.value = *v;
                    }
                }
                reader.inner.finished.send_modify(|n| *n += 1);
                result
            });
            return match read.await {
                Ok(result) => result,
                Err(e) => Err(anyhow::anyhow!("reading the change counters: {e}").into()),
            };
        }
    }
}

/// A built answer with its gzip encoding. `new` makes the gzip the first time a client asks
/// for it (a list page rebuilt under a registration rush is often read only plain, or only
/// gzipped, before the next change); `compressed` makes it at once, for answers large enough
/// that compressing on a request's path would hold up a runtime thread (a public feed).
pub struct Encoded {
    pub plain: Bytes,
    gzip: OnceLock<Bytes>,
}

impl Encoded {
    pub fn new(plain: Bytes) -> Encoded {
        Encoded {
            plain,
            gzip: OnceLock::new(),
        }
    }

    pub fn compressed(plain: Bytes) -> Encoded {
        Encoded {
            gzip: OnceLock::from(gzip(&plain)),
            plain,
        }
    }

    pub fn gzip(&self) -> Bytes {
        self.gzip.get_or_init(|| gzip(&self.plain)).clone()
    }

    /// The answer in the encoding `req` takes, and whether that is gzip.
    pub fn for_request(&self, req: &Request) -> (Bytes, bool) {
        if accepts_gzip(req) {
            (self.gzip(), true)
        } else {
            (self.plain.clone(), false)
        }
    }
}

pub fn gzip(plain: &[u8]) -> Bytes {
    let mut z = GzEncoder::new(Vec::with_capacity(plain.len() / 6), Compression::default());
    // Writing into a Vec cannot fail.
    z.write_all(plain)
        .and_then(|()| z.finish())
        .unwrap_or_default()
        .into()
}

/// Whether the client takes gzip (`Accept-Encoding`, honouring `q=0`).
pub fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let q_zero = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
        })
}

/// A JSON response whose bytes were serialized earlier (a cached page), plain or gzipped as the
/// client asked. In the API description it is the same as `Json<T>`.
pub struct JsonBytes<T> {
    body: Bytes,
    gzipped: bool,
    _of: PhantomData<fn() -> T>,
}

impl<T> JsonBytes<T> {
    /// `page` in the encoding `req` takes.
    pub fn negotiated(req: &Request, page: &Encoded) -> Self {
        let (body, gzipped) = page.for_request(req);
        JsonBytes {
            body,
            gzipped,
            _of: PhantomData,
        }
    }
}

impl<T: Type> Payload for JsonBytes<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> IntoResponse for JsonBytes<T> {
    fn into_response(self) -> Response {
        let builder = Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .header(header::VARY, "Accept-Encoding");
        if self.gzipped {
            builder
                .header(header::CONTENT_ENCODING, "gzip")
                .body(self.body)
        } else {
            builder.body(self.body)
        }
    }
}

impl<T: Type> ApiResponse for JsonBytes<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seat_shards_are_sixteen() {
        assert_eq!(
            seat_shard("0190a3c4-7b1e-7c3d-9e2f-0123456789aB"),
            "seats:b"
        );
        assert_eq!(seat_shard("x"), "seats:0");
    }
}
