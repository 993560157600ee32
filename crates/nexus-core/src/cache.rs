//! The hot-read cache of single records (`GET /api/v1/customers/{id}`, `/products/{id}`,
//! `/deals/{id}`).
//!
//! [`RecordCache`] is the port; [`LocalCache`] is the in-process backend (bounded, CLOCK
//! eviction, a time to live), and the API crate has a Redis one shared by every instance.
//! Services use it through [`Records`]:
//!
//! - **What is cached is the stored record**, as JSON. The service runs its permission checks on
//!   every read against the record it got, from the cache or from the store, so a hit never
//!   bypasses RBAC, ownership or team scope. Writes read the store, never the cache. What is
//!   derived when read (a deal's `win_probability`) is computed after the cache, on every read.
//! - **Every write evicts** its record after its commit, in the service that wrote it. Every
//!   instance also evicts each record named by an event of the log ([`evict_on_events`]), which
//!   covers the other instances and any write made without a cache at hand.
//! - **Writes that change records without an event of their own** widen the eviction:
//!   - a deal placement that *renumbers* its stage (a gap ran out, about one drop in twenty
//!     into the same slot) changes the `position` of every live deal of the stage. The store
//!     names them ([`crate::store::StoredDeal::renumbered`]) and the writer evicts them all; the
//!     write's event is marked (`changes.position.stage_renumbered`, see
//!     [`crate::deal::mark_stage_renumbered`]) and every instance hearing it evicts all cached
//!     deals ([`RecordCache::evict_kind`]), as the event cannot name a whole stage's deals;
//!   - erasing a customer deletes its deals: the writer and every instance hearing the
//!     `customer.erased` event evict all cached deals.
//!
//!   Both are rare; the in-process backend forgets only deals, Redis moves a per-kind epoch.
//! - **No stale fill**: a miss hands out a [`FillToken`] (the key's generation before the store
//!   read); an eviction moves the generation on, and a fill whose token is no longer current is
//!   dropped. So a read that raced with a write cannot put the old version back.
//! - A backend that cannot answer (Redis down) answers "miss, do not fill": reads go to the store.

use crate::bus::EventBus;
use crate::error::CoreResult;
use crate::event::Event;
use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The kinds of records cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Customer,
    Product,
    Deal,
}

impl RecordKind {
    /// The entity name (as in events) and the `resource` label of the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Product => "product",
            Self::Deal => "deal",
        }
    }

    /// The kind of an event's entity, when records of it are cached.
    pub fn of_entity(entity: &str) -> Option<Self> {
        match entity {
            "customer" => Some(Self::Customer),
            "product" => Some(Self::Product),
            "deal" => Some(Self::Deal),
            _ => None,
        }
    }
}

/// One cached record: its kind and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordKey {
    pub kind: RecordKind,
    pub id: Uuid,
}

impl RecordKey {
    pub fn new(kind: RecordKind, id: Uuid) -> Self {
        Self { kind, id }
    }
}

/// Proof of the key's generation seen by a miss; a fill with an outdated token is dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillToken {
    /// Moves on when the whole cache is flushed.
    pub epoch: i64,
    /// Moves on when the key is evicted.
    pub generation: i64,
}

/// The answer of [`RecordCache::get`].
#[derive(Debug)]
pub enum Cached {
    /// The stored record, as JSON.
    Hit(Arc<str>),
    /// Not cached: read the store, then fill with the token (`None`: do not fill).
    Miss(Option<FillToken>),
}

/// How a backend is doing, for `/health/ready`.
#[derive(Clone, Debug)]
pub struct CacheHealth {
    /// `memory` or `redis`.
    pub backend: &'static str,
    /// `false` while reads bypass the cache (its backend does not answer, or a flush is due).
    pub serving: bool,
    pub detail: Option<String>,
}

