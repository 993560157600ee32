//! Roles, permissions and the acting principal. The table in `shared/spec/api.md` is encoded
//! here and nowhere else: services ask [`Actor::require`] for a permission and
//! [`Actor::can_read_record`] / [`Actor::can_write_record`] for ownership.

use crate::error::CoreError;
use crate::ids::{ApiKeyId, SessionId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    SalesRep,
    Support,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::SalesRep,
        Role::Support,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::SalesRep => "sales_rep",
            Role::Support => "support",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role grants nothing that `other` does not: every permission of this role
    /// is one of `other`'s, and its reach over records is no wider (admins, support agents and
    /// viewers read every team's records; managers and sales reps their own team's). An API key
    /// may only carry a role within the role of the user it acts for: a viewer key for a sales
    /// rep would read every team's records, which the rep cannot.
    pub fn within(self, other: Role) -> bool {
        self.permissions().iter().all(|p| other.has(*p))
            && (other.reads_every_team() || !self.reads_every_team())
    }

    /// Whether the role reads customer-like records of every team.
    fn reads_every_team(self) -> bool {
        matches!(self, Role::Admin | Role::Support | Role::Viewer)
    }

    /// The permissions granted to this role.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &[
                CustomersRead,
                CustomersWrite,
                CustomersReassign,
                ProductsRead,
                ProductsWrite,
                TransactionsRead,
                TransactionsWrite,
                PipelinesRead,
                PipelinesManage,
                DealsRead,
                DealsWrite,
                DealsReassign,
                ActivitiesRead,
                ActivitiesWrite,
                ActivitiesReassign,
                UsersRead,
                UsersWrite,
                TeamsRead,
                TeamsWrite,
                ApiKeysManage,
                EventsRead,
                PrivacyManage,
                CustomFieldsManage,
                WebhooksManage,
                AiManage,
            ],
            Role::Manager => &[
                CustomersRead,
                CustomersWrite,
                CustomersReassign,
                ProductsRead,
                ProductsWrite,
                TransactionsRead,
                TransactionsWrite,
                PipelinesRead,
                DealsRead,
                DealsWrite,
                DealsReassign,
                ActivitiesRead,
                ActivitiesWrite,
                ActivitiesReassign,
                UsersRead,
                TeamsRead,
                EventsRead,
            ],
            Role::SalesRep => &[
                CustomersRead,
                CustomersWrite,
                ProductsRead,
                TransactionsRead,
                TransactionsWrite,
                PipelinesRead,
                DealsRead,
                DealsWrite,
                ActivitiesRead,
                ActivitiesWrite,
                EventsRead,
            ],
            Role::Support => &[
                CustomersRead,
                ActivitiesRead,
                ActivitiesWrite,
                ProductsRead,
                TransactionsRead,
                EventsRead,
            ],
            Role::Viewer => &[
                CustomersRead,
                ProductsRead,
                TransactionsRead,
                PipelinesRead,
                DealsRead,
                ActivitiesRead,
                EventsRead,
            ],
        }
    }

    pub fn has(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| CoreError::invalid("role", "invalid_role", "unknown role"))
    }
}

