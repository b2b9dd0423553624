//! Behaviour of the two transports against values computed by hand:
//! handshake cost, transfer time, fair sharing, loss, drop-tail queueing,
//! closing, and capacity changes.

mod common;

use common::{Action, Node, Seen};
use l7_sim::{
    App, Ctx, DropReason, Endpoint, HostId, HostParams, LinkParams, Sim, SimConfig, StreamError,
    TraceEvent,
};
use l7_wire::Instant;
use std::time::Duration;

const MBIT: u64 = 1_000_000;

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn secs(t: Instant) -> f64 {
    t.since_epoch().as_secs_f64()
}

fn assert_close(actual: Instant, expected_s: f64, tolerance_s: f64) {
    let got = secs(actual);
    assert!(
        (got - expected_s).abs() <= tolerance_s,
        "arrived at {got:.6} s, expected {expected_s:.6} s ± {tolerance_s}"
    );
}

fn sim_with_latency(latency: Duration) -> Sim<Node> {
    Sim::new(SimConfig {
        default_link: LinkParams::with_latency(latency),
        ..SimConfig::default()
    })
}

/// Host A, which connects to host B and writes `bytes` (then closes if
/// `close`), and B; paths of `latency`.
fn one_send(latency: Duration, bytes: usize, close: bool) -> (Sim<Node>, HostId, HostId) {
    let mut sim = sim_with_latency(latency);
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let a = sim.add_host(
        HostParams::default(),
        Node::with(vec![Action::Send {
            to: to(b),
            bytes,
            close,
        }]),
    );
    sim.add_host(HostParams::default(), Node::default());
    (sim, a, b)
}

fn to(host: HostId) -> Endpoint {
    Endpoint::new(host, 80)
}

fn is_open(s: &Seen) -> bool {
    matches!(s, Seen::Open { .. })
}

fn is_data(s: &Seen) -> bool {
    matches!(s, Seen::Data { .. })
}

#[test]
fn connect_costs_one_round_trip_and_a_fetch_two() {
    let mut sim = Sim::new(SimConfig::default());
    let client = HostId::from_ip("10.0.0.1".parse().unwrap()).unwrap();
    let server = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let request = Action::Send {
        to: to(server),
        bytes: 100,
        close: false,
    };
    assert_eq!(
        sim.add_host(HostParams::default(), Node::with(vec![request])),
        client
    );
    let mut responder = Node::default();
    responder.reply = Some(100);
    assert_eq!(sim.add_host(HostParams::default(), responder), server);
    // Asymmetric path: 30 ms there, 70 ms back, RTT 100 ms.
    sim.set_link_one_way(client, server, LinkParams::with_latency(ms(30)));
    sim.set_link_one_way(server, client, LinkParams::with_latency(ms(70)));
    assert_eq!(
        sim.link(client, server).latency + sim.link(server, client).latency,
        ms(100)
    );
    sim.run_until(Instant::from_millis(1000));

    let tol = 1e-4; // serialising 100 bytes at 100 Mbit/s takes 8 µs
    let accepted = sim.app(server).first(is_open).unwrap();
    assert_close(accepted, 0.030, 0.0);
    let connected = sim.app(client).first(is_open).unwrap();
    assert_close(connected, 0.100, 0.0);
    let request_in = sim.app(server).first(is_data).unwrap();
    assert_close(request_in, 0.130, tol);
    // Request/response on a new connection: 2 RTT plus transmission.
    let response_in = sim.app(client).first(is_data).unwrap();
    assert_close(response_in, 0.200, tol);
    let Some((_, Seen::Open { info, .. })) = sim.app(client).log.first() else {
        panic!("client saw no open first");
    };
    assert!(info.initiated_here);
    assert_eq!(info.peer, to(server));
}

