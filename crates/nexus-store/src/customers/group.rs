//! Group commit of single customer creates on SQLite.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits for its fsync: one
//! create per transaction caps creates at the disk's fsync rate (about 800 a second here,
//! docs/benchmarks.md) whatever the CPU. Concurrent creates therefore share a transaction:
//!
//! - each create puts itself in the [`CreateQueue`], then waits for the writer connection;
//! - whoever gets the writer takes every create queued so far and writes them in one
//!   transaction, each under its own savepoint, so a create that fails (an e-mail or a unique
//!   custom-field value taken) is rolled back alone and gets its own error;
//! - one commit, then each create gets its outcome. A create found already taken by an earlier
//!   batch just waits for its outcome.
//!
//! Every create is answered after the commit that holds it, so an acknowledged create is as
//! durable as before. The batch runs in a task of its own: if the request that started it goes
//! away, the others in it are still written and answered.

use crate::db_err;
use crate::pool::{Lease, TrackedPool};
use nexus_core::customer::Customer;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use sqlx::{Connection as _, Sqlite, SqliteConnection};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// A create waiting for a batch to take it.
struct Pending {
    customer: Customer,
    event: Event,
    done: oneshot::Sender<CoreResult<()>>,
}

/// The creates waiting for the writer.
#[derive(Clone, Default)]
pub struct CreateQueue(Arc<Mutex<Vec<Pending>>>);

impl std::fmt::Debug for CreateQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CreateQueue")
    }
}

impl CreateQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes one customer with its event in the next batch; returns once that batch
    /// committed (or this create failed in it).
    pub(crate) async fn insert(
        &self,
        writer: &TrackedPool<Sqlite>,
        customer: &Customer,
        event: &Event,
    ) -> CoreResult<()> {
        let (done, mut outcome) = oneshot::channel();
        self.lock().push(Pending {
            customer: customer.clone(),
            event: event.clone(),
            done,
        });
        // Wait for the writer, unless a batch takes this create meanwhile: then only its
        // outcome is left to wait for (and the writer goes to the next in line at once).
        let lease = tokio::select! {
            biased;
            answered = &mut outcome => return answered.unwrap_or_else(|_| Err(abandoned())),
            lease = writer.lease() => lease,
        };
        match lease {
            Ok(lease) => {
                let batch = std::mem::take(&mut *self.lock());
                if batch.is_empty() {
                    // An earlier batch took this create.
                    drop(lease);
                } else {
                    // A panic in the batch drops its senders: the outcomes below say so.
                    let _ = tokio::spawn(write_batch(lease, batch)).await;
                }
            }
            Err(e) => {
                // No writer (timeout, closed pool): withdraw this create unless a batch has
                // taken it already, in which case its outcome follows.
                let mut queue = self.lock();
                if let Some(i) = queue.iter().position(|p| p.customer.id == customer.id) {
                    queue.swap_remove(i);
                    return Err(db_err(e));
                }
            }
        }
        outcome.await.unwrap_or_else(|_| Err(abandoned()))
    }
}

fn abandoned() -> CoreError {
    CoreError::Internal("the batch holding this create stopped before its commit".into())
}

/// Writes a batch in one transaction, a savepoint per create, and answers each create.
async fn write_batch(mut lease: Lease<Sqlite>, batch: Vec<Pending>) {
    tracing::debug!(creates = batch.len(), "group commit");
    let written: Result<Vec<CoreResult<()>>, sqlx::Error> = async {
        let mut tx = (*lease).begin().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for p in &batch {
            let mut savepoint = tx.begin().await?;
            let outcome = insert_one(&mut savepoint, &p.customer, &p.event).await;
            if outcome.is_ok() {
                savepoint.commit().await?;
            } else {
                savepoint.rollback().await?;
            }
            outcomes.push(outcome);
        }
        tx.commit().await?;
        Ok(outcomes)
    }
    .await;
    match written {
        Ok(outcomes) => {
            for (p, outcome) in batch.into_iter().zip(outcomes) {
                let _ = p.done.send(outcome);
            }
        }
        Err(e) => {
            let message = e.to_string();
            for p in batch {
                let _ = p.done.send(Err(CoreError::Internal(format!(
                    "writing a batch of creates: {message}"
                ))));
            }
        }
    }
}

/// The statements of one create, as the transaction path runs them.
async fn insert_one(conn: &mut SqliteConnection, c: &Customer, ev: &Event) -> CoreResult<()> {
    insert_customers_in!(conn, std::slice::from_ref(c), std::slice::from_ref(ev));
    Ok(())
}