/// Named permissions granted to roles (`customers:read`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    CustomersRead,
    CustomersWrite,
    CustomersReassign,
    PipelinesRead,
    PipelinesManage,
    DealsRead,
    DealsWrite,
    DealsReassign,
    ActivitiesRead,
    ActivitiesWrite,
    /// Read the product catalogue (every role: api.md is silent on products).
    ProductsRead,
    /// Change the product catalogue (admins and managers).
    ProductsWrite,
    /// Read transactions of customers within reach (ownership follows the customer).
    TransactionsRead,
    /// Record and change transactions of customers the actor may write.
    TransactionsWrite,
    ActivitiesReassign,
    UsersRead,
    UsersWrite,
    TeamsRead,
    TeamsWrite,
    ApiKeysManage,
    EventsRead,
    /// Export everything held about a customer and erase a customer's personal data (admins).
    PrivacyManage,
    /// Define, change and delete custom fields (admins). Reading the definitions of an entity
    /// needs only read access to that entity.
    CustomFieldsManage,
    /// Register webhooks, read their deliveries and replay them (admins).
    WebhooksManage,
    /// Train the AI models on demand and read every recorded version (admins).
    AiManage,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::CustomersRead => "customers:read",
            Permission::CustomersWrite => "customers:write",
            Permission::CustomersReassign => "customers:reassign",
            Permission::PipelinesRead => "pipelines:read",
            Permission::PipelinesManage => "pipelines:manage",
            Permission::DealsRead => "deals:read",
            Permission::DealsWrite => "deals:write",
            Permission::DealsReassign => "deals:reassign",
            Permission::ActivitiesRead => "activities:read",
            Permission::ActivitiesWrite => "activities:write",
            Permission::ProductsRead => "products:read",
            Permission::ProductsWrite => "products:write",
            Permission::TransactionsRead => "transactions:read",
            Permission::TransactionsWrite => "transactions:write",
            Permission::ActivitiesReassign => "activities:reassign",
            Permission::UsersRead => "users:read",
            Permission::UsersWrite => "users:write",
            Permission::TeamsRead => "teams:read",
            Permission::TeamsWrite => "teams:write",
            Permission::ApiKeysManage => "api_keys:manage",
            Permission::EventsRead => "events:read",
            Permission::PrivacyManage => "privacy:manage",
            Permission::CustomFieldsManage => "custom_fields:manage",
            Permission::WebhooksManage => "webhooks:manage",
            Permission::AiManage => "ai:manage",
        }
    }
}

/// How the caller authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// An access token of a login session.
    Session(SessionId),
    /// An API key.
    ApiKey(ApiKeyId),
    /// The process itself (CLI commands, background jobs).
    System,
}

/// The principal on whose behalf a service call runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub credential: Credential,
}

/// What ownership fields a record carries, for the visibility rules.
#[derive(Clone, Copy, Debug)]
pub struct Ownership {
    pub owner_id: UserId,
    pub team_id: Option<TeamId>,
}

/// The kinds of owned records that share the ownership rules of api.md, each with its own
/// permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    Customer,
    Deal,
    Activity,
}

impl RecordKind {
    pub fn read(self) -> Permission {
        match self {
            RecordKind::Customer => Permission::CustomersRead,
            RecordKind::Deal => Permission::DealsRead,
            RecordKind::Activity => Permission::ActivitiesRead,
        }
    }

    pub fn write(self) -> Permission {
        match self {
            RecordKind::Customer => Permission::CustomersWrite,
            RecordKind::Deal => Permission::DealsWrite,
            RecordKind::Activity => Permission::ActivitiesWrite,
        }
    }

    pub fn reassign(self) -> Permission {
        match self {
            RecordKind::Customer => Permission::CustomersReassign,
            RecordKind::Deal => Permission::DealsReassign,
            RecordKind::Activity => Permission::ActivitiesReassign,
        }
    }
}

/// Which records a list query may return for an actor; the store turns it into SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Records of this team, plus records owned by this user.
    Team {
        team_id: Option<TeamId>,
        user_id: UserId,
    },
}

impl Actor {
    /// A system actor with admin rights, used by CLI commands and background jobs.
    pub fn system(user_id: UserId) -> Self {
        Self {
            user_id,
            role: Role::Admin,
            team_id: None,
            credential: Credential::System,
        }
    }

    /// The team of the actor's own user when the actor carries it: sessions and API keys are
    /// built from the active user's row, a system actor (CLI commands, background jobs) may not
    /// be, so its user must be read.
    pub fn own_team(&self) -> Option<Option<TeamId>> {
        match self.credential {
            Credential::Session(_) | Credential::ApiKey(_) => Some(self.team_id),
            Credential::System => None,
        }
    }

    pub fn has(&self, p: Permission) -> bool {
        self.role.has(p)
    }

