//! The in-process event bus. The sequencer publishes each committed, numbered event here, in
//! sequence order; real-time delivery, webhooks and AI jobs subscribe.

use crate::event::Event;
use std::sync::Arc;
use tokio::sync::{Notify, broadcast};

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<Event>>,
    /// Woken after every committed write so that the sequencer runs at once instead of waiting
    /// for its next tick.
    wake: Arc<Notify>,
}

impl EventBus {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self { tx, wake: Arc::new(Notify::new()) }
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
