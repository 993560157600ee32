//! Sales pipelines: ordered stages with a win probability and a kind (open, won, lost). Admins
//! manage them; every deal sits in one stage of one pipeline.

use crate::customer::{DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::ids::{PipelineId, StageId};
use crate::page::{Cursor, SortOrder};
use crate::validate::{Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use std::str::FromStr;

string_enum!(
    /// Whether deals in a stage are still open, or were won or lost.
    StageKind { Open => "open", Won => "won", Lost => "lost" }
);

/// One column of the kanban board.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stage {
    pub id: StageId,
    pub name: String,
    /// Win probability of deals in this stage, in percent (won stages 100, lost stages 0).
    #[schema(minimum = 0, maximum = 100)]
    pub probability: u8,
    pub kind: StageKind,
}

/// A pipeline and its stages, in board order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pipeline {
    pub id: PipelineId,
    pub name: String,
    /// New deals without a pipeline go to the default pipeline; exactly one pipeline is.
    pub is_default: bool,
    pub stages: Vec<Stage>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Pipeline {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    pub fn stage(&self, id: StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The first stage (in board order) of a kind.
    pub fn first_stage(&self, kind: StageKind) -> Option<&Stage> {
        self.stages.iter().find(|s| s.kind == kind)
    }

    pub fn sort_value(&self, sort: PipelineSortField) -> String {
        match sort {
            PipelineSortField::CreatedAt => self
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            PipelineSortField::Name => self.name.clone(),
        }
    }
}

pub const PIPELINE_NAME_MAX: usize = 100;
pub const STAGE_NAME_MAX: usize = 100;
pub const STAGES_MAX: usize = 30;

/// A stage as sent by a client: an `id` keeps an existing stage (and its deals), no `id` adds one.
#[derive(Clone, Debug, PartialEq)]
pub struct StageInput {
    pub id: Option<StageId>,
    pub name: String,
    pub probability: u8,
    pub kind: StageKind,
}

/// Validated input of a pipeline create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPipeline {
    pub name: String,
    pub is_default: bool,
    pub stages: Vec<StageInput>,
}

impl NewPipeline {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::validate::field_errors)?;
        let name = f.required_string("name", PIPELINE_NAME_MAX);
        let is_default = f.nullable_boolean("is_default").unwrap_or(false);
        let stages = match f.raw_value("stages") {
            None | Some(Value::Null) => {
                f.error("stages", "required", "is required");
                None
            }
            Some(v) => parse_stages(&mut f, v),
        };
        f.finish()?;
        match (name, stages) {
            (Some(name), Some(stages)) => Ok(Self {
                name,
                is_default,
                stages,
            }),
            _ => Err(Vec::new()),
        }
    }
}

/// Validated input of a pipeline update: `stages`, when present, replaces the list (stages left
/// out are removed, which needs them to hold no live deal).
#[derive(Clone, Debug, PartialEq)]
pub struct PipelinePatch {
    pub name: Patch<String>,
    pub is_default: Option<bool>,
    pub stages: Option<Vec<StageInput>>,
}

impl PipelinePatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::validate::field_errors)?;
        let name = f.string("name", PIPELINE_NAME_MAX);
        if name == Patch::Null {
            f.error("name", "required", "cannot be empty");
        }
        let is_default = f.boolean("is_default");
        let stages = match f.raw_value("stages") {
            None => None,
            Some(Value::Null) => {
                f.error("stages", "required", "cannot be null");
                None
            }
            Some(v) => parse_stages(&mut f, v),
        };
        f.finish()?;
        Ok(Self {
            name,
            is_default,
            stages,
        })
    }
}

