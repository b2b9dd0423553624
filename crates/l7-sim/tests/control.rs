//! Driving a simulation: timers (set, cancel, past deadlines), stepping,
//! running to a deadline, and stopping from inside an application.

use l7_sim::{App, Ctx, HostParams, Sim, SimConfig, TimerId};
use l7_wire::Instant;

/// Sets timers at 30, 10 and 20 ms and cancels the one at 20 ms; stops the
/// simulation on the timer with token 99.
#[derive(Default)]
struct Timers {
    fired: Vec<(u64, Instant)>,
    cancel: Option<TimerId>,
}

impl App for Timers {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        ctx.set_timer(Instant::from_millis(30), 3);
        ctx.set_timer(Instant::from_millis(10), 1);
        self.cancel = Some(ctx.set_timer(Instant::from_millis(20), 2));
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        self.fired.push((token, ctx.now()));
        if let Some(timer) = self.cancel.take() {
            ctx.cancel_timer(timer);
        }
        if token == 99 {
            ctx.stop();
        }
    }
}

#[test]
fn timers_fire_in_time_order_and_cancelled_ones_do_not() {
    let mut sim = Sim::new(SimConfig::default());
    let h = sim.add_host(HostParams::default(), Timers::default());
    assert_eq!(sim.step(), Some(Instant::ZERO)); // on_start
    assert_eq!(sim.next_event_time(), Some(Instant::from_millis(10)));
    assert!(!sim.run_until(Instant::from_millis(25)));
    assert_eq!(sim.now(), Instant::from_millis(25));
    assert_eq!(sim.app(h).fired, [(1, Instant::from_millis(10))]);
    sim.run();
    assert_eq!(
        sim.app(h).fired,
        [(1, Instant::from_millis(10)), (3, Instant::from_millis(30))]
    );
    assert_eq!(sim.step(), None);
}

#[test]
fn a_timer_in_the_past_fires_now_and_stop_ends_the_run_early() {
    let mut sim = Sim::new(SimConfig::default());
    let h = sim.add_host(HostParams::default(), Timers::default());
    sim.run_until(Instant::from_millis(15));
    sim.with_app(h, |_, ctx| {
        ctx.set_timer(Instant::from_millis(5), 99);
    });
    assert!(sim.run_until(Instant::from_millis(1000)));
    assert!(sim.stop_requested());
    assert_eq!(sim.now(), Instant::from_millis(15));
    assert_eq!(
        sim.app(h).fired.last(),
        Some(&(99, Instant::from_millis(15)))
    );
}