#[test]
fn single_flow_arrives_after_rtt_plus_size_over_rate_plus_latency() {
    // F = 1 MB over an 8 Mbit/s uplink, L = 50 ms each way:
    // open at 100 ms, last bit sent 1 s later, arrives 50 ms after that.
    let mut sim = sim_with_latency(ms(50));
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let send = Action::Send {
        to: to(b),
        bytes: 1_000_000,
        close: true,
    };
    sim.add_host(
        HostParams::new(8 * MBIT, 100 * MBIT),
        Node::with(vec![send]),
    );
    sim.add_host(HostParams::new(100 * MBIT, 100 * MBIT), Node::default());
    sim.run_until(Instant::from_millis(5000));

    let receiver = sim.app(b);
    let stream = *receiver.received.keys().next().unwrap();
    assert_eq!(receiver.received[&stream], 1_000_000);
    assert_close(receiver.last_data(stream).unwrap(), 0.1 + 1.0 + 0.05, 1e-6);
    // The close arrives with the last byte, after it.
    let closed = receiver
        .first(|s| matches!(s, Seen::Closed { .. }))
        .unwrap();
    assert_eq!(closed, receiver.last_data(stream).unwrap());
    assert_eq!(sim.counters(b).stream_bytes_received, 1_000_000);
    assert_eq!(
        sim.counters(HostId::from_ip("10.0.0.1".parse().unwrap()).unwrap())
            .stream_bytes_sent,
        1_000_000
    );
}

#[test]
fn two_flows_from_one_sender_each_get_half() {
    let mut sim = sim_with_latency(ms(50));
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let c = HostId::from_ip("10.0.0.3".parse().unwrap()).unwrap();
    let sends = vec![
        Action::Send {
            to: to(b),
            bytes: 1_000_000,
            close: true,
        },
        Action::Send {
            to: to(c),
            bytes: 1_000_000,
            close: true,
        },
    ];
    sim.add_host(HostParams::new(8 * MBIT, 100 * MBIT), Node::with(sends));
    sim.add_host(HostParams::symmetric(100 * MBIT), Node::default());
    sim.add_host(HostParams::symmetric(100 * MBIT), Node::default());
    // Half-way through (open at 0.1 s, 4 Mbit/s each), each has about half.
    sim.run_until(Instant::from_millis(1150));
    for h in [b, c] {
        let got = sim.counters(h).stream_bytes_received;
        assert!(
            (430_000..=570_000).contains(&got),
            "{h} got {got} bytes by 1.15 s"
        );
    }
    sim.run_until(Instant::from_millis(5000));
    for h in [b, c] {
        let node = sim.app(h);
        let stream = *node.received.keys().next().unwrap();
        assert_close(node.last_data(stream).unwrap(), 0.1 + 2.0 + 0.05, 1e-6);
    }
}

#[test]
fn max_min_fair_shares_on_an_asymmetric_example() {
    // Uploads: A 10, B 10 Mbit/s. Downloads: C 4, D 100 Mbit/s.
    // Flows A→C, B→C and A→D. By hand (progressive filling): C fills first
    // at 2 Mbit/s each; A's remaining 8 Mbit/s all go to A→D. Sizes are
    // chosen so all three finish after exactly 2 s at those rates
    // (a split of A's upload in halves would leave A→D at 5 Mbit/s: 3.2 s).
    let mut sim = sim_with_latency(ms(50));
    let c = HostId::from_ip("10.0.0.3".parse().unwrap()).unwrap();
    let d = HostId::from_ip("10.0.0.4".parse().unwrap()).unwrap();
    let a_sends = vec![
        Action::Send {
            to: to(c),
            bytes: 500_000,
            close: true,
        },
        Action::Send {
            to: to(d),
            bytes: 2_000_000,
            close: true,
        },
    ];
    let b_sends = vec![Action::Send {
        to: to(c),
        bytes: 500_000,
        close: true,
    }];
    sim.add_host(HostParams::new(10 * MBIT, 100 * MBIT), Node::with(a_sends));
    sim.add_host(HostParams::new(10 * MBIT, 100 * MBIT), Node::with(b_sends));
    sim.add_host(HostParams::new(100 * MBIT, 4 * MBIT), Node::default());
    sim.add_host(HostParams::new(100 * MBIT, 100 * MBIT), Node::default());
    sim.run_until(Instant::from_millis(10_000));
    let expected = 0.1 + 2.0 + 0.05;
    for h in [c, d] {
        let node = sim.app(h);
        for &stream in node.received.keys() {
            assert_close(node.last_data(stream).unwrap(), expected, 1e-6);
        }
    }
    assert_eq!(sim.app(c).received.len(), 2);
}

