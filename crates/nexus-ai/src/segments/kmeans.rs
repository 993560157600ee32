//! k-means with greedy k-means++ seeding (as scikit-learn: 2 + ⌊ln k⌋ candidate centres per
//! step, keep the one that lowers the potential most) and Lloyd iterations, best of several
//! restarts. Written here for fixed small dimensions (`[f64; D]`): `linfa-clustering` meets the
//! SSE bar too, but brings ndarray, linfa-nn and their dependencies for what is ~150 lines.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// A k-means clustering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeans<const D: usize> {
    #[serde(with = "serde_centroids")]
    pub centroids: Vec<[f64; D]>,
    /// Sum of squared distances of the training points to their centroid (scikit-learn's
    /// `inertia_`).
    pub sse: f64,
    pub iterations: usize,
}

mod serde_centroids {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, const D: usize>(
        c: &[[f64; D]],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        c.iter()
            .map(|p| p.to_vec())
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, De: Deserializer<'de>, const D: usize>(
        d: De,
    ) -> Result<Vec<[f64; D]>, De::Error> {
        Vec::<Vec<f64>>::deserialize(d)?
            .into_iter()
            .map(|v| {
                <[f64; D]>::try_from(v.as_slice())
                    .map_err(|_| serde::de::Error::custom("centroid of the wrong dimension"))
            })
            .collect()
    }
}

fn dist2<const D: usize>(a: &[f64; D], b: &[f64; D]) -> f64 {
    let mut s = 0.0;
    for i in 0..D {
        let d = a[i] - b[i];
        s += d * d;
    }
    s
}

impl<const D: usize> KMeans<D> {
    /// Best of `restarts` runs (lowest SSE), reproducible from `seed`: restart `i` draws from
    /// its own generator seeded with `seed + i`, and restarts run on the available cores.
    pub fn fit(points: &[[f64; D]], k: usize, restarts: usize, seed: u64) -> Self {
        let restarts = restarts.max(1);
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .clamp(1, restarts);
        let runs: Vec<Self> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        (t..restarts)
                            .step_by(threads)
                            .map(|i| {
                                let mut rng = StdRng::seed_from_u64(seed.wrapping_add(i as u64));
                                (i, Self::fit_once(points, k, &mut rng))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut all: Vec<(usize, Self)> = handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect();
            all.sort_by_key(|(i, _)| *i);
            all.into_iter().map(|(_, run)| run).collect()
        });
        let mut best: Option<Self> = None;
        for run in runs {
            if best.as_ref().is_none_or(|b| run.sse < b.sse) {
                best = Some(run);
            }
        }
        best.unwrap_or(Self {
            centroids: Vec::new(),
            sse: 0.0,
            iterations: 0,
        })
    }

    /// Index of the nearest centroid.
    pub fn assign(&self, p: &[f64; D]) -> usize {
        nearest(&self.centroids, p).0
    }

    fn fit_once(points: &[[f64; D]], k: usize, rng: &mut StdRng) -> Self {
        let tolerance = 1e-4 * mean_variance(points);
        let mut centroids = seed_plus_plus(points, k, rng);
        let mut labels = vec![usize::MAX; points.len()];
        let mut iterations = 0;
        loop {
            iterations += 1;
            let mut changed = 0usize;
            let mut sums = vec![[0.0; D]; centroids.len()];
            let mut counts = vec![0usize; centroids.len()];
            for (p, label) in points.iter().zip(labels.iter_mut()) {
                let (c, _) = nearest(&centroids, p);
                if *label != c {
                    *label = c;
                    changed += 1;
                }
                counts[c] += 1;
                for i in 0..D {
                    sums[c][i] += p[i];
                }
            }
            if changed == 0 || iterations >= 300 {
                break;
            }
            let mut shift = 0.0;
            for (c, centroid) in centroids.iter_mut().enumerate() {
                if counts[c] > 0 {
                    let old = *centroid;
                    for i in 0..D {
                        centroid[i] = sums[c][i] / counts[c] as f64;
                    }
                    shift += dist2(&old, centroid);
                }
            }
            // scikit-learn's rule: stop once the centres move less than 1e-4 × mean variance.
            if shift <= tolerance {
                break;
            }
        }
        let sse = points.iter().map(|p| nearest(&centroids, p).1).sum();
        Self {
            centroids,
            sse,
            iterations,
        }
    }
}

