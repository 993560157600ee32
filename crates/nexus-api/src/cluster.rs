//! Several instances behind one load balancer, coordinated through Redis when
//! `NEXUS_REDIS_URL` is set (without it, everything here is a no-op and each instance keeps its
//! state in process):
//!
//! - **commit notices** on the `nexus:cluster` channel wake the event relay of every instance
//!   at once, so an event written through instance A reaches Socket.IO clients of instance B
//!   without waiting for B's next poll of the shared log;
//! - **revoked sessions** (logout, password change, deactivation) are broadcast the same way, so
//!   an access token stops working on every instance at once;
//! - **rate-limit counters** live in Redis (fixed one-minute windows per key), so limits hold
//!   across instances;
//! - the **record cache** of single-record reads lives in Redis (`crate::record_cache`), shared
//!   by every instance.
//!
//! Refresh-token families and their reuse detection live in the shared database, which every
//! instance reads in the same transaction as the rotation; they need nothing from Redis.
//!
//! If Redis goes away the API keeps serving: limits fall back to this instance's counters, the
//! relay falls back to polling the log, revocations to the periodic reload from the database,
//! record reads to the store.
//! `/health/ready` shows Redis as `degraded`; the subscriber reconnects by itself.

use crate::gateway::LimitState;
use futures::StreamExt;
use nexus_core::bus::EventBus;
use nexus_core::ids::SessionId;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const CHANNEL: &str = "nexus:cluster";
const TIMEOUT: Duration = Duration::from_millis(500);

/// What instances tell each other.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Notice {
    /// New events were committed: read the log now.
    Commit,
    /// A session was revoked: refuse its access tokens from now on.
    Revoke { session: Uuid },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    /// The sending instance (it ignores its own notices).
    from: Uuid,
    #[serde(flatten)]
    notice: Notice,
}

/// The Redis side of this instance; cheap to clone. `Cluster::local()` has no Redis.
#[derive(Clone, Default)]
pub struct Cluster {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    client: redis::Client,
    conn: ConnectionManager,
    me: Uuid,
    /// Whether the last Redis operation worked.
    up: AtomicBool,
    outbox: mpsc::UnboundedSender<Notice>,
    outbox_rx: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Notice>>>,
}

/// Redis health for `/health/ready`.
pub struct RedisHealth {
    pub up: bool,
    pub latency_ms: f64,
    pub error: Option<String>,
}

/// A fixed-window counter: `INCR` the window's key, set its expiry on the first hit, and return
/// the count and the milliseconds left in the window. One round trip, atomic.
const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}
";

impl Cluster {
    /// No Redis: every instance on its own.
    pub fn local() -> Self {
        Self { inner: None }
    }

    /// Connects lazily to `url` (a Redis that is down at start-up only makes this instance
    /// start degraded).
    pub fn connect(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let (tx, rx) = mpsc::unbounded_channel();
        Ok(Self {
            inner: Some(Arc::new(Inner {
                client,
                conn,
                me: Uuid::now_v7(),
                up: AtomicBool::new(false),
                outbox: tx,
                outbox_rx: std::sync::Mutex::new(Some(rx)),
            })),
        })
    }

    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Tells the other instances that `session` was revoked.
    pub fn revoked(&self, session: SessionId) {
        if let Some(i) = &self.inner {
            let _ = i.outbox.send(Notice::Revoke { session: session.0 });
        }
    }

    /// Counts one hit on `key` in the current one-minute window shared by all instances.
    /// `None` when Redis is not configured or does not answer (the caller then uses its local
    /// limiter).
    pub async fn hit(
        &self,
        key: &str,
        per_minute: u32,
    ) -> Option<Result<LimitState, (LimitState, u64)>> {
        let i = self.inner.as_ref()?;
        let mut conn = i.conn.clone();
        let script = redis::Script::new(HIT);
        let res: Result<(u64, i64), _> = tokio::time::timeout(
            TIMEOUT,
            script
                .key(format!("nexus:rl:{key}"))
                .arg(60_000)
                .invoke_async(&mut conn),
        )
        .await
        .map_err(|_| ())
        .and_then(|r| r.map_err(|_| ()));
        let Ok((n, pttl)) = res else {
            i.set_up(false);
            return None;
        };
        i.set_up(true);
        let reset_secs = (pttl.max(0) as u64).div_ceil(1000).max(1);
        let state = LimitState {
            limit: per_minute,
            remaining: per_minute.saturating_sub(n.min(u64::from(u32::MAX)) as u32),
            reset_secs,
        };
        Some(if n > u64::from(per_minute) {
            Err((state, reset_secs))
        } else {
            Ok(state)
        })
    }

