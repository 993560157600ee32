//! Demo teams and users, created through the user service (so they get events and hashed
//! passwords like any other account). Idempotent: teams are found by name and users by e-mail,
//! and only the missing ones are created.

use super::generate::Rep;
use anyhow::Result;
use nexus_core::auth::{Actor, Role};
use nexus_core::ids::{TeamId, UserId};
use nexus_core::services::Services;
use nexus_core::user::{NewUser, Team, User};
use nexus_core::validate::EmailAddress;
use std::collections::HashMap;

/// Domain of every demo account.
pub const DEMO_DOMAIN: &str = "demo.nexus.local";

/// Regional teams with their manager and sales reps (first and last names).
const TEAMS: &[(&str, &[(&str, &str)])] = &[
    (
        "North America",
        &[
            ("Olivia", "Bennett"),
            ("Ethan", "Brooks"),
            ("Grace", "Coleman"),
            ("Mason", "Reed"),
        ],
    ),
    (
        "EMEA",
        &[
            ("Katrin", "Vogel"),
            ("Luca", "Ferraro"),
            ("Amélie", "Girard"),
            ("Jonas", "Lindqvist"),
        ],
    ),
    (
        "APAC",
        &[
            ("Haruto", "Sato"),
            ("Mei", "Lin"),
            ("Aarav", "Mehta"),
            ("Chloe", "Nguyen"),
        ],
    ),
    (
        "LATAM",
        &[
            ("Valeria", "Castro"),
            ("Mateo", "Rojas"),
            ("Camila", "Duarte"),
            ("Thiago", "Moreira"),
        ],
    ),
];

/// Team-less accounts that see every record: a support agent and a read-only viewer.
const OTHERS: &[(&str, &str, Role)] = &[
    ("Sam", "Porter", Role::Support),
    ("Vic", "Watts", Role::Viewer),
];

/// A demo account to find or create: name, e-mail, role, and team (id and name).
type Wanted = (String, String, Role, Option<(TeamId, &'static str)>);

/// One demo account and whether this run created it.
pub struct DemoUser {
    pub user: User,
    pub team: Option<String>,
    pub created: bool,
}

pub struct DemoUsers {
    pub users: Vec<DemoUser>,
    pub teams_created: usize,
}

impl DemoUsers {
    /// The active sales reps, who own the generated customers.
    pub fn reps(&self) -> Vec<Rep> {
        self.users
            .iter()
            .filter(|u| u.user.role == Role::SalesRep && u.user.active)
            .map(|u| Rep {
                id: u.user.id,
                team_id: u.user.team_id,
            })
            .collect()
    }

    pub fn created(&self) -> usize {
        self.users.iter().filter(|u| u.created).count()
    }
}

fn email_of(first: &str, last: &str) -> String {
    let mut local = String::new();
    super::words::slug(first, None, &mut local);
    local.push('.');
    super::words::slug(last, None, &mut local);
    format!("{local}@{DEMO_DOMAIN}")
}

/// Finds or creates the demo teams and users. New users get `password`.
pub async fn ensure(services: &Services, password: &str) -> Result<DemoUsers> {
    let system = Actor::system(UserId::new());
    let mut existing: HashMap<String, Team> = HashMap::new();
    let mut after = None;
    loop {
        let page = services
            .store
            .list_teams(None, after, 500)
            .await
            .map_err(|e| anyhow::anyhow!("listing teams: {e}"))?;
        after = page.last().map(|t| t.id);
        let full = page.len() == 500;
        existing.extend(page.into_iter().map(|t| (t.name.to_lowercase(), t)));
        if !full {
            break;
        }
    }
    let mut teams_created = 0;
    let mut wanted: Vec<Wanted> = Vec::new();
    for (team_name, members) in TEAMS {
        let team = match existing.get(&team_name.to_lowercase()) {
            Some(t) => t.clone(),
            None => {
                teams_created += 1;
                services
                    .users
                    .create_team(&system, (*team_name).to_owned())
                    .await
                    .map_err(|e| anyhow::anyhow!("creating team {team_name}: {e}"))?
            }
        };
        for (i, (first, last)) in members.iter().enumerate() {
            let role = if i == 0 {
                Role::Manager
            } else {
                Role::SalesRep
            };
            wanted.push((
                format!("{first} {last}"),
                email_of(first, last),
                role,
                Some((team.id, team_name)),
            ));
        }
    }
    for (first, last, role) in OTHERS {
        wanted.push((
            format!("{first} {last}"),
            email_of(first, last),
            *role,
            None,
        ));
    }

    // One user at a time: each Argon2 hash takes 19 MiB, and hashing on several blocking
    // threads at once leaves that much in each thread's malloc arena (hundreds of MiB of RSS
    // for a second saved).
    let mut users = Vec::with_capacity(wanted.len());
    for (name, email, role, team) in wanted {
        let norm = EmailAddress::parse(&email)
            .map_err(|e| anyhow::anyhow!("{email}: {e}"))?
            .normalized();
        let found = services
            .store
            .get_user_by_email(&norm)
            .await
            .map_err(|e| anyhow::anyhow!("looking up {email}: {e}"))?;
        let team_name = team.map(|(_, n)| n.to_owned());
        let (user, created) = match found {
            Some(r) => (r.user, false),
            None => {
                let body = serde_json::json!({
                    "email": email, "name": name, "role": role.as_str(),
                    "team_id": team.map(|(id, _)| id), "password": password,
                });
                let input = NewUser::parse(&body).map_err(|errs| {
                    anyhow::anyhow!(
                        "demo user {email}: {}",
                        errs.iter()
                            .map(|e| format!("{}: {}", e.field, e.message))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                })?;
                let user = services
                    .users
                    .create(&system, input)
                    .await
                    .map_err(|e| anyhow::anyhow!("creating demo user {email}: {e}"))?;
                (user, true)
            }
        };
        users.push(DemoUser {
            user,
            team: team_name,
            created,
        });
    }
    Ok(DemoUsers {
        users,
        teams_created,
    })
}