/// A cache of stored records by kind and id.
#[async_trait]
pub trait RecordCache: Send + Sync {
    async fn get(&self, key: RecordKey) -> Cached;
    /// Caches `record` (JSON) unless `key` was evicted since the miss that handed out `token`.
    async fn put(&self, key: RecordKey, token: FillToken, record: Arc<str>);
    /// Forgets these records and moves their generations on (pending fills are dropped).
    async fn evict(&self, keys: &[RecordKey]);
    /// Forgets every record (pending fills are dropped).
    async fn evict_all(&self);
    /// Forgets every record of `kind` (pending fills of the kind are dropped); by default, every
    /// record of every kind.
    async fn evict_kind(&self, kind: RecordKind) {
        let _ = kind;
        self.evict_all().await;
    }
    async fn health(&self) -> CacheHealth;
}

/// Cache settings: `ttl` zero disables the cache.
#[derive(Clone, Copy, Debug)]
pub struct CacheSettings {
    pub ttl: Duration,
    /// Records kept in process (the in-process backend's bound).
    pub max_entries: usize,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_entries: 10_000,
        }
    }
}

/// The services' handle on the cache (none: every read goes to the store). Cheap to clone.
#[derive(Clone, Default)]
pub struct Records {
    cache: Option<Arc<dyn RecordCache>>,
}

impl Records {
    /// No cache.
    pub fn disabled() -> Self {
        Self { cache: None }
    }

    pub fn new(cache: Arc<dyn RecordCache>) -> Self {
        Self { cache: Some(cache) }
    }

    /// The in-process cache with `settings` (none when the time to live is zero).
    pub fn local(settings: CacheSettings) -> Self {
        if settings.ttl.is_zero() || settings.max_entries == 0 {
            return Self::disabled();
        }
        Self::new(Arc::new(LocalCache::new(settings)))
    }

    pub fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    /// The record `kind`/`id`, from the cache or else from `load` (the store), which then
    /// fills the cache. `None` (not in the store) is not cached.
    pub async fn read<T, F, Fut>(
        &self,
        kind: RecordKind,
        id: Uuid,
        load: F,
    ) -> CoreResult<Option<T>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = CoreResult<Option<T>>>,
    {
        let Some(cache) = &self.cache else {
            return load().await;
        };
        let key = RecordKey::new(kind, id);
        let token = match cache.get(key).await {
            Cached::Hit(json) => match serde_json::from_str::<T>(&json) {
                Ok(v) => {
                    count(kind, "hit");
                    return Ok(Some(v));
                }
                Err(e) => {
                    // Written by another release of the record type: drop it.
                    tracing::debug!(error = %e, resource = kind.as_str(), "record cache: unreadable entry");
                    cache.evict(&[key]).await;
                    None
                }
            },
            Cached::Miss(token) => token,
        };
        count(kind, "miss");
        let found = load().await?;
        if let (Some(v), Some(token)) = (&found, token)
            && let Ok(json) = serde_json::to_string(v)
        {
            cache.put(key, token, Arc::from(json)).await;
        }
        Ok(found)
    }

    /// Forgets a record after a write committed.
    pub async fn evict(&self, kind: RecordKind, id: Uuid) {
        if let Some(c) = &self.cache {
            c.evict(&[RecordKey::new(kind, id)]).await;
        }
    }

    /// Forgets records after a write of several committed.
    pub async fn evict_many(&self, kind: RecordKind, ids: impl IntoIterator<Item = Uuid>) {
        if let Some(c) = &self.cache {
            let keys: Vec<RecordKey> = ids.into_iter().map(|id| RecordKey::new(kind, id)).collect();
            for chunk in keys.chunks(500) {
                c.evict(chunk).await;
            }
        }
    }

    pub async fn evict_all(&self) {
        if let Some(c) = &self.cache {
            c.evict_all().await;
        }
    }