    /// Runs a prepared script on the shared connection within the usual timeout; `Err` without
    /// Redis or when it did not answer (then recorded as down, like every other Redis use).
    pub(crate) async fn eval<T: redis::FromRedisValue>(
        &self,
        inv: &redis::ScriptInvocation<'_>,
    ) -> Result<T, ()> {
        let i = self.inner.as_ref().ok_or(())?;
        let mut conn = i.conn.clone();
        let res = tokio::time::timeout(TIMEOUT, inv.invoke_async::<T>(&mut conn)).await;
        match res {
            Ok(Ok(v)) => {
                i.set_up(true);
                Ok(v)
            }
            _ => {
                i.set_up(false);
                Err(())
            }
        }
    }

    /// Pings Redis (`None` when not configured).
    pub async fn health(&self) -> Option<RedisHealth> {
        let i = self.inner.as_ref()?;
        let started = std::time::Instant::now();
        let mut conn = i.conn.clone();
        let res: Result<Result<String, _>, _> =
            tokio::time::timeout(TIMEOUT, redis::cmd("PING").query_async(&mut conn)).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let error = match res {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(format!("redis unreachable ({:?})", e.kind())),
            Err(_) => Some("redis check timed out".into()),
        };
        i.set_up(error.is_none());
        Some(RedisHealth {
            up: error.is_none(),
            latency_ms,
            error,
        })
    }

    /// Background work: publishes this instance's notices (and a commit notice after every
    /// local commit), and applies the other instances' notices. Reconnects by itself.
    pub async fn run(
        self,
        bus: EventBus,
        revoked: crate::tokens::RevokedSessions,
        stop: CancellationToken,
    ) {
        let Some(i) = self.inner.clone() else { return };
        let Some(mut outbox) = i.outbox_rx.lock().ok().and_then(|mut g| g.take()) else {
            return;
        };
        let publisher = {
            let (i, stop) = (i.clone(), stop.clone());
            let mut commits = bus.subscribe_commits();
            tokio::spawn(async move {
                loop {
                    let notice = tokio::select! {
                        _ = stop.cancelled() => return,
                        n = outbox.recv() => match n { Some(n) => n, None => return },
                        c = commits.changed() => match c { Ok(()) => Notice::Commit, Err(_) => return },
                    };
                    i.publish(&notice).await;
                }
            })
        };
        let mut delay = Duration::from_millis(200);
        while !stop.is_cancelled() {
            match i.client.get_async_pubsub().await {
                Ok(mut ps) => match ps.subscribe(CHANNEL).await {
                    Ok(()) => {
                        tracing::info!("redis: subscribed to cluster notices");
                        i.set_up(true);
                        delay = Duration::from_millis(200);
                        // Whatever was missed while disconnected is in the log.
                        bus.peer_committed();
                        let mut stream = ps.on_message();
                        loop {
                            tokio::select! {
                                _ = stop.cancelled() => break,
                                m = stream.next() => match m {
                                    Some(m) => i.apply(m.get_payload_bytes(), &bus, &revoked),
                                    None => break,
                                },
                            }
                        }
                        if !stop.is_cancelled() {
                            tracing::warn!("redis: cluster subscription lost; reconnecting");
                            i.set_up(false);
                        }
                    }
                    Err(e) => tracing::warn!(error = ?e.kind(), "redis: subscribe failed"),
                },
                Err(e) => {
                    i.set_up(false);
                    // The change to "unavailable" is logged once by `set_up`; retries only at debug level.
                    tracing::debug!(error = ?e.kind(), "redis: unreachable; retrying");
                }
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        publisher.abort();
    }
}

impl Inner {
    fn set_up(&self, up: bool) {
        if self.up.swap(up, Ordering::Relaxed) != up {
            if up {
                tracing::info!("redis: available again");
            } else {
                tracing::warn!(
                    "redis: unavailable; serving degraded (local limits, no cross-instance notices)"
                );
            }
            metrics::gauge!("redis_up").set(if up { 1.0 } else { 0.0 });
        }
    }

    async fn publish(&self, notice: &Notice) {
        let Ok(body) = serde_json::to_string(&Envelope {
            from: self.me,
            notice: *notice,
        }) else {
            return;
        };
        let mut conn = self.conn.clone();
        let res: Result<Result<i64, _>, _> = tokio::time::timeout(
            TIMEOUT,
            redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(body)
                .query_async(&mut conn),
        )
        .await;
        self.set_up(matches!(res, Ok(Ok(_))));
    }

    fn apply(&self, payload: &[u8], bus: &EventBus, revoked: &crate::tokens::RevokedSessions) {
        let Ok(env) = serde_json::from_slice::<Envelope>(payload) else {
            return;
        };
        if env.from == self.me {
            return;
        }
        match env.notice {
            Notice::Commit => bus.peer_committed(),
            Notice::Revoke { session } => revoked.insert(SessionId(session)),
        }
    }
}
