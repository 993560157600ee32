//! The Redis backend of the record cache ([`nexus_core::cache`]), shared by every instance when
//! `NEXUS_REDIS_URL` is set. Keys:
//!
//! - `nexus:rc:v:<kind>:<id>` — the stored record as JSON, prefixed with the epoch it was
//!   written in (`<epoch>|<json>`), expiring after the cache's time to live;
//! - `nexus:rc:g:<kind>:<id>` — the key's generation, moved on by every eviction (kept ten
//!   minutes, far longer than any read takes);
//! - `nexus:rc:e` — the epoch, moved on to flush the whole cache;
//! - `nexus:rc:e:<kind>` — the kind's epoch, moved on to forget every record of a kind (all
//!   deals after a move renumbered a stage). A record's epoch is the sum of both: either moving
//!   on moves it on.
//!
//! A miss returns the epoch and generation it saw; a fill is written (by a script, atomically)
//! only if both are unchanged, so a read that raced with a write never puts the old version
//! back, whichever instances they ran on.
//!
//! **Redis down.** The first failing call marks the cache down: reads go to the store (counted
//! as misses) and evictions are skipped, so nothing can be trusted once Redis answers again. A
//! background probe retries every second; its first success flushes the cache (moves the epoch
//! on) and only then serves from Redis again. `/health/ready` shows `record_cache: degraded`
//! meanwhile, and the switch is logged once each way.

use crate::cluster::Cluster;
use async_trait::async_trait;
use nexus_core::cache::{CacheHealth, Cached, FillToken, RecordCache, RecordKey, RecordKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const EPOCH: &str = "nexus:rc:e";
/// How long a key's generation outlives its last eviction.
const GENERATION_TTL_MS: u64 = 600_000;
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// `KEYS`: epoch, generation, value, kind epoch. Returns `{1, json, epoch, 0}` on a hit of the
/// current epoch, else `{0, '', epoch, generation}`.
const GET: &str = r"
local e = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(redis.call('GET', KEYS[4]) or '0')
local v = redis.call('GET', KEYS[3])
if v then
  local p = string.find(v, '|', 1, true)
  if p and tonumber(string.sub(v, 1, p - 1)) == e then
    return {1, string.sub(v, p + 1), e, 0}
  end
end
return {0, '', e, tonumber(redis.call('GET', KEYS[2]) or '0')}
";

/// `KEYS`: epoch, generation, value, kind epoch; `ARGV`: epoch, generation (as the miss saw
/// them), json, time to live (ms). Writes only if neither moved on since.
const PUT: &str = r"
local e = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(redis.call('GET', KEYS[4]) or '0')
local g = tonumber(redis.call('GET', KEYS[2]) or '0')
if e ~= tonumber(ARGV[1]) or g ~= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[3], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1
";

/// `KEYS`: generation, value, generation, value, …; `ARGV`: generation time to live (ms).
const EVICT: &str = r"
for i = 1, #KEYS, 2 do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
  redis.call('DEL', KEYS[i + 1])
end
return #KEYS
";

const FLUSH: &str = "return redis.call('INCR', KEYS[1])";

/// The record cache in Redis. Cheap to clone.
#[derive(Clone)]
pub struct RedisRecordCache {
    inner: Arc<Inner>,
}

struct Inner {
    cluster: Cluster,
    ttl_ms: u64,
    /// Redis failed and has not been flushed since: serve from the store.
    down: AtomicBool,
    /// A probe task is running.
    probing: AtomicBool,
    get: redis::Script,
    put: redis::Script,
    evict: redis::Script,
    flush: redis::Script,
}

fn value_key(k: &RecordKey) -> String {
    format!("nexus:rc:v:{}:{}", k.kind.as_str(), k.id)
}

fn generation_key(k: &RecordKey) -> String {
    format!("nexus:rc:g:{}:{}", k.kind.as_str(), k.id)
}

fn kind_epoch_key(kind: RecordKind) -> String {
    format!("{EPOCH}:{}", kind.as_str())
}

impl RedisRecordCache {
    /// A cache in the Redis of `cluster` (which must have one), entries living `ttl`.
    pub fn new(cluster: Cluster, ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                cluster,
                ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1),
                down: AtomicBool::new(false),
                probing: AtomicBool::new(false),
                get: redis::Script::new(GET),
                put: redis::Script::new(PUT),
                evict: redis::Script::new(EVICT),
                flush: redis::Script::new(FLUSH),
            }),
        }
    }

    fn serving(&self) -> bool {
        !self.inner.down.load(Ordering::Acquire)
    }

    /// Redis did not answer: stop serving from it until a probe has flushed it.
    fn failed(&self) {
        if !self.inner.down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                "record cache: redis unavailable; reads go to the store until it is back"
            );
        }
        if self.inner.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                // Evictions were skipped while down: nothing cached before can be trusted.
                if me.flush().await.is_ok() {
                    me.inner.down.store(false, Ordering::Release);
                    me.inner.probing.store(false, Ordering::Release);
                    tracing::info!("record cache: redis available again (cache flushed)");
                    return;
                }
            }
        });
    }

    async fn flush(&self) -> Result<i64, ()> {
        let mut inv = self.inner.flush.prepare_invoke();
        inv.key(EPOCH);
        self.inner.cluster.eval(&inv).await
    }
}

