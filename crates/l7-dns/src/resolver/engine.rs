//! The iterative resolver as a sans-IO state machine (RFC 1034 §5.3.3):
//! each client question becomes a resolution task that walks from the
//! closest known zone cut (or the root hints) down the referrals, follows
//! CNAME and DNAME chains, resolves the addresses of glueless name servers
//! in sub-tasks, picks servers by smoothed RTT, retries on timeouts and
//! over TCP on TC, and caches what it learns within bailiwick.
//!
//! Tasks that would ask the same zone's servers about names under the same
//! child (h1.d1.t1 and h2.d1.t1, both asking t1's servers) do not both ask:
//! the later one waits for the query in flight, whose referral (or answer)
//! it then finds in the cache. A burst of cold questions under one
//! delegation costs one referral, not one per question.
//!
//! The driver sends each [`Transmit`] from a fresh socket (a random source
//! port per query, RFC 5452 §9.2) and passes replies back with the address
//! they came from; matching the port is the driver's job (a reply arriving
//! on the query's own socket from the server's port), matching address, ID
//! and question is done here. Messages are passed without the TCP length
//! prefix in both directions: the driver adds and strips it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use l7_wire::Instant;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

use super::cache::{Cache, Cached, Rank};
use super::classify::{Outcome, classify};
use super::hints::RootHint;
use super::hosts::Hosts;
use super::servers::ServerStats;
use crate::wire::{
    Class, Edns, Flags, Message, Name, Opcode, Question, RData, Rcode, Record, RecordType, rrsets,
};

/// Limits and settings of a [`Resolver`].
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The root servers to start from.
    pub root_hints: Vec<RootHint>,
    /// Port upstream servers listen on (53, or the world's offset port).
    pub upstream_port: u16,
    /// Most cache entries kept.
    pub cache_capacity: usize,
    /// Most upstream queries for one client question, sub-tasks included.
    pub max_queries: u32,
    /// Most referrals followed by one task.
    pub max_referrals: u32,
    /// Longest CNAME/DNAME chain followed.
    pub max_chain: usize,
    /// How deep sub-tasks for glueless name servers may nest.
    pub max_depth: u32,
    /// Tries per server address before giving up on it.
    pub tries_per_server: u32,
    /// How long to wait for a server never heard from.
    pub initial_timeout: Duration,
    /// Most resolutions under way at once (sub-tasks included); a client
    /// question beyond it is answered SERVFAIL at once.
    pub max_active: usize,
    /// Names answered from a hosts file before anything else.
    pub hosts: Hosts,
}

impl Default for ResolverConfig {
    fn default() -> ResolverConfig {
        ResolverConfig {
            root_hints: Vec::new(),
            upstream_port: 53,
            cache_capacity: 100_000,
            max_queries: 64,
            max_referrals: 16,
            max_chain: 8,
            max_depth: 3,
            tries_per_server: 2,
            initial_timeout: Duration::from_millis(1000),
            max_active: 10_000,
            hosts: Hosts::default(),
        }
    }
}

/// A query to send upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The server to send it to.
    pub server: SocketAddr,
    /// The query message.
    pub query: Vec<u8>,
    /// True to send it over TCP (after a truncated UDP reply).
    pub over_tcp: bool,
}

/// The end of a client's resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The token given to [`Resolver::start`].
    pub token: u64,
    /// The answer (ID 0, RD and RA set: the driver copies the client's ID
    /// and flags in).
    pub response: Message,
}

type TaskId = u64;

/// A zone cut learned from a referral during this task.
#[derive(Debug, Clone)]
struct Cut {
    zone: Name,
    servers: Vec<Name>,
    glue: HashMap<Name, Vec<IpAddr>>,
}

#[derive(Debug, Clone)]
struct Inflight {
    id: u16,
    server: SocketAddr,
    over_tcp: bool,
    sent: Instant,
    deadline: Instant,
    zone: Name,
}

#[derive(Debug)]
struct Task {
    /// The clients waiting for this question (empty for a sub-task).
    tokens: Vec<u64>,
    parent: Option<TaskId>,
    root: TaskId,
    depth: u32,
    question: Question,
    qname: Name,
    chain: Vec<Record>,
    queries: u32,
    referrals: u32,
    cut: Option<Cut>,
    attempts_zone: Option<Name>,
    attempts: HashMap<IpAddr, u32>,
    sub_tried: HashSet<Name>,
    learned: HashMap<Name, Vec<IpAddr>>,
    inflight: Option<Inflight>,
    /// The (zone, child) this task's query in flight asks about, when
    /// other tasks may wait for it.
    probe: Option<(Name, Name)>,
}