#[test]
fn a_bottleneck_link_limits_streams() {
    // Hosts at 100 Mbit/s, the path between them at 4 Mbit/s: 500 kB take 1 s.
    let (mut sim, a, b) = one_send(ms(10), 500_000, true);
    let path = LinkParams {
        bandwidth_bps: Some(4 * MBIT),
        ..LinkParams::with_latency(ms(10))
    };
    sim.set_link(a, b, path);
    sim.run_until(Instant::from_millis(5000));
    let node = sim.app(b);
    let stream = *node.received.keys().next().unwrap();
    assert_close(node.last_data(stream).unwrap(), 0.02 + 1.0 + 0.01, 1e-6);
}

#[test]
fn capacity_change_mid_transfer_changes_the_rate() {
    // 2 MB at 8 Mbit/s; at 1.1 s (1 MB sent) the uplink doubles, so the
    // second MB takes 0.5 s: last byte sent at 1.6 s, arriving at 1.65 s.
    // Once changed between runs, once scheduled ahead.
    for scheduled in [false, true] {
        let mut sim = sim_with_latency(ms(50));
        let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
        let a = sim.add_host(
            HostParams::new(8 * MBIT, 100 * MBIT),
            Node::with(vec![Action::Send {
                to: to(b),
                bytes: 2_000_000,
                close: true,
            }]),
        );
        sim.add_host(HostParams::default(), Node::default());
        if scheduled {
            sim.schedule_host_capacity(Instant::from_millis(1100), a, 16 * MBIT, 100 * MBIT);
        } else {
            sim.run_until(Instant::from_millis(1100));
            sim.set_host_capacity(a, 16 * MBIT, 100 * MBIT);
        }
        sim.run_until(Instant::from_millis(5000));
        assert_eq!(sim.host_params(a).up_bps, 16 * MBIT);
        let node = sim.app(b);
        let stream = *node.received.keys().next().unwrap();
        assert_close(node.last_data(stream).unwrap(), 1.65, 1e-6);
    }
}

#[test]
fn writes_after_close_are_refused_and_both_closes_free_the_stream() {
    let (mut sim, a, b) = one_send(ms(5), 10, true);
    sim.run_until(Instant::from_millis(100));
    let stream = *sim.app(b).received.keys().next().unwrap();
    let refused = sim.with_app(a, |_, ctx| ctx.write(stream, b"more".to_vec()));
    assert_eq!(refused, Err(StreamError::Closed));
    // A host that is not an end of the stream cannot use it.
    let outsider = sim.add_host(HostParams::default(), Node::default());
    assert_eq!(
        sim.with_app(outsider, |_, ctx| ctx.close(stream)),
        Err(StreamError::Unknown)
    );
    // B closes too; once both closes arrived the stream is gone.
    assert_eq!(sim.with_app(b, |_, ctx| ctx.close(stream)), Ok(()));
    sim.run_until(Instant::from_millis(200));
    assert!(
        sim.app(a)
            .first(|s| matches!(s, Seen::Closed { .. }))
            .is_some()
    );
    assert_eq!(
        sim.with_app(b, |_, ctx| ctx.write(stream, vec![1])),
        Err(StreamError::Unknown)
    );
}

