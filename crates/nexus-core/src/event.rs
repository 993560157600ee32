//! The event log (transactional outbox). Every change to an aggregate writes one [`Event`] in the
//! same transaction; a sequencer then numbers committed events in commit order, and the bus
//! publishes them.

use crate::ids::{EventId, TeamId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A change recorded in the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub id: EventId,
    /// Position in the global log, increasing in commit order. Assigned right after commit, so it
    /// is `null` for a few milliseconds on a freshly written event.
    pub seq: Option<i64>,
    /// `<resource>.<action>`, e.g. `customer.updated`.
    #[serde(rename = "type")]
    pub event_type: String,
    pub entity: String,
    pub entity_id: Uuid,
    pub action: String,
    pub actor_id: Option<UserId>,
    /// Owner and team of the record after the change, for permission checks at delivery.
    pub owner_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    /// Changed fields: `{"field": {"before": …, "after": …}}`.
    #[schema(value_type = Object)]
    pub changes: Map<String, Value>,
    pub occurred_at: DateTime<Utc>,
}

impl Event {
    pub fn new(
        entity: &str,
        entity_id: Uuid,
        action: &str,
        actor_id: Option<UserId>,
        changes: Map<String, Value>,
    ) -> Self {
        Self {
            id: EventId::new(),
            seq: None,
            event_type: format!("{entity}.{action}"),
            entity: entity.to_owned(),
            entity_id,
            action: action.to_owned(),
            actor_id,
            owner_id: None,
            team_id: None,
            changes,
            occurred_at: crate::time::now(),
        }
    }

    pub fn with_ownership(mut self, owner_id: Option<UserId>, team_id: Option<TeamId>) -> Self {
        self.owner_id = owner_id;
        self.team_id = team_id;
        self
    }
}

/// Fields that are not changes: bookkeeping, and values derived when read (a deal's
/// `win_probability`).
const BOOKKEEPING: &[&str] = &[
    "version",
    "updated_at",
    "created_at",
    "id",
    "win_probability",
];

/// The top-level fields that differ between two serialised states, as `{before, after}` pairs.
/// `before = None` records a creation (every field is "after"); `after = None` a deletion.
pub fn diff<T: Serialize>(before: Option<&T>, after: Option<&T>) -> Map<String, Value> {
    let to_map = |v: Option<&T>| match v.map(serde_json::to_value) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    let (b, a) = (to_map(before), to_map(after));
    let mut out = Map::new();
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for k in keys {
        if BOOKKEEPING.contains(&k.as_str()) {
            continue;
        }
        let (bv, av) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if bv != av {
            let mut pair = Map::new();
            pair.insert("before".into(), bv.clone());
            pair.insert("after".into(), av.clone());
            out.insert(k.clone(), Value::Object(pair));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_reports_only_changed_fields() {
        let a = json!({"id": 1, "name": "A", "phone": "1", "version": 1});
        let b = json!({"id": 1, "name": "B", "phone": "1", "version": 2, "email": "x@y.z"});
        let d = diff(Some(&a), Some(&b));
        assert_eq!(
            Value::Object(d),
            json!({"name": {"before": "A", "after": "B"}, "email": {"before": null, "after": "x@y.z"}})
        );
        assert!(diff(Some(&a), Some(&a)).is_empty());
    }
}
