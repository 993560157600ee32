//! Values derived from the store and kept in process between requests: the custom-field
//! definitions a write validates against, and the win model's inputs a deal read scores with.
//!
//! A [`Memo`] is a map with a time to live that is forgotten whole when what it derives from
//! changes:
//!
//! - The service that writes the source forgets it right after its commit, so on one instance a
//!   read that follows sees the change.
//! - Every instance forgets it when an event of the log names a change of the source
//!   (`spawn_background` in the API crate), which covers the other instances; the time to live
//!   bounds staleness should events stop.
//! - No stale fill: a load that started before a forget is not kept.
//! - At most `max` entries: a fill that finds it full starts again from empty (the values are
//!   cheap to load again; this only bounds memory).
//!
//! [`Memo::uncached`] (services built alone, in tests) loads every time.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub struct Memo<K, V>(Option<Arc<Mutex<State<K, V>>>>);

// Not derived: a derive would require `K: Clone, V: Clone`, and a clone shares the map.
impl<K, V> Clone for Memo<K, V> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

struct State<K, V> {
    ttl: Duration,
    max: usize,
    /// Moves on with every forget; a load keeps its result only if it did not move.
    generation: u64,
    entries: HashMap<K, (V, Instant)>,
}

impl<K: Eq + Hash + Clone, V: Clone> Memo<K, V> {
    /// Values kept for at most `ttl`, at most `max` of them.
    pub fn cached(ttl: Duration, max: usize) -> Self {
        Self(Some(Arc::new(Mutex::new(State {
            ttl,
            max: max.max(1),
            generation: 0,
            entries: HashMap::new(),
        }))))
    }

    /// Nothing kept: every get loads.
    pub fn uncached() -> Self {
        Self(None)
    }

    /// The value of `key`: the one kept, or the one `load` reads (kept unless a forget came
    /// meanwhile).
    pub async fn get<E, F, Fut>(&self, key: K, load: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let Some(state) = &self.0 else {
            return load().await;
        };
        let generation = {
            let s = lock(state);
            if let Some((v, at)) = s.entries.get(&key)
                && at.elapsed() < s.ttl
            {
                return Ok(v.clone());
            }
            s.generation
        };
        let v = load().await?;
        keep(state, generation, [(key, v.clone())]);
        Ok(v)
    }

    /// The values of `keys`: those kept, and the others read together by one call of `load`,
    /// which is given the missing keys and answers a value for each it knows (keys it leaves
    /// out are missing from the result and are not kept).
    pub async fn get_many<E, F, Fut>(&self, keys: &[K], load: F) -> Result<HashMap<K, V>, E>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future<Output = Result<Vec<(K, V)>, E>>,
    {
        let Some(state) = &self.0 else {
            return Ok(load(keys.to_vec()).await?.into_iter().collect());
        };
        let mut found = HashMap::with_capacity(keys.len());
        let mut missing = Vec::new();
        let generation = {
            let s = lock(state);
            for k in keys {
                match s.entries.get(k) {
                    Some((v, at)) if at.elapsed() < s.ttl => {
                        found.insert(k.clone(), v.clone());
                    }
                    _ => missing.push(k.clone()),
                }
            }
            s.generation
        };
        if missing.is_empty() {
            return Ok(found);
        }
        let loaded = load(missing).await?;
        keep(state, generation, loaded.iter().cloned());
        found.extend(loaded);
        Ok(found)
    }

    /// Drops every value (the source changed somewhere).
    pub fn forget(&self) {
        if let Some(state) = &self.0 {
            let mut s = lock(state);
            s.generation += 1;
            s.entries.clear();
        }
    }
}

