//! Max-min fair rates by progressive filling (water-filling).
//!
//! Every active flow crosses a few capacity-limited resources (its sender's
//! upload, its receiver's download, perhaps a bottleneck link). All flows'
//! rates rise together; when a resource fills up, the flows through it are
//! frozen at the level reached and the others keep rising (Bertsekas &
//! Gallager, *Data Networks*, §6.5.2). The resource that fills next is found
//! with a heap of fair shares (remaining capacity / unfrozen flows) updated
//! lazily, so one solve costs O(F·k·log R) for F flows over k resources each.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Most resources one flow crosses: upload, download and one bottleneck link.
pub const MAX_RESOURCES_PER_FLOW: usize = 3;

/// The resources (indices into the capacity table) one flow crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceSet {
    ids: [u32; MAX_RESOURCES_PER_FLOW],
    len: u8,
}

impl ResourceSet {
    /// A flow through `ids` (at most [`MAX_RESOURCES_PER_FLOW`]; extra ids
    /// are a caller bug and are ignored). Duplicates are dropped.
    pub fn new(ids: &[u32]) -> Self {
        let mut set = ResourceSet {
            ids: [0; MAX_RESOURCES_PER_FLOW],
            len: 0,
        };
        for &id in ids {
            if usize::from(set.len) < MAX_RESOURCES_PER_FLOW && !set.as_slice().contains(&id) {
                set.ids[usize::from(set.len)] = id;
                set.len += 1;
            }
        }
        set
    }

    /// The resource indices.
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }
}

/// A resource's fair share at one moment; stale once its version moves on.
#[derive(Debug, PartialEq)]
struct Share {
    level: f64,
    resource: u32,
    version: u32,
}

impl Eq for Share {}

impl PartialOrd for Share {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Share {
    fn cmp(&self, other: &Self) -> Ordering {
        self.level
            .total_cmp(&other.level)
            .then(self.resource.cmp(&other.resource))
            .then(self.version.cmp(&other.version))
    }
}

/// Reusable scratch space for solving max-min fair rates.
#[derive(Debug, Default)]
pub struct MaxMinSolver {
    remaining: Vec<f64>,
    unfrozen: Vec<u32>,
    version: Vec<u32>,
    members: Vec<Vec<u32>>,
    touched: Vec<u32>,
    frozen: Vec<bool>,
    /// The resource that froze each flow in the last solve.
    bottleneck: Vec<u32>,
    heap: BinaryHeap<Reverse<Share>>,
}

impl MaxMinSolver {
    /// The resource at which the last [`MaxMinSolver::solve`] froze each
    /// flow (a full resource where no flow is faster), by flow index;
    /// `u32::MAX` for a flow through no resource.
    pub fn bottlenecks(&self) -> &[u32] {
        &self.bottleneck
    }

