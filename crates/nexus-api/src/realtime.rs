//! Socket.IO at `/socket.io/` (socketioxide: Socket.IO v5 over Engine.IO v4, WebSocket and
//! long-polling). A client authenticates in the handshake (`auth: {token}`, an access token or
//! an API key) and then receives `<resource>.<action>` events for the records it may read.
//!
//! Delivery tails the event log through the in-process bus: every instance numbers and reads
//! the shared log (see `nexus_core::bus::relay`), so a change made through any instance reaches
//! the sockets of every instance, in sequence order, without gaps. Permissions are checked per
//! socket at delivery time with the actor's current role and team, using the same rule as
//! `GET /api/v1/events` (`nexus_core::services::events::visible`).

use crate::gateway::{Principal, resolve_token, session_of};
use crate::state::AppState;
use nexus_core::auth::{Actor, Credential};
use nexus_core::event::Event;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::layer::SocketIoLayer;
use socketioxide::socket::Sid;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// How often connected sockets are checked for revoked sessions, revoked API keys and expired
/// access tokens even when no event arrives.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// API keys are looked up again this often (sessions are checked on every sweep).
const API_KEY_RECHECK: Duration = Duration::from_secs(10);

/// The Socket.IO server of this instance and the sockets connected to it.
#[derive(Clone)]
pub struct Realtime {
    pub io: SocketIo,
    pub layer: SocketIoLayer,
    conns: Arc<RwLock<HashMap<Sid, Conn>>>,
}

/// What a connected socket authenticated as.
#[derive(Clone)]
struct Conn {
    socket: SocketRef,
    actor: Actor,
    /// Expiry of the access token (unix seconds); API keys have none here.
    expires_at: Option<i64>,
    /// The API key, kept in memory only to re-check it is still valid.
    api_key: Option<Arc<str>>,
}

/// The handshake payload: `io(url, {auth: {token}})`.
#[derive(Deserialize)]
struct Handshake {
    token: String,
}

/// What a client receives with each event.
#[derive(Serialize)]
struct Delivery<'a> {
    #[serde(flatten)]
    event: &'a Event,
    /// The record after the change, as `GET` would return it (null once it no longer exists).
    resource: &'a Value,
}

impl Default for Realtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Realtime {
    pub fn new() -> Self {
        let (layer, io) = SocketIo::builder()
            .ping_interval(Duration::from_secs(25))
            .ping_timeout(Duration::from_secs(20))
            .max_payload(64 * 1024)
            .build_layer();
        Self {
            io,
            layer,
            conns: Arc::default(),
        }
    }

    /// Registers the namespace handlers; called once the application state exists.
    pub fn install(&self, state: &AppState) {
        let st = state.clone();
        let auth = move |s: SocketRef, TryData(hs): TryData<Handshake>| {
            let st = st.clone();
            async move { authenticate(&st, &s, hs.ok()).await }
        };
        let conns = self.conns.clone();
        let on_connect = move |s: SocketRef| {
            let conns = conns.clone();
            async move {
                let Some(conn) = s.extensions.get::<Conn>() else {
                    let _ = s.disconnect();
                    return;
                };
                s.join(s.id);
                let sid = s.id;
                if let Ok(mut m) = conns.write() {
                    m.insert(sid, conn);
                }
                metrics::gauge!("socketio_connections").increment(1.0);
                let gone = conns.clone();
                s.on_disconnect(move || {
                    let gone = gone.clone();
                    async move {
                        if let Ok(mut m) = gone.write() {
                            m.remove(&sid);
                        }
                        metrics::gauge!("socketio_connections").decrement(1.0);
                    }
                });
            }
        };
        self.io.ns("/", on_connect.with(auth));
    }

    /// Sockets connected to this instance.
    pub fn connections(&self) -> usize {
        self.conns.read().map(|m| m.len()).unwrap_or(0)
    }

