//! Product recommendations from purchase history: [`Popularity`] and item-kNN ([`ItemKnn`],
//! cosine similarity of items on the binary customer × item matrix, all neighbours). Both rank
//! by score with ties broken by the lower item index, so with items indexed in sorted-name order
//! the ranking is deterministic. Structures are sparse: similarities are kept per item as
//! (neighbour, cosine) lists, and one customer's scores touch only the neighbours of what they
//! bought.

use serde::{Deserialize, Serialize};

use crate::{AiError, FORMAT_VERSION, check_format};

/// Item index (position in the sorted item names).
pub type ItemIndex = u32;

/// Purchase history: for each customer, the items bought (any order, repeats allowed).
#[derive(Debug, Clone, Default)]
pub struct History {
    pub items: usize,
    pub customers: Vec<Vec<ItemIndex>>,
}

/// A recommended item and its score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub item: ItemIndex,
    pub score: f64,
}

/// Most-bought items first (counted per purchase row).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Popularity {
    pub format_version: u32,
    pub counts: Vec<f64>,
    /// Item indices in ranking order.
    ranking: Vec<ItemIndex>,
}

impl Popularity {
    pub fn fit(history: &History) -> Self {
        let mut counts = vec![0.0_f64; history.items];
        for bought in &history.customers {
            for &i in bought {
                counts[i as usize] += 1.0;
            }
        }
        let mut ranking: Vec<ItemIndex> = (0..history.items as ItemIndex).collect();
        ranking.sort_by(|&a, &b| {
            counts[b as usize]
                .total_cmp(&counts[a as usize])
                .then(a.cmp(&b))
        });
        Self {
            format_version: FORMAT_VERSION,
            counts,
            ranking,
        }
    }

    pub fn validate(&self) -> Result<(), AiError> {
        check_format("popularity", self.format_version)
    }

    /// The `k` most popular items, leaving out `exclude` (sorted) when given.
    pub fn recommend(&self, exclude: Option<&[ItemIndex]>, k: usize) -> Vec<Scored> {
        self.ranking
            .iter()
            .filter(|i| exclude.is_none_or(|e| e.binary_search(i).is_err()))
            .take(k)
            .map(|&item| Scored {
                item,
                score: self.counts[item as usize],
            })
            .collect()
    }
}

/// Item-kNN on cosine similarity of binary item columns, all neighbours kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemKnn {
    pub format_version: u32,
    /// For each item, its neighbours (other items bought by a common customer) and their cosine,
    /// sorted by neighbour index.
    neighbours: Vec<Vec<(ItemIndex, f64)>>,
}

impl ItemKnn {
    /// Co-occurrence counts through an inverted index (cost Σ over customers of |items|²), then
    /// cosine = co(i, j) / √(n_i n_j) with n_i the customers who bought i.
    pub fn fit(history: &History) -> Result<Self, AiError> {
        let n = history.items;
        let sets: Vec<Vec<ItemIndex>> = history.customers.iter().map(|c| distinct(c)).collect();
        let mut buyers: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (u, items) in sets.iter().enumerate() {
            let u = u32::try_from(u).map_err(|_| AiError::fit("item-knn", "too many customers"))?;
            for &i in items {
                buyers[i as usize].push(u);
            }
        }
        let mut co = vec![0u32; n];
        let mut touched: Vec<ItemIndex> = Vec::new();
        let mut neighbours = Vec::with_capacity(n);
        for (i, users) in buyers.iter().enumerate() {
            for &u in users {
                for &j in &sets[u as usize] {
                    if co[j as usize] == 0 {
                        touched.push(j);
                    }
                    co[j as usize] += 1;
                }
            }
            touched.sort_unstable();
            let ni = users.len() as f64;
            let list: Vec<(ItemIndex, f64)> = touched
                .iter()
                .filter(|&&j| j as usize != i)
                .map(|&j| {
                    let nj = buyers[j as usize].len() as f64;
                    (j, f64::from(co[j as usize]) / (ni * nj).sqrt())
                })
                .collect();
            for &j in &touched {
                co[j as usize] = 0;
            }
            touched.clear();
            neighbours.push(list);
        }
        Ok(Self {
            format_version: FORMAT_VERSION,
            neighbours,
        })
    }