enum Step {
    Wait,
    Done(Rcode, Vec<Record>, Vec<Record>),
    Spawn(Name),
}

/// An iterative caching resolver.
#[derive(Debug)]
pub struct Resolver {
    config: ResolverConfig,
    cache: Cache,
    stats: ServerStats,
    rng: ChaCha8Rng,
    tasks: HashMap<TaskId, Task>,
    next_task: TaskId,
    outstanding: HashMap<(u16, SocketAddr), TaskId>,
    /// Client questions under way, so an identical one joins the walk.
    by_question: HashMap<Question, TaskId>,
    /// Queries in flight by (zone asked, child of the zone asked about).
    probes: HashMap<(Name, Name), TaskId>,
    /// Tasks waiting for another task's query in flight, by that task.
    parked: HashMap<TaskId, Vec<TaskId>>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Resolved>,
    upstream_queries: u64,
}

impl Resolver {
    /// A resolver with `config`; `seed` seeds the query-ID generator (a
    /// driver passes OS randomness, the simulator a fixed seed).
    pub fn new(config: ResolverConfig, seed: u64) -> Resolver {
        Resolver {
            cache: Cache::new(config.cache_capacity),
            config,
            stats: ServerStats::default(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            tasks: HashMap::new(),
            next_task: 0,
            outstanding: HashMap::new(),
            by_question: HashMap::new(),
            probes: HashMap::new(),
            parked: HashMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            upstream_queries: 0,
        }
    }

    /// Starts resolving `question` for a client; the result comes out of
    /// [`Resolver::poll_event`] with `token` (at once for cache and hosts hits).
    /// A question already being resolved for another client is not asked
    /// again: this client joins the walk under way and gets the same answer.
    pub fn start(&mut self, now: Instant, question: Question, token: u64) {
        if let Some(records) = self.config.hosts.lookup(&question.name, question.qtype) {
            let response = client_response(&question, Rcode::NOERROR, records, Vec::new());
            self.events.push_back(Resolved { token, response });
            return;
        }
        // The hot path: a cached answer needs no task.
        if let Some(hit) = self
            .cache
            .get_ranked(now, &question.name, question.qtype, Rank::Answer)
        {
            let (rcode, answers, authority) = from_cache(hit);
            let response = client_response(&question, rcode, answers, authority);
            self.events.push_back(Resolved { token, response });
            return;
        }
        if let Some(task) = self
            .by_question
            .get(&question)
            .and_then(|id| self.tasks.get_mut(id))
            .filter(|t| t.tokens.len() < self.config.max_active)
        {
            task.tokens.push(token);
            return;
        }
        if self.tasks.len() >= self.config.max_active {
            let response = client_response(&question, Rcode::SERVFAIL, Vec::new(), Vec::new());
            self.events.push_back(Resolved { token, response });
            return;
        }
        let id = self.new_task(question.clone(), vec![token], None, 0);
        self.by_question.insert(question, id);
        self.advance(now, id);
    }

    /// The next query to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next finished resolution.
    pub fn poll_event(&mut self) -> Option<Resolved> {
        self.events.pop_front()
    }

    /// When [`Resolver::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.tasks
            .values()
            .filter_map(|t| t.inflight.as_ref().map(|i| i.deadline))
            .min()
    }

    /// The cache, for inspection.
    pub fn cache(&mut self) -> &mut Cache {
        &mut self.cache
    }

    /// Upstream queries sent since the resolver was made.
    pub fn upstream_queries(&self) -> u64 {
        self.upstream_queries
    }

    /// Resolutions still under way (sub-tasks included).
    pub fn active(&self) -> usize {
        self.tasks.len()
    }

