//! `/api/v1/dashboards/*`: revenue by month, pipeline by stage, new customers per period,
//! activity volume per rep and top customers — each within the caller's record scope.

use crate::error::{ApiResult, Problem};
use crate::extract::{CurrentActor, QueryParams};
use crate::state::AppState;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use nexus_core::FieldError;
use nexus_core::dashboard::{
    MonthRange, Period, PipelineSummary, RepActivity, RevenueMonth, SignupCount, TopCustomer,
    month_key, parse_month,
};
use nexus_core::ids::PipelineId;
use nexus_core::money::Currency;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/dashboards/revenue", get(revenue))
        .route("/api/v1/dashboards/pipeline", get(pipeline))
        .route("/api/v1/dashboards/new-customers", get(new_customers))
        .route("/api/v1/dashboards/activity", get(activity))
        .route("/api/v1/dashboards/top-customers", get(top_customers))
}

/// Longest day range of the new-customers series (about ten years).
const MAX_DAYS: i64 = 3660;
/// Longest activity window.
const MAX_ACTIVITY_DAYS: i64 = 366;

fn range_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, "invalid_range", message)
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RevenueParams {
    /// First month, `YYYY-MM` (default: eleven months before `to`).
    from: Option<String>,
    /// Last month, `YYYY-MM`, inclusive (default: the current month). At most 120 months.
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueReport {
    #[schema(example = "2025-12")]
    from: String,
    #[schema(example = "2026-11")]
    to: String,
    /// Every month of the range for each currency with revenue in it, by currency then month.
    data: Vec<RevenueMonth>,
}

/// Revenue by month: live completed transactions by `occurred_at` (UTC month), per currency,
/// for customers in the caller's scope. Read from a rollup kept exact in the same database
/// transaction as every transaction and customer write.
#[utoipa::path(operation_id = "dashboard_revenue", get, path = "/api/v1/dashboards/revenue", tag = "dashboards", security(("bearer" = [])), params(RevenueParams),
    responses((status = 200, body = RevenueReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn revenue(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<RevenueReport>> {
    let p = QueryParams::parse(raw.as_deref(), &["from", "to"], &[])?;
    let mut errors = Vec::new();
    let mut month = |name: &str| {
        p.one(name).and_then(|v| {
            let m = parse_month(v);
            if m.is_none() {
                errors.push(FieldError::new(name, "invalid_month", "must be YYYY-MM"));
            }
            m
        })
    };
    let (from, to) = (month("from"), month("to"));
    let default = MonthRange::last_year(nexus_core::time::now());
    let to = to.unwrap_or(default.to);
    let from = from.unwrap_or(to - chrono::Months::new(11));
    if errors.is_empty() {
        if from > to {
            errors.push(range_error("from", "must not be after to"));
        } else if (from + chrono::Months::new(MonthRange::MAX_MONTHS)) <= to {
            errors.push(range_error("to", "the range may span at most 120 months"));
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let range = MonthRange { from, to };
    let data = state.services.dashboards.revenue(&actor, range).await?;
    Ok(Json(RevenueReport {
        from: month_key(from),
        to: month_key(to),
        data,
    }))
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PipelineParams {
    /// Default: the default pipeline.
    pipeline_id: Option<PipelineId>,
}

/// Pipeline by stage: live deals in the caller's scope per stage in board order, with count,
/// value and probability-weighted value per currency.
#[utoipa::path(operation_id = "dashboard_pipeline", get, path = "/api/v1/dashboards/pipeline", tag = "dashboards", security(("bearer" = [])), params(PipelineParams),
    responses((status = 200, body = PipelineSummary), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn pipeline(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<PipelineSummary>> {
    let p = QueryParams::parse(raw.as_deref(), &["pipeline_id"], &[])?;
    let mut errors = Vec::new();
    let id = p.uuid("pipeline_id", &mut errors).map(PipelineId);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    Ok(Json(state.services.dashboards.pipeline(&actor, id).await?))
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct NewCustomersParams {
    /// `day`, `week` (starting Monday) or `month` (default).
    period: Option<Period>,
    /// First day, `YYYY-MM-DD` (default: the first day of the month eleven months before `to`).
    from: Option<NaiveDate>,
    /// Last day, inclusive (default: today, UTC). At most 3,660 days.
    to: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct NewCustomersReport {
    period: Period,
    from: NaiveDate,
    to: NaiveDate,
    /// Every period of the range, oldest first.
    data: Vec<SignupCount>,
}

/// New customers per period: customers in the caller's scope created in each period (UTC) and
/// not deleted since.
#[utoipa::path(operation_id = "dashboard_new_customers", get, path = "/api/v1/dashboards/new-customers", tag = "dashboards", security(("bearer" = [])), params(NewCustomersParams),
    responses((status = 200, body = NewCustomersReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn new_customers(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<NewCustomersReport>> {
    let p = QueryParams::parse(raw.as_deref(), &["period", "from", "to"], &[])?;
    let mut errors = Vec::new();
    let period = match p.one("period") {
        None => Period::Month,
        Some(v) => Period::parse(v).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "period",
                "invalid_choice",
                format!("must be one of: {}", Period::NAMES.join(", ")),
            ));
            Period::Month
        }),
    };
    let mut day = |name: &str| {
        p.one(name).and_then(|v| {
            // Years 1 to 9999 only: the periods are stepped through with date arithmetic.
            let d = nexus_core::validate::parse_date(v);
            if d.is_none() {
                errors.push(FieldError::new(name, "invalid_date", "must be YYYY-MM-DD"));
            }
            d
        })
    };
    let (from, to) = (day("from"), day("to"));
    let to = to.unwrap_or_else(|| nexus_core::time::now().date_naive());
    let from = from.unwrap_or_else(|| Period::Month.start(to) - chrono::Months::new(11));
    if errors.is_empty() {
        if from > to {
            errors.push(range_error("from", "must not be after to"));
        } else if (to - from).num_days() >= MAX_DAYS {
            errors.push(range_error("to", "the range may span at most 3660 days"));
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let data = state
        .services
        .dashboards
        .new_customers(&actor, period, from, to)
        .await?;
    Ok(Json(NewCustomersReport {
        period,
        from,
        to,
        data,
    }))
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ActivityParams {
    /// Start, RFC 3339 (default: 30 days before `to`).
    #[param(format = DateTime)]
    from: Option<String>,
    /// End, exclusive, RFC 3339 (default: now). At most 366 days after `from`.
    #[param(format = DateTime)]
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityReport {
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    /// One entry per rep with activities in the window, most active first.
    data: Vec<RepActivity>,
}

/// Activity volume per rep: live activities in the caller's scope created in `[from, to)`, per
/// owner and kind.
#[utoipa::path(operation_id = "dashboard_activity", get, path = "/api/v1/dashboards/activity", tag = "dashboards", security(("bearer" = [])), params(ActivityParams),
    responses((status = 200, body = ActivityReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn activity(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<ActivityReport>> {
    let p = QueryParams::parse(raw.as_deref(), &["from", "to"], &[])?;
    let mut errors = Vec::new();
    let from = p.time("from", &mut errors);
    let to = p
        .time("to", &mut errors)
        .unwrap_or_else(nexus_core::time::now);
    let from = from.unwrap_or(to - chrono::Duration::days(30));
    if errors.is_empty() {
        if from >= to {
            errors.push(range_error("from", "must be before to"));
        } else if (to - from).num_days() > MAX_ACTIVITY_DAYS {
            errors.push(range_error("to", "the window may span at most 366 days"));
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let data = state
        .services
        .dashboards
        .activity_volume(&actor, from, to)
        .await?;
    Ok(Json(ActivityReport { from, to, data }))
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TopCustomersParams {
    /// ISO 4217 code (default: the currency with the most revenue).
    currency: Option<Currency>,
    /// 1 to 100, default 10.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TopCustomersReport {
    /// The currency ranked; null when there is no revenue yet.
    currency: Option<Currency>,
    data: Vec<TopCustomer>,
}

/// Top customers: live customers in the caller's scope with the largest lifetime revenue in one
/// currency, largest first.
#[utoipa::path(operation_id = "dashboard_top_customers", get, path = "/api/v1/dashboards/top-customers", tag = "dashboards", security(("bearer" = [])), params(TopCustomersParams),
    responses((status = 200, body = TopCustomersReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn top_customers(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<TopCustomersReport>> {
    let p = QueryParams::parse(raw.as_deref(), &["currency", "limit"], &[])?;
    let mut errors = Vec::new();
    let currency = p.currency("currency", &mut errors);
    let limit = match p.one("limit") {
        None => 10,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    "out_of_range",
                    "must be an integer from 1 to 100",
                ));
                10
            }
        },
    };
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let (currency, data) = state
        .services
        .dashboards
        .top_customers(&actor, currency, limit)
        .await?;
    Ok(Json(TopCustomersReport { currency, data }))
}