#[async_trait]
impl RecordCache for RedisRecordCache {
    async fn get(&self, key: RecordKey) -> Cached {
        if !self.serving() {
            return Cached::Miss(None);
        }
        let mut inv = self.inner.get.prepare_invoke();
        inv.key(EPOCH)
            .key(generation_key(&key))
            .key(value_key(&key))
            .key(kind_epoch_key(key.kind));
        match self
            .inner
            .cluster
            .eval::<(i64, String, i64, i64)>(&inv)
            .await
        {
            Ok((1, json, _, _)) => Cached::Hit(Arc::from(json)),
            Ok((_, _, epoch, generation)) => Cached::Miss(Some(FillToken { epoch, generation })),
            Err(()) => {
                self.failed();
                Cached::Miss(None)
            }
        }
    }

    async fn put(&self, key: RecordKey, token: FillToken, record: Arc<str>) {
        if !self.serving() {
            return;
        }
        let mut inv = self.inner.put.prepare_invoke();
        inv.key(EPOCH)
            .key(generation_key(&key))
            .key(value_key(&key))
            .key(kind_epoch_key(key.kind))
            .arg(token.epoch)
            .arg(token.generation)
            .arg(&*record)
            .arg(self.inner.ttl_ms);
        if self.inner.cluster.eval::<i64>(&inv).await.is_err() {
            self.failed();
        }
    }

    async fn evict(&self, keys: &[RecordKey]) {
        if keys.is_empty() || !self.serving() {
            // While down the probe flushes everything before serving again.
            return;
        }
        let mut inv = self.inner.evict.prepare_invoke();
        for k in keys {
            inv.key(generation_key(k)).key(value_key(k));
        }
        inv.arg(GENERATION_TTL_MS);
        if self.inner.cluster.eval::<i64>(&inv).await.is_err() {
            self.failed();
        }
    }

    async fn evict_all(&self) {
        if self.serving() && self.flush().await.is_err() {
            self.failed();
        }
    }

    async fn evict_kind(&self, kind: RecordKind) {
        if !self.serving() {
            return;
        }
        let mut inv = self.inner.flush.prepare_invoke();
        inv.key(kind_epoch_key(kind));
        if self.inner.cluster.eval::<i64>(&inv).await.is_err() {
            self.failed();
        }
    }

    async fn health(&self) -> CacheHealth {
        let serving = self.serving();
        CacheHealth {
            backend: "redis",
            serving,
            detail: (!serving)
                .then(|| "redis unreachable: reads go to the store until it is back".to_owned()),
        }
    }
}
