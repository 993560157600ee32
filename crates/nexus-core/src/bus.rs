//! The in-process event bus. The sequencer publishes each committed, numbered event here, in
//! sequence order; real-time delivery, webhooks and AI jobs subscribe.

use crate::event::Event;
use std::sync::Arc;
use tokio::sync::{Notify, broadcast, watch};

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<Event>>,
    /// Woken after every committed write so that the sequencer runs at once instead of waiting
    /// for its next tick.
    wake: Arc<Notify>,
    /// Counts commits made through this process, for whoever tells other instances.
    commits: Arc<watch::Sender<u64>>,
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self {
            tx,
            wake: Arc::new(Notify::new()),
            commits: Arc::new(watch::Sender::new(0)),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }

    pub fn publish(&self, event: Arc<Event>) {
        // No subscriber is not an error: the log is the source of truth.
        let _ = self.tx.send(event);
    }

    /// Tells the sequencer that new events were committed.
    pub fn committed(&self) {
        self.wake.notify_one();
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Another instance committed events to the shared log: read it now.
    pub fn peer_committed(&self) {
        self.wake.notify_one();
    }

    /// Changes whenever this process commits events (several commits may show as one change).
    pub fn subscribe_commits(&self) -> watch::Receiver<u64> {
        self.commits.subscribe()
    }

    pub fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new(4096)
    }
}

/// Numbers committed events and publishes them on the bus in sequence order, until `stop`.
/// Runs on every instance: one numbers at a time (the store arbitrates), and each publishes
/// what it reads back by sequence number, so events written through another instance reach
/// this one's subscribers too.
pub async fn relay(
    store: Arc<dyn crate::store::Store>,
    bus: EventBus,
    stop: tokio_util::sync::CancellationToken,
) {
    const BATCH: u32 = 1000;
    let mut last = loop {
        match store.max_seq().await {
            Ok(s) => break s,
            Err(e) => {
                tracing::warn!(error = %e, "event relay: cannot read the log yet");
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
            }
        }
    };
    let wake = bus.wake_handle();
    loop {
        loop {
            match store.sequence_events(BATCH).await {
                Ok(n) if n.len() as u32 == BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "event relay: numbering failed");
                    break;
                }
            }
        }
        loop {
            match store.events_after(last, BATCH).await {
                Ok(events) => {
                    let n = events.len();
                    for e in events {
                        last = e.seq.unwrap_or(last);
                        bus.publish(Arc::new(e));
                    }
                    if n < BATCH as usize {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event relay: reading the log failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
        }
    }
}