    /// Takes a reply from `from`. It is used only if it answers a query in
    /// flight to that address with that ID and that question; anything
    /// else (spoofed, late, malformed) is ignored.
    pub fn handle_response(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        let Ok((msg, _)) = Message::parse(bytes) else {
            return;
        };
        let Some(&id) = self.outstanding.get(&(msg.id, from)) else {
            return;
        };
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        let asked = Question {
            name: task.qname.clone(),
            qtype: task.question.qtype,
            qclass: Class::IN,
        };
        if !msg.flags.response || msg.opcode != Opcode::QUERY || msg.questions != [asked] {
            return;
        }
        self.outstanding.remove(&(msg.id, from));
        let Some(mut task) = self.tasks.remove(&id) else {
            return;
        };
        let Some(inflight) = task.inflight.take() else {
            return;
        };
        self.stats.record_rtt(from.ip(), now - inflight.sent);
        if msg.flags.truncated && !inflight.over_tcp {
            // RFC 7766 §5: a truncated UDP answer is asked again over TCP.
            self.send(now, id, &mut task, from.ip(), true, inflight.zone);
            self.tasks.insert(id, task);
            return;
        }
        let step = self.learn(now, &mut task, &msg, &inflight, from.ip());
        self.tasks.insert(id, task);
        self.release(now, id);
        match step {
            Some(done) => self.conclude(now, id, done),
            None => self.advance(now, id),
        }
    }