    /// Fails with `Forbidden` unless the role has the permission.
    pub fn require(&self, p: Permission) -> Result<(), CoreError> {
        if self.has(p) {
            Ok(())
        } else {
            Err(CoreError::Forbidden)
        }
    }

    /// The slice of customer-like records (customers, deals, activities, transactions) this
    /// actor may read.
    pub fn record_scope(&self) -> Scope {
        if self.role.reads_every_team() {
            Scope::All
        } else {
            Scope::Team {
                team_id: self.team_id,
                user_id: self.user_id,
            }
        }
    }

    pub fn can_read_record(&self, o: Ownership) -> bool {
        self.can_read(RecordKind::Customer, o, None)
    }

    /// May this actor read a record with this ownership under permission `p` (records that
    /// belong to a customer, such as transactions, follow the customer's ownership)?
    pub fn can_read_owned(&self, p: Permission, o: Ownership) -> bool {
        if !self.has(p) {
            return false;
        }
        match self.record_scope() {
            Scope::All => true,
            Scope::Team { team_id, user_id } => {
                o.owner_id == user_id || (team_id.is_some() && o.team_id == team_id)
            }
        }
    }

    /// May this actor change or delete the record? Admins: always; managers: their team's
    /// records; sales reps: records they own.
    pub fn can_write_record(&self, o: Ownership) -> bool {
        self.can_write(RecordKind::Customer, o, None)
    }

    /// [`Actor::can_write_record`] under permission `p`.
    pub fn can_write_owned(&self, p: Permission, o: Ownership) -> bool {
        if !self.has(p) {
            return false;
        }
        match self.role {
            Role::Admin => true,
            Role::Manager => {
                o.owner_id == self.user_id || (self.team_id.is_some() && o.team_id == self.team_id)
            }
            Role::SalesRep => o.owner_id == self.user_id,
            Role::Support | Role::Viewer => false,
        }
    }

    /// May this actor read a record of this kind? `assignee` is the user an activity is
    /// assigned to: assignees always see their activities.
    pub fn can_read(&self, kind: RecordKind, o: Ownership, assignee: Option<UserId>) -> bool {
        if !self.has(kind.read()) {
            return false;
        }
        match self.record_scope() {
            Scope::All => true,
            Scope::Team { team_id, user_id } => {
                o.owner_id == user_id
                    || assignee == Some(user_id)
                    || (team_id.is_some() && o.team_id == team_id)
            }
        }
    }

