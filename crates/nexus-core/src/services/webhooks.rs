//! Webhook service (admins only, `webhooks:manage`): registering endpoints, rotating their
//! secrets, reading deliveries with their attempts, and replaying a delivery. The signing secret
//! is returned once, when it is set; it is stored sealed ([`SecretBox`]).

use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::{DeliveryId, WebhookId};
use crate::store::Store;
use crate::webhook::{
    Delivery, DeliveryAttempt, DeliveryQuery, NewWebhook, SecretBox, Webhook, WebhookPatch,
    WebhookQuery, WebhookSecret,
};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const ENTITY: &str = "webhook";

#[derive(Clone)]
pub struct WebhookService {
    store: Arc<dyn Store>,
    bus: EventBus,
    secrets: SecretBox,
}

impl WebhookService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, secrets: SecretBox) -> Self {
        Self {
            store,
            bus,
            secrets,
        }
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    /// Registers an endpoint; returns it with its secret (the only time it is shown).
    pub async fn create(
        &self,
        actor: &Actor,
        input: NewWebhook,
    ) -> CoreResult<(Webhook, WebhookSecret)> {
        actor.require(Permission::WebhooksManage)?;
        let now = crate::time::now();
        let secret = input.secret.unwrap_or_else(WebhookSecret::generate);
        let id = WebhookId::new();
        let w = Webhook {
            id,
            url: input.url,
            description: input.description,
            events: input.events,
            active: input.active,
            disabled_at: None,
            disabled_reason: None,
            consecutive_failures: 0,
            created_by: actor.user_id,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            secret_sealed: self.secrets.seal(id.0, &secret)?,
        };
        let ev = event(actor, &w, diff(None, Some(&w)), "created");
        self.store.insert_webhook(&w, &ev).await?;
        self.bus.committed();
        Ok((w, secret))
    }

    async fn find(&self, actor: &Actor, id: WebhookId, deleted: bool) -> CoreResult<Webhook> {
        actor.require(Permission::WebhooksManage)?;
        match self.store.get_webhook(id).await? {
            Some(w) if w.deleted_at.is_some() == deleted => Ok(w),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    pub async fn get(&self, actor: &Actor, id: WebhookId) -> CoreResult<Webhook> {
        self.find(actor, id, false).await
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: WebhookId,
        patch: &WebhookPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Webhook> {
        let cur = self.find(actor, id, false).await?;
        super::check_if_match(if_match, &cur.etag())?;
        let next = patch.apply(&cur);
        if next == cur {
            return Ok(cur);
        }
        let ev = event(actor, &next, diff(Some(&cur), Some(&next)), "updated");
        self.write(&cur, next, ev).await
    }

    /// Replaces the signing secret (with `secret`, or a new random one) and returns it once.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        id: WebhookId,
        secret: Option<WebhookSecret>,
    ) -> CoreResult<(Webhook, WebhookSecret)> {
        let cur = self.find(actor, id, false).await?;
        let secret = secret.unwrap_or_else(WebhookSecret::generate);
        let mut next = cur.clone();
        next.secret_sealed = self.secrets.seal(id.0, &secret)?;
        let mut changes = Map::new();
        changes.insert(
            "secret".into(),
            json!({"before": "[redacted]", "after": "[redacted]"}),
        );
        let ev = event(actor, &next, changes, "updated");
        Ok((self.write(&cur, next, ev).await?, secret))
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        id: WebhookId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.find(actor, id, false).await?;
        super::check_if_match(if_match, &cur.etag())?;
        let mut next = cur.clone();
        next.deleted_at = Some(crate::time::now().max(cur.updated_at));
        let ev = event(actor, &next, diff(Some(&cur), Some(&next)), "deleted");
        self.write(&cur, next, ev).await.map(|_| ())
    }

    pub async fn restore(&self, actor: &Actor, id: WebhookId) -> CoreResult<Webhook> {
        let cur = match self.find(actor, id, false).await {
            Ok(live) => return Ok(live),
            Err(_) => self.find(actor, id, true).await?,
        };
        let mut next = cur.clone();
        next.deleted_at = None;
        let ev = event(actor, &next, diff(Some(&cur), Some(&next)), "restored");
        self.write(&cur, next, ev).await
    }

    pub async fn list(&self, actor: &Actor, q: &WebhookQuery) -> CoreResult<Vec<Webhook>> {
        actor.require(Permission::WebhooksManage)?;
        self.store.list_webhooks(q).await
    }

    /// Deliveries of a (live or deleted) webhook.
    pub async fn deliveries(&self, actor: &Actor, q: &DeliveryQuery) -> CoreResult<Vec<Delivery>> {
        actor.require(Permission::WebhooksManage)?;
        if self.store.get_webhook(q.webhook_id).await?.is_none() {
            return Err(CoreError::not_found(ENTITY));
        }
        self.store.list_deliveries(q).await
    }

    /// A delivery with its attempts, oldest first.
    pub async fn delivery(
        &self,
        actor: &Actor,
        id: DeliveryId,
    ) -> CoreResult<(Delivery, Vec<DeliveryAttempt>)> {
        actor.require(Permission::WebhooksManage)?;
        let d = self
            .store
            .get_delivery(id)
            .await?
            .ok_or_else(|| CoreError::not_found("delivery"))?;
        let attempts = self.store.delivery_attempts(id).await?;
        Ok((d, attempts))
    }

    /// Schedules one more attempt of a delivery now, with the same `webhook-id`. The webhook
    /// must be live and active.
    pub async fn replay(&self, actor: &Actor, id: DeliveryId) -> CoreResult<Delivery> {
        actor.require(Permission::WebhooksManage)?;
        let d = self
            .store
            .get_delivery(id)
            .await?
            .ok_or_else(|| CoreError::not_found("delivery"))?;
        match self.store.get_webhook(d.webhook_id).await? {
            Some(w) if w.deleted_at.is_none() && w.active => {}
            _ => {
                return Err(CoreError::conflict(
                    "webhook_inactive",
                    None,
                    "the delivery's webhook is deleted or disabled; enable it first",
                ));
            }
        }
        if !self.store.replay_delivery(id, crate::time::now()).await? {
            return Err(CoreError::conflict(
                "delivery_in_flight",
                None,
                "an attempt of this delivery is being sent; replay it when it is done",
            ));
        }
        self.store
            .get_delivery(id)
            .await?
            .ok_or_else(|| CoreError::not_found("delivery"))
    }

    async fn write(&self, cur: &Webhook, mut next: Webhook, ev: Event) -> CoreResult<Webhook> {
        next.version = cur.version + 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        if let Some(d) = &mut next.deleted_at {
            *d = next.updated_at;
        }
        if !self.store.update_webhook(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.bus.committed();
        Ok(next)
    }
}

fn event(actor: &Actor, w: &Webhook, changes: Map<String, Value>, action: &str) -> Event {
    Event::new(ENTITY, w.id.0, action, Some(actor.user_id), changes)
        .with_ownership(Some(w.created_by), None)
}

/// The `webhook.disabled` event written when an endpoint's deliveries keep failing.
pub fn disabled_event(w: &Webhook, reason: &str) -> Event {
    let mut changes = Map::new();
    changes.insert("active".into(), json!({"before": true, "after": false}));
    changes.insert(
        "disabled_reason".into(),
        json!({"before": w.disabled_reason, "after": reason}),
    );
    Event::new(ENTITY, w.id.0, "disabled", None, changes).with_ownership(Some(w.created_by), None)
}