    /// Gives up on queries whose time is up and moves on to other servers.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.inflight.as_ref().is_some_and(|i| i.deadline <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            let Some(task) = self.tasks.get_mut(&id) else {
                continue;
            };
            let Some(inflight) = task.inflight.take() else {
                continue;
            };
            self.outstanding.remove(&(inflight.id, inflight.server));
            self.stats.record_timeout(inflight.server.ip());
            self.release(now, id);
            self.advance(now, id);
        }
    }

    fn new_task(
        &mut self,
        question: Question,
        tokens: Vec<u64>,
        parent: Option<TaskId>,
        depth: u32,
    ) -> TaskId {
        let id = self.next_task;
        self.next_task += 1;
        let root = parent
            .and_then(|p| self.tasks.get(&p))
            .map_or(id, |p| p.root);
        self.tasks.insert(
            id,
            Task {
                tokens,
                parent,
                root,
                depth,
                qname: question.name.clone(),
                question,
                chain: Vec::new(),
                queries: 0,
                referrals: 0,
                cut: None,
                attempts_zone: None,
                attempts: HashMap::new(),
                sub_tried: HashSet::new(),
                learned: HashMap::new(),
                inflight: None,
                probe: None,
            },
        );
        id
    }

    /// Runs a task until it waits for a reply, needs a sub-task, or ends.
    fn advance(&mut self, now: Instant, id: TaskId) {
        let Some(mut task) = self.tasks.remove(&id) else {
            return;
        };
        let step = self.step(now, id, &mut task);
        self.tasks.insert(id, task);
        match step {
            Step::Wait => {}
            Step::Done(rcode, answers, authority) => {
                self.conclude(now, id, (rcode, answers, authority))
            }
            Step::Spawn(ns) => {
                let depth = self.tasks.get(&id).map_or(0, |t| t.depth + 1);
                let child = self.new_task(
                    Question::new(ns, RecordType::A),
                    Vec::new(),
                    Some(id),
                    depth,
                );
                self.advance(now, child);
            }
        }
    }

    fn step(&mut self, now: Instant, id: TaskId, task: &mut Task) -> Step {
        let qtype = task.question.qtype;
        // 1. The cache, following cached CNAMEs.
        loop {
            if task.chain.len() > self.config.max_chain {
                return Step::Done(Rcode::SERVFAIL, Vec::new(), Vec::new());
            }
            if let Some(hit) = self.cache.get_ranked(now, &task.qname, qtype, Rank::Answer) {
                let (rcode, records, authority) = from_cache(hit);
                return done(task, rcode, records, authority);
            }
            if qtype == RecordType::CNAME {
                break;
            }
            let Some(Cached::Records(cname)) =
                self.cache
                    .get_ranked(now, &task.qname, RecordType::CNAME, Rank::Answer)
            else {
                break;
            };
            let Some(target) = cname.first().and_then(|r| r.rdata.target()).cloned() else {
                break;
            };
            task.chain.extend(cname);
            task.qname = target;
        }
        // 2. The closest zone cut and its servers' addresses.
        let (zone, servers) = self.closest_cut(now, task);
        if task.attempts_zone.as_ref() != Some(&zone) {
            task.attempts_zone = Some(zone.clone());
            task.attempts.clear();
        }
        let mut candidates = Vec::new();
        let mut missing = Vec::new();
        for ns in &servers {
            let addrs = self.addresses(now, task, ns);
            if addrs.is_empty() {
                missing.push(ns.clone());
            }
            candidates.extend(addrs);
        }
        candidates
            .retain(|a| task.attempts.get(a).copied().unwrap_or(0) < self.config.tries_per_server);
        let best = candidates
            .iter()
            .min_by_key(|a| self.stats.srtt(**a))
            .copied();
        let Some(addr) = best else {
            // 3. A glueless delegation: resolve a name server's address first.
            let next = missing
                .into_iter()
                .find(|ns| !task.sub_tried.contains(ns) && *ns != task.qname);
            return match next {
                Some(ns) if task.depth < self.config.max_depth => {
                    task.sub_tried.insert(ns.clone());
                    Step::Spawn(ns)
                }
                _ => Step::Done(Rcode::SERVFAIL, Vec::new(), Vec::new()),
            };
        };
        // 4. Another task already asks this zone about the same child: wait
        // for its reply rather than ask again.
        let probe = probe_key(&zone, &task.qname);
        if let Some(leader) = probe.as_ref().and_then(|k| self.probes.get(k)).copied()
            && leader != id
            && self
                .tasks
                .get(&leader)
                .is_some_and(|t| t.inflight.is_some())
        {
            self.parked.entry(leader).or_default().push(id);
            return Step::Wait;
        }
        // 5. The work limit of the whole client question.
        let spent = if task.root == id {
            task.queries += 1;
            task.queries
        } else {
            self.tasks.get_mut(&task.root).map_or(0, |root| {
                root.queries += 1;
                root.queries
            })
        };
        if spent > self.config.max_queries {
            return Step::Done(Rcode::SERVFAIL, Vec::new(), Vec::new());
        }
        self.send(now, id, task, addr, false, zone);
        if let Some(key) = probe
            && task.probe.is_none()
        {
            self.probes.entry(key.clone()).or_insert(id);
            task.probe = Some(key);
        }
        Step::Wait
    }

    /// Task `id`'s query is over: tasks waiting for it go on (finding in
    /// the cache what its reply taught).
    fn release(&mut self, now: Instant, id: TaskId) {
        if let Some(key) = self.tasks.get_mut(&id).and_then(|t| t.probe.take())
            && self.probes.get(&key) == Some(&id)
        {
            self.probes.remove(&key);
        }
        for waiting in self.parked.remove(&id).unwrap_or_default() {
            self.advance(now, waiting);
        }
    }

    /// The deepest cut above the name: from the cache, this task's last
    /// referral, or the root hints.
    fn closest_cut(&mut self, now: Instant, task: &Task) -> (Name, Vec<Name>) {
        let mut best: Option<(Name, Vec<Name>)> = None;
        let mut name = Some(task.qname.clone());
        while let Some(n) = name {
            if let Some(Cached::Records(ns)) = self.cache.get(now, &n, RecordType::NS) {
                best = Some((
                    n,
                    ns.iter()
                        .filter_map(|r| r.rdata.target().cloned())
                        .collect(),
                ));
                break;
            }
            name = n.parent();
        }
        if let Some(cut) = &task.cut
            && task.qname.is_subdomain_of(&cut.zone)
            && best
                .as_ref()
                .is_none_or(|(z, _)| cut.zone.label_count() > z.label_count())
        {
            best = Some((cut.zone.clone(), cut.servers.clone()));
        }
        best.unwrap_or_else(|| {
            let mut names: Vec<Name> = Vec::new();
            for hint in &self.config.root_hints {
                if !names.contains(&hint.name) {
                    names.push(hint.name.clone());
                }
            }
            (Name::root(), names)
        })
    }

    fn addresses(&mut self, now: Instant, task: &Task, ns: &Name) -> Vec<IpAddr> {
        let mut out: Vec<IpAddr> = Vec::new();
        if let Some(glue) = task.cut.as_ref().and_then(|c| c.glue.get(ns)) {
            out.extend(glue);
        }
        if let Some(learned) = task.learned.get(ns) {
            out.extend(learned);
        }
        for rtype in [RecordType::A, RecordType::AAAA] {
            if let Some(Cached::Records(rs)) = self.cache.get(now, ns, rtype) {
                out.extend(rs.iter().filter_map(|r| address(&r.rdata)));
            }
        }
        out.extend(
            self.config
                .root_hints
                .iter()
                .filter(|h| h.name == *ns)
                .map(|h| h.addr),
        );
        let mut seen = HashSet::new();
        out.retain(|a| seen.insert(*a));
        out
    }

    fn send(
        &mut self,
        now: Instant,
        id: TaskId,
        task: &mut Task,
        addr: IpAddr,
        over_tcp: bool,
        zone: Name,
    ) {
        let server = SocketAddr::new(addr, self.config.upstream_port);
        let query_id = loop {
            let candidate = self.rng.next_u32() as u16;
            if !self.outstanding.contains_key(&(candidate, server)) {
                break candidate;
            }
        };
        let mut query = Message::query(
            query_id,
            Question::new(task.qname.clone(), task.question.qtype),
            false,
        );
        query.edns = Some(Edns::default());
        self.transmits.push_back(Transmit {
            server,
            query: query.to_bytes(),
            over_tcp,
        });
        self.upstream_queries += 1;
        *task.attempts.entry(addr).or_default() += 1;
        let wait = self.stats.timeout(addr, self.config.initial_timeout);
        task.inflight = Some(Inflight {
            id: query_id,
            server,
            over_tcp,
            sent: now,
            deadline: now + wait,
            zone,
        });
        self.outstanding.insert((query_id, server), id);
    }

    /// Caches what a matched reply teaches and moves the task on; returns
    /// the final result when the reply ends the task.
    fn learn(
        &mut self,
        now: Instant,
        task: &mut Task,
        msg: &Message,
        inflight: &Inflight,
        from: IpAddr,
    ) -> Option<(Rcode, Vec<Record>, Vec<Record>)> {
        let qtype = task.question.qtype;
        match classify(
            msg,
            &inflight.zone,
            &task.qname,
            qtype,
            self.config.max_chain,
        ) {
            Outcome::Answer { chain, records } => {
                self.cache_records(now, &chain, Rank::Answer);
                self.cache_records(now, &records, Rank::Answer);
                task.chain.extend(chain);
                Some((
                    Rcode::NOERROR,
                    std::mem::take(&mut task.chain)
                        .into_iter()
                        .chain(records)
                        .collect(),
                    Vec::new(),
                ))
            }
            Outcome::Chain { chain, next } => {
                self.cache_records(now, &chain, Rank::Answer);
                task.chain.extend(chain);
                task.qname = next;
                None
            }
            Outcome::NxDomain { chain, soa, name } => {
                self.cache_records(now, &chain, Rank::Answer);
                task.chain.extend(chain);
                let authority = self.negative(now, &name, None, soa);
                Some((Rcode::NXDOMAIN, std::mem::take(&mut task.chain), authority))
            }
            Outcome::NoData { chain, soa, name } => {
                self.cache_records(now, &chain, Rank::Answer);
                task.chain.extend(chain);
                let authority = self.negative(now, &name, Some(qtype), soa);
                Some((Rcode::NOERROR, std::mem::take(&mut task.chain), authority))
            }
            Outcome::Referral { zone, ns, glue } => {
                task.referrals += 1;
                if task.referrals > self.config.max_referrals {
                    return Some((Rcode::SERVFAIL, Vec::new(), Vec::new()));
                }
                self.cache_records(now, &ns, Rank::Referral);
                self.cache_records(now, &glue, Rank::Glue);
                // A sub-task only wants a name server's address: glue for
                // it is enough to go on (as the parent would use it had
                // the referral come its way), one query saved per cut.
                let own: Vec<Record> = glue
                    .iter()
                    .filter(|r| r.name == task.qname && r.rtype() == qtype)
                    .cloned()
                    .collect();
                if task.tokens.is_empty() && task.parent.is_some() && !own.is_empty() {
                    return Some((Rcode::NOERROR, own, Vec::new()));
                }
                let mut glue_map: HashMap<Name, Vec<IpAddr>> = HashMap::new();
                for r in &glue {
                    glue_map
                        .entry(r.name.clone())
                        .or_default()
                        .extend(address(&r.rdata));
                }
                task.cut = Some(Cut {
                    zone,
                    servers: ns
                        .iter()
                        .filter_map(|r| r.rdata.target().cloned())
                        .collect(),
                    glue: glue_map,
                });
                None
            }
            Outcome::Failure => {
                task.attempts.insert(from, self.config.tries_per_server);
                None
            }
        }
    }

    /// Caches a negative answer and gives the SOA to send, its TTL the
    /// negative TTL (RFC 2308 §3).
    fn negative(
        &mut self,
        now: Instant,
        name: &Name,
        rtype: Option<RecordType>,
        soa: Option<Record>,
    ) -> Vec<Record> {
        let Some(soa) = soa else { return Vec::new() };
        self.cache.insert_negative(now, name, rtype, soa.clone());
        let minimum = match &soa.rdata {
            RData::Soa(s) => s.minimum,
            _ => soa.ttl,
        };
        vec![Record {
            ttl: soa.ttl.min(minimum),
            ..soa
        }]
    }

    fn cache_records(&mut self, now: Instant, records: &[Record], rank: Rank) {
        let mut sorted = records.to_vec();
        sorted.sort_by(|a, b| a.name.cmp(&b.name).then(a.rtype().cmp(&b.rtype())));
        for set in rrsets(&sorted) {
            self.cache.insert_rrset(now, set.to_vec(), rank);
        }
    }

    /// Ends task `id`: the client gets its answer, or the parent task
    /// learns the name server's addresses and goes on.
    fn conclude(
        &mut self,
        now: Instant,
        id: TaskId,
        (rcode, answers, authority): (Rcode, Vec<Record>, Vec<Record>),
    ) {
        self.release(now, id);
        let Some(mut task) = self.tasks.remove(&id) else {
            return;
        };
        if let Some(inflight) = task.inflight.take() {
            self.outstanding.remove(&(inflight.id, inflight.server));
        }
        let addrs: Vec<IpAddr> = answers.iter().filter_map(|r| address(&r.rdata)).collect();
        if !task.tokens.is_empty() {
            if self.by_question.get(&task.question) == Some(&id) {
                self.by_question.remove(&task.question);
            }
            let response = client_response(&task.question, rcode, answers, authority);
            for &token in &task.tokens {
                let response = response.clone();
                self.events.push_back(Resolved { token, response });
            }
        }
        if let Some(parent) = task.parent {
            if let Some(p) = self.tasks.get_mut(&parent) {
                p.learned
                    .entry(task.question.name.clone())
                    .or_default()
                    .extend(addrs);
            }
            self.advance(now, parent);
        }
    }
}