fn mean_variance<const D: usize>(points: &[[f64; D]]) -> f64 {
    let n = points.len().max(1) as f64;
    (0..D)
        .map(|i| {
            let mean = points.iter().map(|p| p[i]).sum::<f64>() / n;
            points.iter().map(|p| (p[i] - mean).powi(2)).sum::<f64>() / n
        })
        .sum::<f64>()
        / D as f64
}

fn nearest<const D: usize>(centroids: &[[f64; D]], p: &[f64; D]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, centroid) in centroids.iter().enumerate() {
        let d = dist2(centroid, p);
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007; the greedy variant of scikit-learn).
fn seed_plus_plus<const D: usize>(
    points: &[[f64; D]],
    k: usize,
    rng: &mut StdRng,
) -> Vec<[f64; D]> {
    let n = points.len();
    let mut centroids = Vec::with_capacity(k);
    if n == 0 || k == 0 {
        return centroids;
    }
    let trials = 2 + (k as f64).ln() as usize;
    let first = points[rng.random_range(0..n)];
    centroids.push(first);
    let mut closest: Vec<f64> = points.iter().map(|p| dist2(p, &first)).collect();
    let mut potential: f64 = closest.iter().sum();
    let mut candidate_dist = vec![0.0; n];
    let mut best_dist = vec![0.0; n];
    while centroids.len() < k {
        let mut best: Option<(usize, f64)> = None;
        for _ in 0..trials {
            let target = rng.random::<f64>() * potential;
            let mut acc = 0.0;
            let mut pick = n - 1;
            for (i, d) in closest.iter().enumerate() {
                acc += d;
                if acc > target {
                    pick = i;
                    break;
                }
            }
            let candidate = points[pick];
            let mut pot = 0.0;
            for ((p, old), new) in points.iter().zip(&closest).zip(candidate_dist.iter_mut()) {
                *new = old.min(dist2(p, &candidate));
                pot += *new;
            }
            if best.is_none_or(|(_, b)| pot < b) {
                best = Some((pick, pot));
                std::mem::swap(&mut best_dist, &mut candidate_dist);
            }
        }
        let Some((pick, pot)) = best else { break };
        centroids.push(points[pick]);
        std::mem::swap(&mut closest, &mut best_dist);
        potential = pot;
    }
    centroids
}

/// Mean silhouette coefficient over all points, computed exactly (O(n²) distances, split over
/// the available cores). Points in singleton clusters count 0, as in scikit-learn.
pub fn silhouette<const D: usize>(points: &[[f64; D]], labels: &[usize], k: usize) -> f64 {
    let n = points.len();
    if n < 2 || k < 2 {
        return 0.0;
    }
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(8);
    let chunk = n.div_ceil(threads);
    let total: f64 = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let sizes = &sizes;
                scope.spawn(move || {
                    let mut sum = 0.0;
                    let mut per_cluster = vec![0.0; k];
                    for i in (t * chunk)..((t + 1) * chunk).min(n) {
                        per_cluster.iter_mut().for_each(|s| *s = 0.0);
                        let p = &points[i];
                        for (q, &l) in points.iter().zip(labels) {
                            per_cluster[l] += dist2(p, q).sqrt();
                        }
                        let own = labels[i];
                        if sizes[own] < 2 {
                            continue;
                        }
                        let a = per_cluster[own] / (sizes[own] - 1) as f64;
                        let b = (0..k)
                            .filter(|&c| c != own && sizes[c] > 0)
                            .map(|c| per_cluster[c] / sizes[c] as f64)
                            .fold(f64::INFINITY, f64::min);
                        sum += (b - a) / a.max(b);
                    }
                    sum
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(f64::NAN))
            .sum()
    });
    total / n as f64
}
