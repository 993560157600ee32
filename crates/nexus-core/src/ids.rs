//! Typed identifiers. Every aggregate has its own newtype over a UUIDv7 so that a `CustomerId`
//! can never be passed where a `UserId` is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUIDv7) identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies a team.
    TeamId
);
id_type!(
    /// Identifies a customer (a person or a company).
    CustomerId
);
id_type!(
    /// Identifies an event in the event log.
    EventId
);
id_type!(
    /// Identifies an API key.
    ApiKeyId
);
id_type!(
    /// Identifies a refresh-token family (one login session and all its rotations).
    SessionId
);
id_type!(
    /// Identifies one refresh token of a family.
    RefreshTokenId
);
id_type!(
    /// Identifies a product of the catalogue.
    ProductId
);
id_type!(
    /// Identifies a sales transaction (an order with line items).
    TransactionId
);
id_type!(
    /// Identifies a sales pipeline.
    PipelineId
);
id_type!(
    /// Identifies a stage of a pipeline.
    StageId
);
id_type!(
    /// Identifies a deal.
    DealId
);
id_type!(
    /// Identifies one entry of a deal's stage history.
    StageChangeId
);
id_type!(
    /// Identifies an activity (note, call, email, meeting or task).
    ActivityId
);

id_type!(
    /// Identifies a saved view.
    ViewId
);
id_type!(
    /// Identifies a custom-field definition.
    CustomFieldId
);
id_type!(
    /// Identifies a webhook endpoint.
    WebhookId
);
id_type!(
    /// Identifies one delivery of one event to one webhook; sent as the `webhook-id` header, the
    /// same on every attempt, so receivers can de-duplicate.
    DeliveryId
);
id_type!(
    /// Identifies one attempt of a webhook delivery.
    AttemptId
);
id_type!(
    /// Identifies a CSV import job.
    ImportId
);