/// The child of `zone` on the way to `qname` (d1.t1 for h1.d1.t1 asked of
/// t1's servers); none when `qname` is the zone itself.
fn probe_key(zone: &Name, qname: &Name) -> Option<(Name, Name)> {
    let below = qname.label_count().checked_sub(zone.label_count() + 1)?;
    let mut child = qname.clone();
    for _ in 0..below {
        child = child.parent()?;
    }
    Some((zone.clone(), child))
}

/// A cache hit as (rcode, answer records, authority records).
fn from_cache(hit: Cached) -> (Rcode, Vec<Record>, Vec<Record>) {
    match hit {
        Cached::Records(rs) => (Rcode::NOERROR, rs, Vec::new()),
        Cached::NxDomain(soa) => (Rcode::NXDOMAIN, Vec::new(), vec![soa]),
        Cached::NoData(soa) => (Rcode::NOERROR, Vec::new(), vec![soa]),
    }
}

fn done(task: &mut Task, rcode: Rcode, records: Vec<Record>, authority: Vec<Record>) -> Step {
    let mut answers = std::mem::take(&mut task.chain);
    answers.extend(records);
    Step::Done(rcode, answers, authority)
}

fn address(rdata: &RData) -> Option<IpAddr> {
    match rdata {
        RData::A(a) => Some(IpAddr::V4(*a)),
        RData::Aaaa(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

fn client_response(
    question: &Question,
    rcode: Rcode,
    answers: Vec<Record>,
    authority: Vec<Record>,
) -> Message {
    Message {
        flags: Flags {
            response: true,
            recursion_desired: true,
            recursion_available: true,
            ..Flags::default()
        },
        rcode,
        questions: vec![question.clone()],
        answers,
        authority,
        ..Message::default()
    }
}
