//! Who shares which capacity: the active flows, the resources they cross
//! (host uploads and downloads, path bottlenecks), the load on each, and
//! the incremental recomputation of max-min fair rates.
//!
//! A change (a flow joins or leaves, a capacity moves) marks its resources
//! dirty. The recomputation solves only a *region*: the dirty resources and
//! every flow through them, with the load of other flows on the region's
//! outer resources held fixed. An outer resource where the solve may have
//! wronged the flows outside the region (it filled up, or it was full and
//! a region flow through it changed rate or was held below the flows
//! outside; see `grow_region`) is pulled into the region and the solve
//! repeated. When that settles, every flow still has a valid bottleneck (a
//! full resource where no flow is faster), so the result is the exact
//! max-min allocation of the whole network (the allocation is unique). In
//! a swarm whose downloads have slack this region is a few hosts; when it
//! grows past half the active flows, everything is solved at once instead.

use crate::fairness::{MaxMinSolver, ResourceSet};
use crate::stream::FlowKey;

/// Relative slack under which a resource counts as full.
const FULL_TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, Copy)]
struct ActiveFlow {
    key: FlowKey,
    resources: ResourceSet,
    /// Its current rate, bits/s (kept here, beside the resources, so a
    /// recomputation reads no stream).
    rate: f64,
}

/// Capacities, loads and active flows, with scratch space for solving.
#[derive(Debug, Default)]
pub(crate) struct Sharing {
    capacities: Vec<f64>,
    /// Sum of the rates of the active flows through each resource, bits/s.
    allocated: Vec<f64>,
    slots: Vec<Option<ActiveFlow>>,
    free_slots: Vec<u32>,
    /// Active flows (slots) through each resource.
    members: Vec<Vec<u32>>,
    active: usize,
    dirty: Vec<u32>,
    solver: MaxMinSolver,
    // Scratch, kept between recomputations to avoid allocating.
    in_region: Vec<bool>,
    region: Vec<u32>,
    /// `region[..gathered]` has had its flows gathered this recomputation.
    gathered: usize,
    seen: Vec<bool>,
    touched: Vec<u32>,
    fixed_load: Vec<f64>,
    /// Per resource, in the last solve: a region flow through it changed
    /// rate; the slowest region flow it froze.
    moved: Vec<bool>,
    froze_at: Vec<f64>,
    load_after: Vec<f64>,
    effective: Vec<f64>,
    in_flows: Vec<bool>,
    flows: Vec<(u32, ActiveFlow)>,
    sets: Vec<ResourceSet>,
    old_rates: Vec<f64>,
    rates: Vec<f64>,
}

fn is_full(load: f64, capacity: f64) -> bool {
    load >= capacity - (capacity * FULL_TOLERANCE + 1e-6)
}

/// Equal up to the rounding of a solve.
fn same_rate(a: f64, b: f64) -> bool {
    (a - b).abs() <= a.abs().max(b.abs()) * FULL_TOLERANCE + 1e-6
}

impl Sharing {
    /// Adds a resource of `capacity` bits/s; returns its index.
    pub fn add_resource(&mut self, capacity: f64) -> u32 {
        self.capacities.push(capacity);
        self.allocated.push(0.0);
        self.members.push(Vec::new());
        (self.capacities.len() - 1) as u32
    }

    pub fn set_capacity(&mut self, resource: u32, capacity: f64) {
        self.capacities[resource as usize] = capacity;
        self.dirty.push(resource);
    }

    pub fn capacity(&self, resource: u32) -> f64 {
        self.capacities[resource as usize]
    }

    /// Capacity left unused on the most loaded of `set`.
    pub fn spare(&self, set: &ResourceSet) -> f64 {
        set.as_slice()
            .iter()
            .map(|&r| self.capacities[r as usize] - self.allocated[r as usize])
            .fold(f64::INFINITY, f64::min)
    }

    /// Adds `delta` bits/s to the load of every resource in `set`.
    fn add_load(&mut self, set: &ResourceSet, delta: f64) {
        for &r in set.as_slice() {
            self.allocated[r as usize] += delta;
        }
    }

    /// Number of active flows.
    pub fn active(&self) -> usize {
        self.active
    }