    pub fn validate(&self) -> Result<(), AiError> {
        check_format("item-knn", self.format_version)
    }

    pub fn items(&self) -> usize {
        self.neighbours.len()
    }

    /// Keeps only the `k` most similar neighbours of each item (ties to the lower index), so
    /// that a catalogue of many thousands of products stays small in memory and at rest. The
    /// evaluation protocol keeps all neighbours; serving keeps the nearest.
    pub fn keep_nearest(&mut self, k: usize) {
        for list in &mut self.neighbours {
            if list.len() > k {
                list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                list.truncate(k);
                list.sort_by_key(|e| e.0);
            }
        }
    }

    /// "Next best products": items scored by the summed similarity to the customer's distinct
    /// `bought` items (an item's similarity to itself is not counted); with `exclude_bought`
    /// the bought items are left out. Ties go to the lower index.
    pub fn recommend(&self, bought: &[ItemIndex], exclude_bought: bool, k: usize) -> Vec<Scored> {
        let bought = distinct(bought);
        let mut scores = vec![0.0_f64; self.neighbours.len()];
        for &i in &bought {
            if let Some(list) = self.neighbours.get(i as usize) {
                for &(j, s) in list {
                    scores[j as usize] += s;
                }
            }
        }
        if exclude_bought {
            for &i in &bought {
                if let Some(s) = scores.get_mut(i as usize) {
                    *s = f64::NEG_INFINITY;
                }
            }
        }
        top_k(&scores, k)
    }

    /// "Bought together": the `k` most similar items to `item`.
    pub fn similar(&self, item: ItemIndex, k: usize) -> Vec<Scored> {
        let Some(list) = self.neighbours.get(item as usize) else {
            return Vec::new();
        };
        let mut out: Vec<Scored> = list
            .iter()
            .map(|&(item, score)| Scored { item, score })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
        out.truncate(k);
        out
    }
}

fn distinct(items: &[ItemIndex]) -> Vec<ItemIndex> {
    let mut v = items.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// The `k` best (score, then lower index) among finite scores.
fn top_k(scores: &[f64], k: usize) -> Vec<Scored> {
    let better = |a: &Scored, b: &Scored| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item));
    let mut best: Vec<Scored> = Vec::with_capacity(k + 1);
    for (i, &score) in scores.iter().enumerate() {
        if !score.is_finite() {
            continue;
        }
        let s = Scored {
            item: i as ItemIndex,
            score,
        };
        if best.len() == k && best.last().is_none_or(|w| better(&s, w).is_ge()) {
            continue;
        }
        let pos = best.partition_point(|b| better(b, &s).is_lt());
        best.insert(pos, s);
        best.truncate(k);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knn_recommends_what_similar_customers_bought() {
        let history = History {
            items: 4,
            customers: vec![vec![0, 1], vec![0, 1], vec![0, 1, 2], vec![3]],
        };
        let knn = ItemKnn::fit(&history).unwrap_or_else(|e| panic!("{e}"));
        let rec = knn.recommend(&[0], true, 2);
        assert_eq!(rec.iter().map(|s| s.item).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(knn.similar(3, 5), vec![]);
        let pop = Popularity::fit(&history);
        assert_eq!(pop.recommend(Some(&[0]), 1)[0].item, 1);
    }

    #[test]
    fn top_k_breaks_ties_by_lower_index() {
        let r = top_k(&[1.0, 2.0, 2.0, f64::NEG_INFINITY, 0.5], 3);
        assert_eq!(r.iter().map(|s| s.item).collect::<Vec<_>>(), vec![1, 2, 0]);
    }
}