    /// Forgets every record of `kind`, after a write that changed records of it it cannot name.
    pub async fn evict_kind(&self, kind: RecordKind) {
        if let Some(c) = &self.cache {
            c.evict_kind(kind).await;
        }
    }

    /// The backend's state (`None` without a cache).
    pub async fn health(&self) -> Option<CacheHealth> {
        match &self.cache {
            Some(c) => Some(c.health().await),
            None => None,
        }
    }
}

fn count(kind: RecordKind, outcome: &'static str) {
    metrics::counter!("record_cache_requests_total", "resource" => kind.as_str(), "outcome" => outcome)
        .increment(1);
}

/// Evicts every record named by an event of the log, until `stop`: writes through other
/// instances (and any write of this one) leave no stale entry behind. A lagging subscriber
/// skipped events, so it flushes the cache. Events that changed records they do not name (a
/// deal move that renumbered its stage, a customer erasure that deleted its deals) evict every
/// cached deal.
pub async fn evict_on_events(records: Records, bus: EventBus, stop: CancellationToken) {
    if !records.enabled() {
        return;
    }
    let mut rx = bus.subscribe();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            e = rx.recv() => match e {
                Ok(e) => {
                    if let Some(kind) = RecordKind::of_entity(&e.entity) {
                        records.evict(kind, e.entity_id).await;
                    }
                    if evicts_all_deals(&e) {
                        records.evict_kind(RecordKind::Deal).await;
                    }
                }
                Err(RecvError::Lagged(_)) => records.evict_all().await,
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Whether `e` changed deals it does not name: a placement that renumbered a stage, or a
/// customer erasure (which deletes the customer's deals).
pub fn evicts_all_deals(e: &Event) -> bool {
    crate::deal::renumbers_stage(e) || (e.entity == "customer" && e.action == "erased")
}

const SHARDS: usize = 16;
/// Generation stripes per shard: an eviction drops the pending fills of the keys of its stripe.
const STRIPES: usize = 64;

/// The in-process backend: 16 shards, each a map with CLOCK eviction (an entry used since the
/// hand last passed survives one more round) and an expiry per entry.
pub struct LocalCache {
    ttl: Duration,
    shards: Vec<Mutex<Shard>>,
    hasher: std::collections::hash_map::RandomState,
}

struct Slot {
    key: RecordKey,
    value: Arc<str>,
    expires: Instant,
    used: bool,
}

struct Shard {
    capacity: usize,
    map: HashMap<RecordKey, usize>,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    hand: usize,
    generations: [i64; STRIPES],
    epoch: i64,
}

impl Shard {
    fn remove(&mut self, key: &RecordKey) {
        if let Some(i) = self.map.remove(key) {
            self.slots[i] = None;
            self.free.push(i);
        }
    }

    /// A slot for a new entry: a free one, a new one below capacity, or the CLOCK victim's.
    fn slot(&mut self) -> usize {
        if let Some(i) = self.free.pop() {
            return i;
        }
        if self.slots.len() < self.capacity {
            self.slots.push(None);
            return self.slots.len() - 1;
        }
        loop {
            let i = self.hand;
            self.hand = (self.hand + 1) % self.slots.len();
            match &mut self.slots[i] {
                Some(s) if s.used => s.used = false,
                Some(s) => {
                    let key = s.key;
                    self.map.remove(&key);
                    self.slots[i] = None;
                    return i;
                }
                None => return i,
            }
        }
    }
}

impl LocalCache {
    pub fn new(settings: CacheSettings) -> Self {
        let per_shard = settings.max_entries.div_ceil(SHARDS).max(1);
        Self {
            ttl: settings.ttl,
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        capacity: per_shard,
                        map: HashMap::new(),
                        slots: Vec::new(),
                        free: Vec::new(),
                        hand: 0,
                        generations: [0; STRIPES],
                        epoch: 0,
                    })
                })
                .collect(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// The shard and generation stripe of a key.
    fn place(&self, key: &RecordKey) -> (usize, usize) {
        let h = self.hasher.hash_one(key) as usize;
        (h % SHARDS, (h / SHARDS) % STRIPES)
    }

    fn with_shard<R>(&self, shard: usize, f: impl FnOnce(&mut Shard) -> R) -> R {
        // A panic while holding the lock leaves no broken invariant worse than a lost entry.
        let mut g = match self.shards[shard].lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut g)
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        (0..SHARDS)
            .map(|s| self.with_shard(s, |sh| sh.map.len()))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl RecordCache for LocalCache {
    async fn get(&self, key: RecordKey) -> Cached {
        let (shard, stripe) = self.place(&key);
        let now = Instant::now();
        self.with_shard(shard, |sh| {
            if let Some(&i) = sh.map.get(&key) {
                let live = match sh.slots[i].as_mut() {
                    Some(s) if s.expires > now => {
                        s.used = true;
                        Some(s.value.clone())
                    }
                    _ => None,
                };
                match live {
                    Some(v) => return Cached::Hit(v),
                    None => sh.remove(&key),
                }
            }
            Cached::Miss(Some(FillToken {
                epoch: sh.epoch,
                generation: sh.generations[stripe],
            }))
        })
    }

    async fn put(&self, key: RecordKey, token: FillToken, record: Arc<str>) {
        let (shard, stripe) = self.place(&key);
        let expires = Instant::now() + self.ttl;
        self.with_shard(shard, |sh| {
            if sh.epoch != token.epoch || sh.generations[stripe] != token.generation {
                return;
            }
            sh.remove(&key);
            let i = sh.slot();
            sh.slots[i] = Some(Slot {
                key,
                value: record,
                expires,
                used: false,
            });
            sh.map.insert(key, i);
        });
    }

    async fn evict(&self, keys: &[RecordKey]) {
        for key in keys {
            let (shard, stripe) = self.place(key);
            self.with_shard(shard, |sh| {
                sh.generations[stripe] = sh.generations[stripe].wrapping_add(1);
                sh.remove(key);
            });
        }
    }

    async fn evict_all(&self) {
        for s in 0..SHARDS {
            self.with_shard(s, |sh| {
                sh.epoch = sh.epoch.wrapping_add(1);
                sh.map.clear();
                sh.slots.clear();
                sh.free.clear();
                sh.hand = 0;
            });
        }
    }

    async fn evict_kind(&self, kind: RecordKind) {
        for s in 0..SHARDS {
            self.with_shard(s, |sh| {
                // Every stripe moves on: pending fills of the kind (and, harmlessly, of others)
                // are dropped.
                for g in &mut sh.generations {
                    *g = g.wrapping_add(1);
                }
                let keys: Vec<RecordKey> =
                    sh.map.keys().filter(|k| k.kind == kind).copied().collect();
                for k in &keys {
                    sh.remove(k);
                }
            });
        }
    }

    async fn health(&self) -> CacheHealth {
        CacheHealth {
            backend: "memory",
            serving: true,
            detail: None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(n: u128) -> RecordKey {
        RecordKey::new(RecordKind::Customer, Uuid::from_u128(n))
    }

    fn cache(max: usize) -> LocalCache {
        LocalCache::new(CacheSettings {
            ttl: Duration::from_secs(60),
            max_entries: max,
        })
    }

    async fn fill(c: &LocalCache, k: RecordKey, v: &str) {
        match c.get(k).await {
            Cached::Miss(Some(t)) => c.put(k, t, Arc::from(v)).await,
            other => panic!("expected a miss, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_fill_is_a_hit_until_evicted() {
        let c = cache(100);
        fill(&c, key(1), "v1").await;
        assert!(matches!(c.get(key(1)).await, Cached::Hit(v) if &*v == "v1"));
        c.evict(&[key(1)]).await;
        assert!(matches!(c.get(key(1)).await, Cached::Miss(Some(_))));
    }

    #[tokio::test]
    async fn a_fill_that_raced_with_an_eviction_is_dropped() {
        let c = cache(100);
        let Cached::Miss(Some(token)) = c.get(key(1)).await else {
            panic!("expected a miss")
        };
        // The write commits and evicts while the reader still holds the old version.
        c.evict(&[key(1)]).await;
        c.put(key(1), token, Arc::from("old")).await;
        assert!(matches!(c.get(key(1)).await, Cached::Miss(_)));
        // The same after a flush.
        let Cached::Miss(Some(token)) = c.get(key(2)).await else {
            panic!("expected a miss")
        };
        c.evict_all().await;
        c.put(key(2), token, Arc::from("old")).await;
        assert!(matches!(c.get(key(2)).await, Cached::Miss(_)));
    }

    #[tokio::test]
    async fn evicting_a_kind_forgets_only_its_records_and_drops_its_pending_fills() {
        let c = cache(100);
        let deal = |n| RecordKey::new(RecordKind::Deal, Uuid::from_u128(n));
        fill(&c, key(1), "customer").await;
        fill(&c, deal(2), "deal").await;
        let Cached::Miss(Some(token)) = c.get(deal(3)).await else {
            panic!("expected a miss")
        };
        c.evict_kind(RecordKind::Deal).await;
        c.put(deal(3), token, Arc::from("old")).await;
        assert!(matches!(c.get(deal(2)).await, Cached::Miss(_)));
        assert!(matches!(c.get(deal(3)).await, Cached::Miss(_)));
        assert!(matches!(c.get(key(1)).await, Cached::Hit(_)));
        fill(&c, deal(2), "deal again").await;
        assert!(matches!(c.get(deal(2)).await, Cached::Hit(_)));
    }

    #[tokio::test]
    async fn entries_expire() {
        let c = LocalCache::new(CacheSettings {
            ttl: Duration::from_millis(30),
            max_entries: 100,
        });
        fill(&c, key(1), "v1").await;
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(matches!(c.get(key(1)).await, Cached::Miss(_)));
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_bound_and_keeps_used_entries() {
        let c = cache(SHARDS * 4);
        for n in 0..1000 {
            fill(&c, key(n), "v").await;
            // Key 0 is read after every fill: CLOCK keeps it.
            assert!(
                matches!(c.get(key(0)).await, Cached::Hit(_)),
                "lost key 0 at {n}"
            );
        }
        assert!(c.len() <= SHARDS * 4, "{} entries", c.len());
    }

    #[tokio::test]
    async fn records_read_through_and_evict() {
        let records = Records::local(CacheSettings::default());
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let id = Uuid::from_u128(7);
        for _ in 0..3 {
            let v: Option<String> = records
                .read(RecordKind::Product, id, || async {
                    loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok(Some("p".to_owned()))
                })
                .await
                .unwrap();
            assert_eq!(v.as_deref(), Some("p"));
        }
        assert_eq!(loads.load(std::sync::atomic::Ordering::Relaxed), 1);
        records.evict(RecordKind::Product, id).await;
        let _: Option<String> = records
            .read(RecordKind::Product, id, || async {
                loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(Some("p2".to_owned()))
            })
            .await
            .unwrap();
        assert_eq!(loads.load(std::sync::atomic::Ordering::Relaxed), 2);
        // Not found is not cached.
        let missing = Uuid::from_u128(8);
        for _ in 0..2 {
            let v: Option<String> = records
                .read(RecordKind::Product, missing, || async {
                    loads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Ok(None)
                })
                .await
                .unwrap();
            assert!(v.is_none());
        }
        assert_eq!(loads.load(std::sync::atomic::Ordering::Relaxed), 4);
        assert!(
            !Records::local(CacheSettings {
                ttl: Duration::ZERO,
                max_entries: 10
            })
            .enabled()
        );
    }
}