    fn snapshot(&self) -> Vec<Conn> {
        self.conns
            .read()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    fn set_actor(&self, sid: Sid, actor: Actor) {
        if let Ok(mut m) = self.conns.write()
            && let Some(c) = m.get_mut(&sid)
        {
            c.actor = actor;
        }
    }

    fn forget(&self, sid: Sid) {
        if let Ok(mut m) = self.conns.write() {
            m.remove(&sid);
        }
    }
}

#[derive(Debug)]
struct Refused(&'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// The connect middleware: a missing, invalid, expired or revoked token is refused (the client
/// sees `connect_error` with the reason as its message).
async fn authenticate(
    state: &AppState,
    s: &SocketRef,
    hs: Option<Handshake>,
) -> Result<(), Refused> {
    let Some(hs) = hs.filter(|h| !h.token.is_empty()) else {
        return Err(Refused("missing_token"));
    };
    let token = hs.token.trim();
    let actor = match resolve_token(state, token).await {
        Principal::Actor(a) => a,
        Principal::Invalid(code) => return Err(Refused(code)),
        Principal::Anonymous => return Err(Refused("missing_token")),
    };
    let (expires_at, api_key) = match actor.credential {
        Credential::ApiKey(_) => (None, Some(Arc::from(token))),
        _ => (state.jwt.verify(token).map(|c| c.exp), None),
    };
    s.extensions.insert(Conn {
        socket: s.clone(),
        actor,
        expires_at,
        api_key,
    });
    Ok(())
}

/// Delivers bus events to the sockets that may see them, and disconnects sockets whose
/// credentials stopped being valid. Ends when `stop` is cancelled.
pub async fn run(state: AppState, stop: CancellationToken) {
    let rt = state.realtime.clone();
    let mut rx = state.services.bus.subscribe();
    let mut sweep = tokio::time::interval(SWEEP_EVERY);
    let mut last_key_check = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = sweep.tick() => {
                let keys = last_key_check.elapsed() >= API_KEY_RECHECK;
                if keys {
                    last_key_check = tokio::time::Instant::now();
                }
                for c in rt.snapshot() {
                    match check(&state, &c, keys).await {
                        Check::Valid => {}
                        Check::Refreshed(actor) => rt.set_actor(c.socket.id, actor),
                        Check::Invalid => drop_socket(&rt, c),
                    }
                }
            }
            ev = rx.recv() => match ev {
                Ok(e) => deliver(&state, &rt, &e).await,
                Err(RecvError::Lagged(n)) => {
                    // The bus overflowed: the skipped events stay in the log, and the clients
                    // learn to catch up through GET /api/v1/events.
                    tracing::warn!(skipped = n, "socket.io delivery lagged behind the bus");
                    let _ = rt.io.emit("events.lagged", &serde_json::json!({"skipped": n})).await;
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    rt.io.close().await;
}

/// What a check of a socket's credential found.
enum Check {
    Valid,
    /// An API key still works but now acts with another role or team (its user's changed):
    /// deliveries from now on follow the new one.
    Refreshed(Actor),
    Invalid,
}

/// Checks a socket's credential: the session is not revoked, the access token has not expired,
/// the API key still works (when `keys`), and the user is still active. Sessions get their
/// user's current role and team at each delivery (the actor cache); API keys here.
async fn check(state: &AppState, c: &Conn, keys: bool) -> Check {
    if let Some(s) = session_of(&c.actor)
        && state.revoked.contains(s)
    {
        return Check::Invalid;
    }
    if c.expires_at
        .is_some_and(|exp| exp < chrono::Utc::now().timestamp())
    {
        return Check::Invalid;
    }
    if keys && let Some(k) = &c.api_key {
        return match state.services.auth.authenticate_api_key(k).await {
            Ok(actor) if actor == c.actor => Check::Valid,
            Ok(actor) => Check::Refreshed(actor),
            Err(_) => Check::Invalid,
        };
    }
    Check::Valid
}

fn drop_socket(rt: &Realtime, c: Conn) {
    rt.forget(c.socket.id);
    let _ = c.socket.emit(
        "session.ended",
        &serde_json::json!({"reason": "token_revoked_or_expired"}),
    );
    let _ = c.socket.disconnect();
}

/// Sends one event to every socket of this instance whose user may see it now. The user's
/// current role and team come from the actor cache (a few seconds old at most), so a team
/// change moves visibility too.
async fn deliver(state: &AppState, rt: &Realtime, e: &Event) {
    let conns = rt.snapshot();
    if conns.is_empty() {
        return;
    }
    let mut to: Vec<String> = Vec::new();
    for c in conns {
        let actor = match session_of(&c.actor) {
            Some(session) => match state
                .actors
                .actor(&*state.store, c.actor.user_id, session)
                .await
            {
                Some(a) if !state.revoked.contains(session) => a,
                _ => {
                    drop_socket(rt, c);
                    continue;
                }
            },
            None => c.actor.clone(),
        };
        if nexus_core::services::events::visible(&actor, e) {
            to.push(c.socket.id.to_string());
        }
    }
    if to.is_empty() {
        return;
    }
    let resource = match state.services.events.resource(e).await {
        Ok(v) => v.unwrap_or(Value::Null),
        Err(err) => {
            tracing::warn!(error = %err, seq = e.seq, "socket.io: cannot load the resource of an event");
            Value::Null
        }
    };
    let payload = Delivery {
        event: e,
        resource: &resource,
    };
    if let Err(err) = rt.io.to(to).emit(&e.event_type, &payload).await {
        tracing::debug!(error = %err, "socket.io: some sockets went away during delivery");
    }
    metrics::counter!("socketio_events_delivered_total").increment(1);
}