    /// Makes a flow active at `rate` (its load is added); returns its slot.
    pub fn insert(&mut self, key: FlowKey, resources: ResourceSet, rate: f64) -> u32 {
        self.add_load(&resources, rate);
        let flow = Some(ActiveFlow {
            key,
            resources,
            rate,
        });
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot as usize] = flow;
                slot
            }
            None => {
                self.slots.push(flow);
                (self.slots.len() - 1) as u32
            }
        };
        for &r in resources.as_slice() {
            self.members[r as usize].push(slot);
            self.dirty.push(r);
        }
        self.active += 1;
        slot
    }

    /// Makes the flow in `slot` inactive (its load is removed).
    pub fn remove(&mut self, slot: u32) {
        let Some(flow) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        self.add_load(&flow.resources, -flow.rate);
        for &r in flow.resources.as_slice() {
            let list = &mut self.members[r as usize];
            if let Some(p) = list.iter().position(|&s| s == slot) {
                list.swap_remove(p);
            }
            self.dirty.push(r);
        }
        self.free_slots.push(slot);
        self.active -= 1;
    }

    /// Recomputes the rates affected by the changes since the last call;
    /// `out` receives the flows whose rate changes, with their new rate.
    pub fn recompute(&mut self, out: &mut Vec<(FlowKey, f64)>) {
        out.clear();
        let n_res = self.capacities.len();
        for scratch in [&mut self.in_region, &mut self.seen, &mut self.moved] {
            scratch.resize(n_res, false);
        }
        for scratch in [
            &mut self.fixed_load,
            &mut self.load_after,
            &mut self.effective,
            &mut self.froze_at,
        ] {
            scratch.resize(n_res, 0.0);
        }
        self.in_flows.resize(self.slots.len(), false);
        for r in std::mem::take(&mut self.dirty) {
            if !std::mem::replace(&mut self.in_region[r as usize], true) {
                self.region.push(r);
            }
        }
        loop {
            let everything = self.gather_flows();
            self.solve_region(everything);
            let grew = !everything && self.grow_region();
            if !grew {
                self.commit(out);
                return;
            }
            self.clear_round();
        }
    }

    /// Collects the flows through the region (all flows if that is more
    /// than half of them); returns whether it took all.
    fn gather_flows(&mut self) -> bool {
        for &r in &self.region[self.gathered..] {
            for &slot in &self.members[r as usize] {
                if let Some(flow) = self.slots[slot as usize]
                    && !std::mem::replace(&mut self.in_flows[slot as usize], true)
                {
                    self.flows.push((slot, flow));
                }
            }
        }
        self.gathered = self.region.len();
        let everything = self.flows.len() * 2 > self.active;
        if everything {
            for (slot, flow) in self.slots.iter().enumerate() {
                if let Some(flow) = flow
                    && !std::mem::replace(&mut self.in_flows[slot], true)
                {
                    self.flows.push((slot as u32, *flow));
                }
            }
        }
        everything
    }

    /// Solves max-min over the gathered flows, with the load of the other
    /// flows on outer resources held fixed.
    fn solve_region(&mut self, everything: bool) {
        self.sets.clear();
        self.old_rates.clear();
        for &(_, flow) in &self.flows {
            let rate = flow.rate;
            self.sets.push(flow.resources);
            self.old_rates.push(rate);
            for &r in flow.resources.as_slice() {
                let ri = r as usize;
                if !std::mem::replace(&mut self.seen[ri], true) {
                    self.touched.push(r);
                    self.fixed_load[ri] = self.allocated[ri];
                }
                self.fixed_load[ri] -= rate;
            }
        }
        for &r in &self.touched {
            let ri = r as usize;
            self.fixed_load[ri] = if everything || self.in_region[ri] {
                0.0
            } else {
                self.fixed_load[ri].max(0.0)
            };
            self.effective[ri] = (self.capacities[ri] - self.fixed_load[ri]).max(0.0);
            self.load_after[ri] = self.fixed_load[ri];
        }
        self.solver
            .solve(&self.effective, &self.sets, &mut self.rates);
        for (set, &rate) in self.sets.iter().zip(&self.rates) {
            for &r in set.as_slice() {
                self.load_after[r as usize] += rate;
            }
        }
    }

    /// Pulls into the region every outer resource whose outer flows the
    /// solve may have wronged; returns whether any was.
    ///
    /// * One the solve filled that had slack: its outer flows may have to
    ///   slow down.
    /// * One full already, when a region flow through it changed rate: its
    ///   outer flows may gain or lose.
    /// * One full already that froze a region flow below the fastest outer
    ///   flow through it: the region flow may take from that one.
    ///
    /// A full outer resource that none of these fit keeps every flow's
    /// bottleneck valid (its load is unchanged, and every region flow it
    /// froze is at least as fast as its outer flows), so it stays out.
    fn grow_region(&mut self) -> bool {
        for &r in &self.touched {
            self.moved[r as usize] = false;
            self.froze_at[r as usize] = f64::INFINITY;
        }
        let bottlenecks = self.solver.bottlenecks();
        for (i, (_, flow)) in self.flows.iter().enumerate() {
            let (old, new) = (self.old_rates[i], self.rates[i]);
            if !same_rate(old, new) {
                for &r in flow.resources.as_slice() {
                    self.moved[r as usize] = true;
                }
            }
            if let Some(level) = self.froze_at.get_mut(bottlenecks[i] as usize) {
                *level = level.min(new);
            }
        }
        let mut grew = false;
        for &r in &self.touched {
            let ri = r as usize;
            if self.in_region[ri] {
                continue;
            }
            let cap = self.capacities[ri];
            let pull = if is_full(self.allocated[ri], cap) {
                let level = self.froze_at[ri];
                self.moved[ri]
                    || (level < f64::INFINITY && {
                        let fastest = self.fastest_outer(r);
                        fastest > level && !same_rate(fastest, level)
                    })
            } else {
                is_full(self.load_after[ri], cap)
            };
            if pull {
                self.in_region[ri] = true;
                self.region.push(r);
                grew = true;
            }
        }
        grew
    }

    /// The fastest active flow through `resource` outside the region.
    fn fastest_outer(&self, resource: u32) -> f64 {
        self.members[resource as usize]
            .iter()
            .filter(|&&slot| !self.in_flows[slot as usize])
            .filter_map(|&slot| self.slots[slot as usize].map(|f| f.rate))
            .fold(0.0, f64::max)
    }

    fn commit(&mut self, out: &mut Vec<(FlowKey, f64)>) {
        for ((&(slot, flow), &old), &new) in self.flows.iter().zip(&self.old_rates).zip(&self.rates)
        {
            if old != new {
                out.push((flow.key, new));
                if let Some(f) = &mut self.slots[slot as usize] {
                    f.rate = new;
                }
            }
        }
        for &r in &self.touched {
            self.allocated[r as usize] = self.load_after[r as usize];
        }
        self.clear_round();
        for (slot, _) in self.flows.drain(..) {
            self.in_flows[slot as usize] = false;
        }
        for r in self.region.drain(..) {
            self.in_region[r as usize] = false;
        }
        self.gathered = 0;
    }

    /// Forgets the resources the last solve touched (the gathered flows
    /// stay for the next round).
    fn clear_round(&mut self) {
        for r in self.touched.drain(..) {
            self.seen[r as usize] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::StreamId;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;

    /// Random joins, departures and capacity changes on a small network;
    /// after each incremental recomputation the rates equal a full solve.
    #[test]
    fn incremental_rates_equal_a_full_solve() {
        for seed in 0..8u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let hosts = 30u32;
            let mut sharing = Sharing::default();
            for _ in 0..hosts {
                sharing.add_resource(f64::from(rng.random_range(1..=20u32)));
                // Downloads sometimes tight, so regions have to grow.
                sharing.add_resource(f64::from(rng.random_range(2..=40u32)));
            }
            let mut rates: BTreeMap<u32, (u32, ResourceSet, f64)> = BTreeMap::new();
            let mut next = 0u32;
            let mut updates = Vec::new();
            for step in 0..300 {
                let roll = rng.random_range(0..10);
                if roll < 6 || rates.is_empty() {
                    let (s, d) = (rng.random_range(0..hosts), rng.random_range(0..hosts));
                    let set = ResourceSet::new(&[2 * s, 2 * d + 1]);
                    let key = FlowKey {
                        stream: StreamId(next),
                        dir: 0,
                    };
                    let spare = sharing.spare(&set).max(0.0);
                    let slot = sharing.insert(key, set, spare);
                    rates.insert(next, (slot, set, spare));
                    next += 1;
                } else if roll < 9 {
                    let pick = rng.random_range(0..rates.len());
                    let id = *rates.keys().nth(pick).unwrap();
                    let (slot, _, _) = rates.remove(&id).unwrap();
                    sharing.remove(slot);
                } else {
                    let r = rng.random_range(0..2 * hosts);
                    sharing.set_capacity(r, f64::from(rng.random_range(1..=30u32)));
                }
                sharing.recompute(&mut updates);
                for &(k, rate) in &updates {
                    rates.get_mut(&k.stream.0).unwrap().2 = rate;
                }
                let sets: Vec<_> = rates.values().map(|v| v.1).collect();
                let mut full = Vec::new();
                MaxMinSolver::default().solve(&sharing.capacities, &sets, &mut full);
                for ((id, (_, _, got)), want) in rates.iter().zip(&full) {
                    assert!(
                        (got - want).abs() <= 1e-6 * want.max(1.0),
                        "seed {seed} step {step}: flow {id} at {got}, full solve says {want}"
                    );
                }
                for r in 0..2 * hosts as usize {
                    let load: f64 = rates
                        .values()
                        .filter(|v| v.1.as_slice().contains(&(r as u32)))
                        .map(|v| v.2)
                        .sum();
                    assert!(
                        (sharing.allocated[r] - load).abs() < 1e-6,
                        "seed {seed}: load of {r}"
                    );
                }
            }
        }
    }
}