#[test]
fn each_end_keeps_its_own_tag_until_the_stream_is_gone() {
    let (mut sim, a, b) = one_send(ms(5), 10, false);
    let outsider = sim.add_host(HostParams::default(), Node::default());
    sim.run_until(Instant::from_millis(100));
    let stream = *sim.app(b).received.keys().next().unwrap();
    let tag = |sim: &mut Sim<Node>, host| sim.with_app(host, |_, ctx| ctx.stream_tag(stream));
    assert_eq!(tag(&mut sim, a), None);
    sim.with_app(a, |_, ctx| ctx.set_stream_tag(stream, Some(3)))
        .unwrap();
    sim.with_app(b, |_, ctx| ctx.set_stream_tag(stream, Some(7)))
        .unwrap();
    assert_eq!((tag(&mut sim, a), tag(&mut sim, b)), (Some(3), Some(7)));
    // Only the stream's ends have a tag on it.
    let refused = sim.with_app(outsider, |_, ctx| ctx.set_stream_tag(stream, Some(1)));
    assert_eq!(refused, Err(StreamError::Unknown));
    assert_eq!(tag(&mut sim, outsider), None);
    sim.with_app(b, |_, ctx| ctx.set_stream_tag(stream, None))
        .unwrap();
    assert_eq!((tag(&mut sim, a), tag(&mut sim, b)), (Some(3), None));
    // A closes, then B: each reads its tag as the other's close arrives,
    // the last one included; then the stream is gone, and its tags.
    sim.with_app(a, |_, ctx| ctx.close(stream)).unwrap();
    sim.run_until(Instant::from_millis(200));
    sim.with_app(b, |_, ctx| ctx.close(stream)).unwrap();
    sim.run_until(Instant::from_millis(300));
    assert_eq!(sim.app(b).tags_at_close.get(&stream), Some(&None));
    assert_eq!(sim.app(a).tags_at_close.get(&stream), Some(&Some(3)));
    assert_eq!(tag(&mut sim, a), None);
}

#[test]
fn datagram_loss_rate_matches_the_probability() {
    let p = 0.1;
    let n = 10_000u32;
    let mut sim = sim_with_latency(ms(20));
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let pings = Action::Datagrams {
        to: to(b),
        count: n,
        size: 64,
        interval: ms(1),
    };
    let a = sim.add_host(HostParams::default(), Node::with(vec![pings]));
    sim.add_host(HostParams::default(), Node::default());
    sim.set_link(
        a,
        b,
        LinkParams {
            loss: p,
            ..LinkParams::with_latency(ms(20))
        },
    );
    sim.run_until(Instant::from_millis(20_000));
    let received = sim.counters(b).datagrams_received;
    assert_eq!(received + sim.counters(a).datagrams_dropped, u64::from(n));
    let rate = 1.0 - received as f64 / f64::from(n);
    // Standard deviation of the estimate: sqrt(p(1-p)/n) = 0.003.
    assert!((rate - p).abs() < 0.015, "loss rate {rate}, expected {p}");
}

#[test]
fn datagram_delay_is_latency_plus_bounded_jitter() {
    let mut sim = Sim::new(SimConfig {
        trace: true,
        ..SimConfig::default()
    });
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let pings = Action::Datagrams {
        to: to(b),
        count: 200,
        size: 100,
        interval: ms(10),
    };
    let a = sim.add_host(HostParams::symmetric(1_000 * MBIT), Node::with(vec![pings]));
    sim.add_host(HostParams::default(), Node::default());
    let path = LinkParams {
        jitter: ms(5),
        ..LinkParams::with_latency(ms(20))
    };
    sim.set_link(a, b, path);
    sim.run_until(Instant::from_millis(5000));
    let arrivals: Vec<f64> = sim.app(b).log.iter().map(|(t, _)| secs(*t)).collect();
    assert_eq!(arrivals.len(), 200);
    let mut sent = 0.0;
    let mut delays = Vec::new();
    for arrival in &arrivals {
        delays.push(arrival - sent - 0.020);
        sent += 0.010;
    }
    // Delays beyond the 20 ms latency lie in [0, 5 ms] (+ 0.8 µs on the wire) and vary.
    assert!(
        delays.iter().all(|d| (0.0..=0.005 + 1e-6).contains(d)),
        "{delays:?}"
    );
    let spread =
        delays.iter().cloned().fold(0.0, f64::max) - delays.iter().cloned().fold(1.0, f64::min);
    assert!(spread > 0.003, "jitter spread only {spread}");
}