fn lock<K, V>(state: &Mutex<State<K, V>>) -> MutexGuard<'_, State<K, V>> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Keeps `values` loaded at `generation`, unless a forget came since.
fn keep<K: Eq + Hash, V>(
    state: &Mutex<State<K, V>>,
    generation: u64,
    values: impl IntoIterator<Item = (K, V)>,
) {
    let mut s = lock(state);
    if s.generation != generation {
        return;
    }
    let now = Instant::now();
    for (k, v) in values {
        if s.entries.len() >= s.max && !s.entries.contains_key(&k) {
            s.entries.clear();
        }
        s.entries.insert(k, (v, now));
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    type R<T> = Result<T, ()>;

    #[tokio::test]
    async fn keeps_values_until_forgotten_or_expired() {
        let loads = AtomicU32::new(0);
        let load = |v: u32| {
            loads.fetch_add(1, Ordering::SeqCst);
            async move { R::Ok(v) }
        };
        let m: Memo<&str, u32> = Memo::cached(Duration::from_secs(60), 10);
        assert_eq!(m.get("a", || load(1)).await, Ok(1));
        assert_eq!(m.get("a", || load(2)).await, Ok(1), "kept");
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        m.forget();
        assert_eq!(m.get("a", || load(3)).await, Ok(3), "forgotten");

        let short: Memo<&str, u32> = Memo::cached(Duration::ZERO, 10);
        assert_eq!(short.get("a", || load(1)).await, Ok(1));
        assert_eq!(short.get("a", || load(2)).await, Ok(2), "expired");
        let none: Memo<&str, u32> = Memo::uncached();
        assert_eq!(none.get("a", || load(1)).await, Ok(1));
        assert_eq!(none.get("a", || load(2)).await, Ok(2), "uncached");
        assert_eq!(m.get("b", || async { R::Err(()) }).await, Err(()));
        assert_eq!(m.get("b", || load(5)).await, Ok(5), "errors are not kept");
    }

    #[tokio::test]
    async fn a_load_that_raced_with_a_forget_is_not_kept() {
        let m: Memo<&str, u32> = Memo::cached(Duration::from_secs(60), 10);
        let racing = m.clone();
        let v = m
            .get("a", || async move {
                racing.forget(); // a write committed while the old value was being read
                R::Ok(1)
            })
            .await;
        assert_eq!(v, Ok(1), "the caller still gets what it read");
        assert_eq!(m.get("a", || async { R::Ok(2) }).await, Ok(2), "not kept");
        let racing = m.clone();
        let many = m
            .get_many(&["x"], |_| async move {
                racing.forget();
                R::Ok(vec![("x", 7)])
            })
            .await;
        assert_eq!(many.map(|h| h["x"]), Ok(7));
        assert_eq!(m.get("x", || async { R::Ok(8) }).await, Ok(8), "not kept");
    }

    #[tokio::test]
    async fn get_many_loads_only_what_is_missing_in_one_call() {
        let m: Memo<u32, u32> = Memo::cached(Duration::from_secs(60), 100);
        m.get(1, || async { R::Ok(10) }).await.unwrap();
        let asked = std::sync::Mutex::new(Vec::new());
        let got = m
            .get_many(&[1, 2, 3], |missing| {
                asked.lock().unwrap().push(missing.clone());
                // 3 is unknown to the source: left out, so neither answered nor kept.
                async move {
                    R::Ok(
                        missing
                            .into_iter()
                            .filter(|k| *k != 3)
                            .map(|k| (k, k * 10))
                            .collect(),
                    )
                }
            })
            .await
            .unwrap();
        assert_eq!(asked.lock().unwrap().as_slice(), &[vec![2, 3]]);
        assert_eq!((got.len(), got[&1], got[&2]), (2, 10, 20));
        let again = m.get_many(&[1, 2], |_| async { R::Err(()) }).await.unwrap();
        assert_eq!(again.len(), 2, "both kept: no load");
    }

    #[tokio::test]
    async fn a_full_memo_starts_again() {
        let m: Memo<u32, u32> = Memo::cached(Duration::from_secs(60), 2);
        for k in 0..3 {
            m.get(k, || async move { R::Ok(k) }).await.unwrap();
        }
        // 0 and 1 filled it; 2 emptied it first.
        assert_eq!(m.get(2, || async { R::Ok(99) }).await, Ok(2));
        assert_eq!(m.get(0, || async { R::Ok(99) }).await, Ok(99));
    }
}