    /// May this actor change or delete a record of this kind? Admins: always; managers: their
    /// team's records; sales reps: records they own; support (activities only): activities they
    /// own. Whoever may write activities may also write those assigned to them.
    pub fn can_write(&self, kind: RecordKind, o: Ownership, assignee: Option<UserId>) -> bool {
        if !self.has(kind.write()) {
            return false;
        }
        let assigned = kind == RecordKind::Activity && assignee == Some(self.user_id);
        match self.role {
            Role::Admin => true,
            Role::Manager => {
                o.owner_id == self.user_id
                    || assigned
                    || (self.team_id.is_some() && o.team_id == self.team_id)
            }
            Role::SalesRep | Role::Support => o.owner_id == self.user_id || assigned,
            Role::Viewer => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, team: Option<TeamId>) -> Actor {
        Actor {
            user_id: UserId::new(),
            role,
            team_id: team,
            credential: Credential::System,
        }
    }

    #[test]
    fn sales_rep_reads_team_writes_own() {
        let team = TeamId::new();
        let rep = actor(Role::SalesRep, Some(team));
        let colleague = UserId::new();
        let teammate_record = Ownership {
            owner_id: colleague,
            team_id: Some(team),
        };
        let own_record = Ownership {
            owner_id: rep.user_id,
            team_id: Some(team),
        };
        let foreign = Ownership {
            owner_id: colleague,
            team_id: Some(TeamId::new()),
        };
        assert!(rep.can_read_record(teammate_record));
        assert!(!rep.can_write_record(teammate_record));
        assert!(rep.can_write_record(own_record));
        assert!(!rep.can_read_record(foreign));
    }

    #[test]
    fn manager_writes_team_only_and_support_reads_all() {
        let team = TeamId::new();
        let m = actor(Role::Manager, Some(team));
        let other = Ownership {
            owner_id: UserId::new(),
            team_id: Some(TeamId::new()),
        };
        let mine = Ownership {
            owner_id: UserId::new(),
            team_id: Some(team),
        };
        assert!(m.can_write_record(mine));
        assert!(!m.can_write_record(other));
        assert!(!m.can_read_record(other));
        let s = actor(Role::Support, None);
        assert!(s.can_read_record(other));
        assert!(!s.can_write_record(other));
        let v = actor(Role::Viewer, None);
        assert!(v.can_read_record(other) && !v.can_write_record(other));
    }

    #[test]
    fn deals_and_activities_follow_the_table() {
        let team = TeamId::new();
        let rep = actor(Role::SalesRep, Some(team));
        let support = actor(Role::Support, None);
        let viewer = actor(Role::Viewer, None);
        let manager = actor(Role::Manager, Some(team));
        let colleague = Ownership {
            owner_id: UserId::new(),
            team_id: Some(team),
        };
        let foreign = Ownership {
            owner_id: UserId::new(),
            team_id: Some(TeamId::new()),
        };
        // Deals: like customers; support sees none, viewers read only.
        assert!(rep.can_read(RecordKind::Deal, colleague, None));
        assert!(!rep.can_write(RecordKind::Deal, colleague, None));
        assert!(manager.can_write(RecordKind::Deal, colleague, None));
        assert!(!support.can_read(RecordKind::Deal, colleague, None));
        assert!(viewer.can_read(RecordKind::Deal, foreign, None));
        assert!(!viewer.can_write(RecordKind::Deal, foreign, None));
        // Activities: support reads all, writes its own; assignees read and write theirs, even
        // outside their team; an assignment means nothing for deals.
        assert!(support.can_read(RecordKind::Activity, foreign, None));
        assert!(!support.can_write(RecordKind::Activity, foreign, None));
        let supports = Ownership {
            owner_id: support.user_id,
            team_id: Some(team),
        };
        assert!(support.can_write(RecordKind::Activity, supports, None));
        assert!(rep.can_read(RecordKind::Activity, foreign, Some(rep.user_id)));
        assert!(rep.can_write(RecordKind::Activity, foreign, Some(rep.user_id)));
        assert!(!rep.can_read(RecordKind::Activity, foreign, None));
        assert!(!rep.can_write(RecordKind::Deal, foreign, Some(rep.user_id)));
        assert!(!viewer.can_write(RecordKind::Activity, foreign, Some(viewer.user_id)));
        assert!(
            manager.has(RecordKind::Activity.reassign()) && !rep.has(RecordKind::Deal.reassign())
        );
        assert!(
            Role::Admin.has(Permission::PipelinesManage)
                && !Role::Manager.has(Permission::PipelinesManage)
        );
        assert!(!Role::Support.has(Permission::PipelinesRead));
    }

    #[test]
    fn roles_round_trip_through_strings() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn a_role_within_another_grants_nothing_more() {
        use Role::*;
        for r in Role::ALL {
            assert!(r.within(r), "{r} within itself");
            assert!(r.within(Admin), "{r} within admin");
        }
        assert!(SalesRep.within(Manager));
        assert!(Support.within(Admin));
        // Wider reach: viewers and support agents read every team's records.
        assert!(!Viewer.within(SalesRep));
        assert!(!Viewer.within(Manager));
        assert!(!Support.within(SalesRep));
        // More permissions.
        assert!(!Manager.within(SalesRep));
        assert!(!Support.within(Viewer), "support writes activities");
        assert!(!Viewer.within(Support), "viewers read deals");
        assert!(!Admin.within(Manager));
    }
}