#[test]
fn drop_tail_queue_drops_a_burst_beyond_its_bound() {
    // 20 datagrams of 1000 bytes at once. The uplink (1 Gbit/s) passes them
    // 8 µs apart to a 8 Mbit/s bottleneck (1 ms each) that holds 5000 bytes:
    // five fit, the other fifteen find it full.
    let mut sim = Sim::new(SimConfig {
        trace: true,
        ..SimConfig::default()
    });
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let burst = Action::Datagrams {
        to: to(b),
        count: 20,
        size: 1000,
        interval: Duration::ZERO,
    };
    let a = sim.add_host(HostParams::symmetric(1_000 * MBIT), Node::with(vec![burst]));
    sim.add_host(HostParams::default(), Node::default());
    let path = LinkParams {
        bandwidth_bps: Some(8 * MBIT),
        queue_bytes: 5000,
        ..LinkParams::with_latency(ms(10))
    };
    sim.set_link(a, b, path);
    sim.run_until(Instant::from_millis(1000));
    assert_eq!(sim.counters(b).datagrams_received, 5);
    assert_eq!(sim.counters(a).datagrams_dropped, 15);
    let full = sim
        .trace()
        .unwrap()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::DatagramDropped {
                    reason: DropReason::LinkQueueFull,
                    ..
                }
            )
        })
        .count();
    assert_eq!(full, 15);
    // Arrivals are serialised by the bottleneck: 1 ms apart, the first after
    // 8 µs on the uplink + 1 ms on the bottleneck + 10 ms latency.
    let arrivals: Vec<f64> = sim.app(b).log.iter().map(|(t, _)| secs(*t)).collect();
    for (k, t) in arrivals.iter().enumerate() {
        assert!(
            (t - (0.000_008 + 0.001 * (k + 1) as f64 + 0.010)).abs() < 1e-6,
            "{arrivals:?}"
        );
    }

    // The host's own queue also drops tail when its bound is exceeded.
    let mut sim = Sim::new(SimConfig::default());
    let burst = Action::Datagrams {
        to: to(b),
        count: 10,
        size: 1000,
        interval: Duration::ZERO,
    };
    let small_queue = HostParams {
        queue_bytes: 3000,
        ..HostParams::symmetric(8 * MBIT)
    };
    let a = sim.add_host(small_queue, Node::with(vec![burst]));
    sim.add_host(HostParams::default(), Node::default());
    sim.run_until(Instant::from_millis(1000));
    assert_eq!(sim.counters(b).datagrams_received, 3);
    assert_eq!(sim.counters(a).datagrams_dropped, 7);
}

/// A sends 2 MB to B from the start and, from 0.5 s, 1 MB to C, over an
/// 8 Mbit/s uplink with 50 ms paths. Returns when each transfer completed.
fn late_joiner(rate_quantum: Duration) -> (f64, f64) {
    let mut sim = Sim::new(SimConfig {
        rate_quantum,
        default_link: LinkParams::with_latency(ms(50)),
        ..SimConfig::default()
    });
    let b = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
    let c = HostId::from_ip("10.0.0.3".parse().unwrap()).unwrap();
    let first = Action::Send {
        to: to(b),
        bytes: 2_000_000,
        close: true,
    };
    let a = sim.add_host(
        HostParams::new(8 * MBIT, 100 * MBIT),
        Node::with(vec![first]),
    );
    sim.add_host(HostParams::default(), Node::default());
    sim.add_host(HostParams::default(), Node::default());
    sim.run_until(Instant::from_millis(500));
    sim.with_app(a, |node, ctx| {
        let stream = ctx.connect(to(c)).unwrap();
        node.plan(stream, 1_000_000, true);
    });
    sim.run_until(Instant::from_millis(10_000));
    let done = |h| {
        let node: &Node = sim.app(h);
        secs(
            node.last_data(*node.received.keys().next().unwrap())
                .unwrap(),
        )
    };
    (done(b), done(c))
}

