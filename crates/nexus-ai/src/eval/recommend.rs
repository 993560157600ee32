//! Popularity and item-kNN on the Groceries data set: a basket is one member's rows on one date;
//! members with at least two baskets have their latest basket as test basket, every other
//! basket (of all members) is training. HR@10 and MAP@10 (average precision over the first 10,
//! divided by min(|relevant|, 10)). Setting A ranks all items; setting B leaves out items the
//! member bought in training, and the relevant items are then the test items not bought before
//! (members with none left are skipped).

use super::read;
use crate::AiError;
use crate::recommend::{History, ItemIndex, ItemKnn, Popularity, Scored};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Instant;

/// (model, setting, HR@10, MAP@10) of the reference.
pub const REFERENCE: [(&str, char, f64, f64); 4] = [
    ("popularity", 'A', 0.7123, 0.1684),
    ("popularity", 'B', 0.6552, 0.1674),
    ("item-knn", 'A', 0.6875, 0.1577),
    ("item-knn", 'B', 0.6462, 0.1661),
];

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub model: &'static str,
    pub setting: char,
    pub members: usize,
    pub hr_at_10: f64,
    pub map_at_10: f64,
    pub reference_hr: f64,
    pub reference_map: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub items: usize,
    pub members: usize,
    pub test_members: usize,
    pub rows: Vec<Row>,
    pub seconds: f64,
}

/// A date as (year, month, day), ordered by time.
type Ymd = (u32, u32, u32);

/// The split of the protocol.
pub struct Split {
    pub item_names: Vec<String>,
    pub train: History,
    /// (member index in `train`, distinct test items).
    pub test: Vec<(usize, BTreeSet<ItemIndex>)>,
}

/// Reads `Groceries_dataset.csv` (member, dd-mm-YYYY, item) and splits it.
pub fn read_split(path: &Path) -> Result<Split, AiError> {
    let data = read(path)?;
    let mut rows: Vec<(u64, (u32, u32, u32), &str)> = Vec::new();
    for (n, line) in data.lines().enumerate().skip(1) {
        let mut f = line.splitn(3, ',');
        let (Some(member), Some(date), Some(item)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let bad = || AiError::data(path.display(), format!("line {}: bad row", n + 1));
        let member: u64 = member.trim().parse().map_err(|_| bad())?;
        let d: Vec<u32> = date.split('-').map(|p| p.parse().unwrap_or(0)).collect();
        let [day, month, year] = d[..] else {
            return Err(bad());
        };
        rows.push((member, (year, month, day), item.trim()));
    }
    let names: BTreeSet<&str> = rows.iter().map(|r| r.2).collect();
    let item_names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let index: HashMap<&str, ItemIndex> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as ItemIndex))
        .collect();
    let mut baskets: BTreeMap<u64, BTreeMap<Ymd, Vec<ItemIndex>>> = BTreeMap::new();
    for (member, date, item) in rows {
        baskets
            .entry(member)
            .or_default()
            .entry(date)
            .or_default()
            .push(index[item]);
    }
    let mut train = History {
        items: item_names.len(),
        customers: Vec::new(),
    };
    let mut test = Vec::new();
    for days in baskets.values() {
        let mut items: Vec<ItemIndex> = Vec::new();
        let last = days.keys().next_back().copied();
        for (date, basket) in days {
            if days.len() >= 2 && Some(*date) == last {
                test.push((train.customers.len(), basket.iter().copied().collect()));
            } else {
                items.extend(basket);
            }
        }
        train.customers.push(items);
    }
    Ok(Split {
        item_names,
        train,
        test,
    })
}

fn metrics(recs: &[Scored], relevant: &BTreeSet<ItemIndex>) -> (bool, f64) {
    let (mut hits, mut precision_sum) = (0usize, 0.0);
    for (rank, r) in recs.iter().take(10).enumerate() {
        if relevant.contains(&r.item) {
            hits += 1;
            precision_sum += hits as f64 / (rank + 1) as f64;
        }
    }
    (hits > 0, precision_sum / relevant.len().min(10) as f64)
}

/// Runs the protocol.
pub fn evaluate(path: &Path) -> Result<Report, AiError> {
    let split = read_split(path)?;
    let started = Instant::now();
    let popularity = Popularity::fit(&split.train);
    let knn = ItemKnn::fit(&split.train)?;
    let mut rows = Vec::new();
    for (model, setting, reference_hr, reference_map) in REFERENCE {
        let (mut hr, mut ap, mut members) = (0usize, 0.0, 0usize);
        for (member, test) in &split.test {
            let mut bought = split.train.customers[*member].clone();
            bought.sort_unstable();
            bought.dedup();
            let relevant: BTreeSet<ItemIndex> = if setting == 'B' {
                test.iter()
                    .filter(|i| bought.binary_search(i).is_err())
                    .copied()
                    .collect()
            } else {
                test.clone()
            };
            if relevant.is_empty() {
                continue;
            }
            let exclude = setting == 'B';
            let recs = match model {
                "popularity" => popularity.recommend(exclude.then_some(bought.as_slice()), 10),
                _ => knn.recommend(&bought, exclude, 10),
            };
            let (hit, average_precision) = metrics(&recs, &relevant);
            hr += usize::from(hit);
            ap += average_precision;
            members += 1;
        }
        let n = members.max(1) as f64;
        rows.push(Row {
            model,
            setting,
            members,
            hr_at_10: hr as f64 / n,
            map_at_10: ap / n,
            reference_hr,
            reference_map,
        });
    }
    Ok(Report {
        items: split.item_names.len(),
        members: split.train.customers.len(),
        test_members: split.test.len(),
        rows,
        seconds: started.elapsed().as_secs_f64(),
    })
}