/// Parses the `stages` array: 1 to 30 stages with distinct names and ids, at least one of each
/// kind, won stages at 100 % and lost stages at 0 %.
fn parse_stages(f: &mut Fields<'_>, v: &Value) -> Option<Vec<StageInput>> {
    let Value::Array(items) = v else {
        f.error("stages", "invalid_type", "must be an array of stages");
        return None;
    };
    if items.is_empty() || items.len() > STAGES_MAX {
        f.error(
            "stages",
            "out_of_range",
            format!("must hold 1 to {STAGES_MAX} stages"),
        );
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    let before = f.errors.len();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("stages[{i}]");
        let mut sf = match Fields::of(item, &prefix) {
            Ok(sf) => sf,
            Err(e) => {
                f.errors.extend(crate::validate::field_errors(e));
                continue;
            }
        };
        let id = opt(sf.uuid("id")).map(StageId);
        let name = sf.required_string("name", STAGE_NAME_MAX);
        let kind = opt(sf.choice::<StageKind>("kind", StageKind::NAMES)).unwrap_or(StageKind::Open);
        let probability = opt(sf.integer("probability", 0, 100)).map(|p| p as u8);
        let probability = match (kind, probability) {
            (StageKind::Won, Some(p)) if p != 100 => {
                sf.error("probability", "out_of_range", "won stages have 100");
                None
            }
            (StageKind::Lost, Some(p)) if p != 0 => {
                sf.error("probability", "out_of_range", "lost stages have 0");
                None
            }
            (StageKind::Won, _) => Some(100),
            (_, p) => Some(p.unwrap_or(0)),
        };
        if let Some(n) = &name
            && !names.insert(n.to_lowercase())
        {
            sf.error("name", "duplicate", "another stage has this name");
        }
        if let Some(id) = id
            && !ids.insert(id)
        {
            sf.error("id", "duplicate", "another stage has this id");
        }
        let errs = match sf.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e,
        };
        if let (true, Some(name), Some(probability)) = (errs.is_empty(), name, probability) {
            out.push(StageInput {
                id,
                name,
                probability,
                kind,
            });
        }
        f.errors.extend(errs);
    }
    if f.errors.len() > before {
        return None;
    }
    for kind in [StageKind::Open, StageKind::Won, StageKind::Lost] {
        if !out.iter().any(|s| s.kind == kind) {
            f.error(
                "stages",
                "missing_stage_kind",
                format!("needs at least one {} stage", kind.as_str()),
            );
        }
    }
    (f.errors.len() == before).then_some(out)
}

fn opt<T>(p: Patch<T>) -> Option<T> {
    match p {
        Patch::Value(v) => Some(v),
        _ => None,
    }
}

/// Turns stage inputs into stages: known ids must be stages of `existing`; new stages get ids.
pub fn resolve_stages(
    inputs: &[StageInput],
    existing: &[Stage],
) -> Result<Vec<Stage>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let stages = inputs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let id = match s.id {
                Some(id) if existing.iter().any(|e| e.id == id) => id,
                Some(_) => {
                    errors.push(FieldError::new(
                        format!("stages[{i}].id"),
                        "unknown_stage",
                        "is not a stage of this pipeline; leave it out to add a stage",
                    ));
                    StageId::new()
                }
                None => StageId::new(),
            };
            Stage {
                id,
                name: s.name.clone(),
                probability: s.probability,
                kind: s.kind,
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(stages)
    } else {
        Err(errors)
    }
}

string_enum!(
    /// Fields a pipeline list can be sorted by.
    PipelineSortField { CreatedAt => "created_at", Name => "name" }
);

/// A pipeline list query after parsing.
#[derive(Clone, Debug)]
pub struct PipelineQuery {
    pub deleted: DeletedFilter,
    pub sort: PipelineSortField,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stages() -> Value {
        json!([{"name": "New"}, {"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}])
    }

    #[test]
    fn create_defaults_probabilities_and_needs_every_kind() {
        let p = NewPipeline::parse(&json!({"name": " Renewals ", "stages": stages()})).unwrap();
        assert_eq!(p.name, "Renewals");
        let probs: Vec<u8> = p.stages.iter().map(|s| s.probability).collect();
        assert_eq!(probs, vec![0, 100, 0]);
        let errs =
            NewPipeline::parse(&json!({"name": "X", "stages": [{"name": "Only"}]})).unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["missing_stage_kind", "missing_stage_kind"]);
    }

    #[test]
    fn stage_errors_name_their_index() {
        let errs = NewPipeline::parse(&json!({"stages": [
            {"name": "A", "probability": 101}, {"name": "a"}, {"name": "W", "kind": "won", "probability": 50},
            {"kind": "gone", "name": "Z", "x": 1}
        ]}))
        .unwrap_err();
        let fields: Vec<String> = errs
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            vec![
                "name:required",
                "stages[0].probability:out_of_range",
                "stages[1].name:duplicate",
                "stages[2].probability:out_of_range",
                "stages[3].kind:invalid_choice",
                "stages[3].x:unknown_field",
            ]
        );
    }

    #[test]
    fn resolving_keeps_known_ids_only() {
        let existing = vec![Stage {
            id: StageId::new(),
            name: "Old".into(),
            probability: 10,
            kind: StageKind::Open,
        }];
        let inputs = vec![
            StageInput {
                id: Some(existing[0].id),
                name: "Renamed".into(),
                probability: 20,
                kind: StageKind::Open,
            },
            StageInput {
                id: None,
                name: "New".into(),
                probability: 30,
                kind: StageKind::Open,
            },
        ];
        let s = resolve_stages(&inputs, &existing).unwrap();
        assert_eq!(s[0].id, existing[0].id);
        assert_ne!(s[1].id, existing[0].id);
        let bad = vec![StageInput {
            id: Some(StageId::new()),
            ..inputs[0].clone()
        }];
        assert_eq!(
            resolve_stages(&bad, &existing).unwrap_err()[0].field,
            "stages[0].id"
        );
    }
}