#[test]
fn exact_shares_rebalance_when_a_flow_joins() {
    // 0.1–0.6 s: A→B alone at 8 Mbit/s (500 kB). From 0.6 s both at 4:
    // A→C's 1 MB is sent by 2.6 s; A→B then has 500 kB left at 8 Mbit/s,
    // sent by 3.1 s. Arrivals 50 ms later.
    let (b, c) = late_joiner(Duration::ZERO);
    assert!((b - 3.15).abs() < 1e-6, "A→B done at {b}");
    assert!((c - 2.65).abs() < 1e-6, "A→C done at {c}");
}

#[test]
fn a_rate_quantum_delays_rebalancing_without_overloading() {
    // With a 1 s quantum the shares last computed at 0.1 s are recomputed
    // at 1.1 s: until then A→C gets only what A has spare (nothing) and
    // A→B keeps 8 Mbit/s (1 MB by 1.1 s). Then 4 each: both have 1 MB left
    // and finish together at 3.1 s. A's uplink is never oversubscribed.
    let (b, c) = late_joiner(Duration::from_secs(1));
    assert!((b - 3.15).abs() < 1e-6, "A→B done at {b}");
    assert!((c - 3.15).abs() < 1e-6, "A→C done at {c}");
}

#[test]
fn unknown_addresses_are_refused_or_dropped() {
    let mut sim = Sim::new(SimConfig::default());
    let a = sim.add_host(HostParams::default(), Node::default());
    let nowhere = Endpoint::new(HostId::from_ip("10.0.0.99".parse().unwrap()).unwrap(), 80);
    let refused = sim.with_app(a, |_, ctx| ctx.connect(nowhere));
    assert_eq!(refused, Err(StreamError::UnknownHost));
    let to_self = sim.with_app(a, |_, ctx| ctx.connect(Endpoint::new(a, 80)));
    assert_eq!(to_self, Err(StreamError::ToSelf));
    sim.with_app(a, |_, ctx| ctx.send_datagram(5, nowhere, b"hello".to_vec()));
    sim.run_until(Instant::from_millis(100));
    assert_eq!(sim.counters(a).datagrams_dropped, 1);
}

#[test]
fn boxed_apps_of_different_kinds_share_a_simulation() {
    /// Counts datagrams and answers each with an empty one.
    #[derive(Default)]
    struct Echo(u32);
    impl App for Echo {
        fn on_datagram(&mut self, ctx: &mut Ctx<'_>, port: u16, from: Endpoint, _: &[u8]) {
            self.0 += 1;
            ctx.send_datagram(port, from, Vec::new());
        }
    }
    let mut sim: Sim<Box<dyn App>> = Sim::new(SimConfig::default());
    let echo = HostId::from_ip("10.0.0.1".parse().unwrap()).unwrap();
    sim.add_host(HostParams::default(), Box::new(Echo::default()));
    let pings = Action::Datagrams {
        to: to(echo),
        count: 3,
        size: 10,
        interval: ms(1),
    };
    let pinger = sim.add_host(HostParams::default(), Box::new(Node::with(vec![pings])));
    sim.run_until(Instant::from_millis(100));
    assert_eq!(sim.counters(echo).datagrams_received, 3);
    assert_eq!(sim.counters(pinger).datagrams_received, 3);
}
