//! Dashboard service: the figures of [`crate::dashboard`], each under the permission of the
//! records it sums and within the caller's record scope (a sales rep sees their team's and their
//! own figures, an admin everyone's).

use crate::auth::{Actor, Permission};
use crate::dashboard::{
    MonthRange, Period, PipelineSummary, RepActivity, RevenueMonth, SignupCount, SignupQuery,
    StageSummary, StageValue, TopCustomer, bucket_signups, weighted,
};
use crate::error::{CoreError, CoreResult};
use crate::ids::PipelineId;
use crate::money::Currency;
use crate::store::Store;
use crate::time::Timestamp;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct DashboardService {
    store: Arc<dyn Store>,
}

impl DashboardService {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Revenue per month and currency over `range`: every month of the range for every
    /// currency that has revenue in it (zeros filled in), ordered by currency then month.
    pub async fn revenue(&self, actor: &Actor, range: MonthRange) -> CoreResult<Vec<RevenueMonth>> {
        actor.require(Permission::TransactionsRead)?;
        let months = range.months();
        let (Some(from), Some(to)) = (months.first(), months.last()) else {
            return Ok(Vec::new());
        };
        let rows = self
            .store
            .revenue_by_month(actor.record_scope(), from, to)
            .await?;
        let mut by_currency: BTreeMap<&str, (Currency, BTreeMap<&str, &RevenueMonth>)> =
            BTreeMap::new();
        for r in &rows {
            by_currency
                .entry(r.currency.as_str())
                .or_insert_with(|| (r.currency, BTreeMap::new()))
                .1
                .insert(r.month.as_str(), r);
        }
        let mut out = Vec::with_capacity(by_currency.len() * months.len());
        for (currency, found) in by_currency.values() {
            for m in &months {
                let (revenue, purchases) = found
                    .get(m.as_str())
                    .map_or((0, 0), |r| (r.revenue, r.purchases));
                out.push(RevenueMonth {
                    month: m.clone(),
                    currency: *currency,
                    revenue,
                    purchases,
                });
            }
        }
        Ok(out)
    }

    /// Live customers created per period in `[from, to]` (UTC days), every period present.
    pub async fn new_customers(
        &self,
        actor: &Actor,
        period: Period,
        from: NaiveDate,
        to: NaiveDate,
    ) -> CoreResult<Vec<SignupCount>> {
        actor.require(Permission::CustomersRead)?;
        let days = self
            .store
            .signups_by_day(&SignupQuery {
                scope: actor.record_scope(),
                from,
                to,
            })
            .await?;
        Ok(bucket_signups(&days, period, from, to))
    }

    /// Deals of a pipeline (the default one when `None`) per stage in board order: count,
    /// value and probability-weighted value per currency. Stages without deals are listed with
    /// zero deals.
    pub async fn pipeline(
        &self,
        actor: &Actor,
        pipeline: Option<PipelineId>,
    ) -> CoreResult<PipelineSummary> {
        actor.require(Permission::DealsRead)?;
        actor.require(Permission::PipelinesRead)?;
        let p = match pipeline {
            Some(id) => self.store.get_pipeline(id).await?,
            None => self.store.default_pipeline().await?,
        }
        .filter(|p| p.deleted_at.is_none())
        .ok_or_else(|| CoreError::not_found("pipeline"))?;
        let totals = self
            .store
            .pipeline_totals(actor.record_scope(), p.id)
            .await?;
        let stages = p
            .stages
            .iter()
            .map(|s| {
                let mine: Vec<_> = totals.iter().filter(|t| t.stage_id == s.id).collect();
                let mut values: Vec<StageValue> = mine
                    .iter()
                    .map(|t| StageValue {
                        currency: t.currency,
                        value: t.value,
                        weighted_value: weighted(t.value, s.probability),
                    })
                    .collect();
                values.sort_by(|a, b| a.currency.as_str().cmp(b.currency.as_str()));
                StageSummary {
                    stage_id: s.id,
                    name: s.name.clone(),
                    kind: s.kind,
                    probability: s.probability,
                    deals: mine.iter().map(|t| t.deals).sum(),
                    totals: values,
                }
            })
            .collect();
        Ok(PipelineSummary {
            pipeline_id: p.id,
            name: p.name,
            stages,
        })
    }

    /// Activities created in `[from, to)` per rep (owner), most active first.
    pub async fn activity_volume(
        &self,
        actor: &Actor,
        from: Timestamp,
        to: Timestamp,
    ) -> CoreResult<Vec<RepActivity>> {
        actor.require(Permission::ActivitiesRead)?;
        let counts = self
            .store
            .activity_counts(actor.record_scope(), from, to)
            .await?;
        let mut reps: BTreeMap<crate::ids::UserId, RepActivity> = BTreeMap::new();
        for c in counts {
            let r = reps.entry(c.owner_id).or_insert_with(|| RepActivity {
                user_id: c.owner_id,
                name: c.owner_name.clone(),
                total: 0,
                by_kind: BTreeMap::new(),
            });
            r.total += c.count;
            *r.by_kind.entry(c.kind.as_str().to_owned()).or_insert(0) += c.count;
        }
        let mut out: Vec<RepActivity> = reps.into_values().collect();
        out.sort_by(|a, b| b.total.cmp(&a.total).then(a.name.cmp(&b.name)));
        Ok(out)
    }

    /// The customers with the largest lifetime revenue in `currency` (by default the currency
    /// with the most revenue), largest first.
    pub async fn top_customers(
        &self,
        actor: &Actor,
        currency: Option<Currency>,
        limit: u32,
    ) -> CoreResult<(Option<Currency>, Vec<TopCustomer>)> {
        actor.require(Permission::TransactionsRead)?;
        actor.require(Permission::CustomersRead)?;
        let currency = match currency {
            Some(c) => Some(c),
            None => self.store.main_currency().await?,
        };
        let Some(c) = currency else {
            return Ok((None, Vec::new()));
        };
        let rows = self
            .store
            .top_customers(actor.record_scope(), c, limit)
            .await?;
        Ok((Some(c), rows))
    }
}
