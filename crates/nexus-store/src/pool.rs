//! Connection pools that count the acquisitions that had to queue, for `/metrics`.
//!
//! sqlx reports a pool's size and idle connections but not how often callers wait for one. Every
//! connection the store uses is leased through [`TrackedPool::lease`], which counts the leases
//! outstanding: an acquisition that starts while the pool's whole capacity is already leased
//! queues until one is returned, and is counted as a wait.

use nexus_core::store::PoolStats;
use sqlx::pool::PoolConnection;
use sqlx::{Database, Pool};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A sqlx pool with acquisition counters.
pub struct TrackedPool<DB: Database> {
    pool: Pool<DB>,
    name: &'static str,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// Leases handed out or being acquired.
    demand: AtomicU32,
    /// Acquisitions that queued, since start.
    waits: AtomicU64,
    /// Acquisitions queued now.
    waiting: AtomicU32,
}

impl<DB: Database> Clone for TrackedPool<DB> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            name: self.name,
            counters: self.counters.clone(),
        }
    }
}

impl<DB: Database> std::fmt::Debug for TrackedPool<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackedPool")
            .field("name", &self.name)
            .field("pool", &self.pool)
            .field("counters", &self.counters)
            .finish()
    }
}

impl<DB: Database> TrackedPool<DB> {
    /// `name` labels the pool's figures (`main`, `writer`, `reader`).
    pub(crate) fn new(pool: Pool<DB>, name: &'static str) -> Self {
        Self {
            pool,
            name,
            counters: Arc::default(),
        }
    }

    /// The sqlx pool itself, for work outside the counters (migrations, test set-up).
    pub fn inner(&self) -> &Pool<DB> {
        &self.pool
    }

    /// A connection of the pool, counted. It returns to the pool when the lease is dropped.
    pub async fn lease(&self) -> Result<Lease<DB>, sqlx::Error> {
        let demand = Demand::new(self.counters.clone());
        let max = self.pool.options().get_max_connections();
        let connection = if demand.ahead >= max {
            self.counters.waits.fetch_add(1, Ordering::Relaxed);
            let _queued = Queued::new(&self.counters);
            self.pool.acquire().await?
        } else {
            self.pool.acquire().await?
        };
        Ok(Lease {
            connection,
            _demand: demand,
        })
    }

    pub fn stats(&self) -> PoolStats {
        PoolStats {
            pool: self.name,
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
            waits: self.counters.waits.load(Ordering::Relaxed),
            waiting: self.counters.waiting.load(Ordering::Relaxed),
        }
    }

    pub async fn close(&self) {
        self.pool.close().await
    }
}

impl TrackedPool<sqlx::Sqlite> {
    /// Empties the page cache of every connection idle right now (`PRAGMA shrink_memory`); the
    /// ones in use keep theirs. A connection keeps its cache for as long as it lives, and the
    /// event relay keeps the writer and one reader alive, so without this a server that once
    /// read or wrote a lot (a load, an import, a start catching up on the event log) would hold
    /// those pages while idle. Refilling costs a page read and decryption per page touched.
    pub async fn shrink_idle(&self) -> u32 {
        // Counted once: each connection taken below leaves one fewer idle.
        let idle_now = self.pool.num_idle();
        let mut idle = Vec::with_capacity(idle_now);
        while idle.len() < idle_now {
            match self.pool.try_acquire() {
                Some(c) => idle.push(c),
                None => break,
            }
        }
        let mut shrunk = 0;
        for c in &mut idle {
            if sqlx::query("PRAGMA shrink_memory")
                .execute(&mut **c)
                .await
                .is_ok()
            {
                shrunk += 1;
            }
        }
        shrunk
    }
}

/// One unit of demand on the pool, from the start of an acquisition until its lease is dropped
/// (also when the acquisition is cancelled or fails).
struct Demand {
    counters: Arc<Counters>,
    /// Leases outstanding when this acquisition started.
    ahead: u32,
}

impl Demand {
    fn new(counters: Arc<Counters>) -> Self {
        let ahead = counters.demand.fetch_add(1, Ordering::AcqRel);
        Self { counters, ahead }
    }
}

impl Drop for Demand {
    fn drop(&mut self) {
        self.counters.demand.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Marks an acquisition as queued while it waits.
struct Queued<'a>(&'a Counters);

impl<'a> Queued<'a> {
    fn new(counters: &'a Counters) -> Self {
        counters.waiting.fetch_add(1, Ordering::Relaxed);
        Self(counters)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A leased connection; dereferences to the backend's connection type.
pub struct Lease<DB: Database> {
    connection: PoolConnection<DB>,
    _demand: Demand,
}

impl<DB: Database> Deref for Lease<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &Self::Target {
        &self.connection
    }
}

impl<DB: Database> DerefMut for Lease<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.connection
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::Duration;

    async fn one_connection_pool() -> TrackedPool<sqlx::Sqlite> {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        TrackedPool::new(pool, "test")
    }

    async fn until_waiting(pool: &TrackedPool<sqlx::Sqlite>, n: u32) {
        tokio::time::timeout(Duration::from_secs(5), async {
            while pool.stats().waiting != n {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the acquisition queues");
    }

    #[tokio::test]
    async fn acquisitions_that_queue_are_counted() {
        let pool = one_connection_pool().await;
        // One after the other: nobody queues.
        for _ in 0..3 {
            drop(pool.lease().await.unwrap());
        }
        let s = pool.stats();
        assert_eq!((s.pool, s.max, s.waits, s.waiting), ("test", 1, 0, 0));

        let first = pool.lease().await.unwrap();
        let other = pool.clone();
        let second = tokio::spawn(async move { other.lease().await.map(drop) });
        until_waiting(&pool, 1).await;
        assert_eq!(pool.stats().waits, 1);
        assert_eq!(pool.stats().idle, 0);
        drop(first);
        second.await.unwrap().unwrap();
        let s = pool.stats();
        assert_eq!((s.waits, s.waiting), (1, 0));

        // A cancelled acquisition counts as a wait and stops waiting.
        let held = pool.lease().await.unwrap();
        let cancelled = tokio::time::timeout(Duration::from_millis(20), pool.lease()).await;
        assert!(cancelled.is_err());
        let s = pool.stats();
        assert_eq!((s.waits, s.waiting), (2, 0));
        drop(held);
        drop(pool.lease().await.unwrap());
        assert_eq!(pool.stats().waits, 2);
    }
}