    /// Fills `rates[i]` with the max-min fair rate of `flows[i]`, given each
    /// resource's capacity (same unit as the rates). Resources with no flow
    /// cost nothing.
    pub fn solve(&mut self, capacities: &[f64], flows: &[ResourceSet], rates: &mut Vec<f64>) {
        let n_res = capacities.len();
        if self.remaining.len() < n_res {
            self.remaining.resize(n_res, 0.0);
            self.unfrozen.resize(n_res, 0);
            self.version.resize(n_res, 0);
            self.members.resize_with(n_res, Vec::new);
        }
        for r in self.touched.drain(..) {
            self.members[r as usize].clear();
        }
        rates.clear();
        rates.resize(flows.len(), 0.0);
        self.frozen.clear();
        self.frozen.resize(flows.len(), false);
        self.bottleneck.clear();
        self.bottleneck.resize(flows.len(), u32::MAX);
        self.heap.clear();

        for (i, set) in flows.iter().enumerate() {
            for &r in set.as_slice() {
                let ri = r as usize;
                if self.members[ri].is_empty() {
                    self.touched.push(r);
                    self.remaining[ri] = capacities[ri].max(0.0);
                }
                self.members[ri].push(i as u32);
            }
        }
        for &r in &self.touched {
            let ri = r as usize;
            self.unfrozen[ri] = self.members[ri].len() as u32;
            self.version[ri] = 0;
            self.heap.push(Reverse(Share {
                level: self.remaining[ri] / f64::from(self.unfrozen[ri]),
                resource: r,
                version: 0,
            }));
        }

        while let Some(Reverse(share)) = self.heap.pop() {
            let r = share.resource as usize;
            if share.version != self.version[r] || self.unfrozen[r] == 0 {
                continue;
            }
            let level = share.level;
            let members = std::mem::take(&mut self.members[r]);
            for &i in &members {
                let i = i as usize;
                if self.frozen[i] {
                    continue;
                }
                self.frozen[i] = true;
                rates[i] = level;
                self.bottleneck[i] = share.resource;
                for &other in flows[i].as_slice() {
                    let o = other as usize;
                    if o == r {
                        continue;
                    }
                    self.remaining[o] = (self.remaining[o] - level).max(0.0);
                    self.unfrozen[o] -= 1;
                    self.version[o] += 1;
                    if self.unfrozen[o] > 0 {
                        self.heap.push(Reverse(Share {
                            level: self.remaining[o] / f64::from(self.unfrozen[o]),
                            resource: other,
                            version: self.version[o],
                        }));
                    }
                }
            }
            self.members[r] = members;
            self.unfrozen[r] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(capacities: &[f64], flows: &[&[u32]]) -> Vec<f64> {
        let sets: Vec<_> = flows.iter().map(|f| ResourceSet::new(f)).collect();
        let mut rates = Vec::new();
        MaxMinSolver::default().solve(capacities, &sets, &mut rates);
        rates
    }

    #[test]
    fn equal_split_of_one_bottleneck() {
        // Resource 0: sender upload 10; 1 and 2: two receivers' downloads 100.
        assert_eq!(
            solve(&[10.0, 100.0, 100.0], &[&[0, 1], &[0, 2]]),
            [5.0, 5.0]
        );
    }

    #[test]
    fn asymmetric_example_by_hand() {
        // Uploads: A=0 (10), B=1 (10). Downloads: C=2 (4), D=3 (100).
        // Flows: A→C, A→D, B→C.
        // Shares: A 10/2=5, B 10/1=10, C 4/2=2, D 100/1=100. C fills first:
        // A→C = B→C = 2. Then A has 8 left for A→D alone (D still has 100):
        // A→D = 8. B keeps 8 unused: its only flow is held back by C.
        let rates = solve(&[10.0, 10.0, 4.0, 100.0], &[&[0, 2], &[0, 3], &[1, 2]]);
        assert_eq!(rates, [2.0, 8.0, 2.0]);
    }

    #[test]
    fn bottlenecks_name_the_resource_that_froze_each_flow() {
        // The example above: C (2) froze A→C and B→C, A's upload (0) A→D;
        // a flow through nothing has none.
        let sets: Vec<_> = [&[0, 2][..], &[0, 3], &[1, 2], &[]]
            .iter()
            .map(|f| ResourceSet::new(f))
            .collect();
        let mut solver = MaxMinSolver::default();
        let mut rates = Vec::new();
        solver.solve(&[10.0, 10.0, 4.0, 100.0], &sets, &mut rates);
        assert_eq!(solver.bottlenecks(), [2, 0, 2, u32::MAX]);
    }

    #[test]
    fn three_level_chain() {
        // A bottleneck link (resource 4, capacity 3) carries A→D only.
        // A=0 up 12, B=1 up 12, C=2 down 30, D=3 down 30.
        // Flows: A→C, A→D via link, B→C.
        // Link share 3 fills first: A→D = 3. A: 9 left, 1 flow → 9;
        // C: 30/2 = 15; B: 12. A fills at 9: A→C = 9. C: 21 left for B→C,
        // B caps it at 12.
        let rates = solve(
            &[12.0, 12.0, 30.0, 30.0, 3.0],
            &[&[0, 2], &[0, 3, 4], &[1, 2]],
        );
        assert_eq!(rates, [9.0, 3.0, 12.0]);
    }

    #[test]
    fn capacities_are_never_exceeded() {
        // Many flows over shared resources: per resource, the rates sum to at
        // most its capacity, and every flow is limited by a full resource.
        let caps = [7.0, 11.0, 13.0, 5.0, 17.0, 3.0];
        let flows: Vec<&[u32]> = vec![
            &[0, 3],
            &[0, 4],
            &[1, 3],
            &[1, 5],
            &[2, 4],
            &[2, 5],
            &[0, 5],
        ];
        let rates = solve(&caps, &flows);
        let load = |r: u32| -> f64 {
            flows
                .iter()
                .zip(&rates)
                .filter(|(f, _)| f.contains(&r))
                .map(|(_, x)| x)
                .sum()
        };
        for r in 0..caps.len() as u32 {
            assert!(
                load(r) <= caps[r as usize] + 1e-9,
                "resource {r} overloaded"
            );
        }
        for (f, &x) in flows.iter().zip(&rates) {
            let bottlenecked = f.iter().any(|&r| {
                let full = load(r) >= caps[r as usize] - 1e-9;
                let largest = flows
                    .iter()
                    .zip(&rates)
                    .filter(|(g, _)| g.contains(&r))
                    .all(|(_, &y)| y <= x + 1e-9);
                full && largest
            });
            assert!(bottlenecked, "flow {f:?} at {x} has no bottleneck");
        }
    }

    #[test]
    fn reuse_across_solves() {
        let mut solver = MaxMinSolver::default();
        let mut rates = Vec::new();
        let caps = [10.0, 10.0, 10.0];
        solver.solve(
            &caps,
            &[ResourceSet::new(&[0, 1]), ResourceSet::new(&[0, 2])],
            &mut rates,
        );
        assert_eq!(rates, [5.0, 5.0]);
        solver.solve(&caps, &[ResourceSet::new(&[0, 2])], &mut rates);
        assert_eq!(rates, [10.0]);
    }
}
