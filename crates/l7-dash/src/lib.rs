//! `l7-dash`: the sans-IO core of DASH adaptive streaming (ISO/IEC 23009-1).
//! No sockets, no tasks, no clock reads: drivers (`l7 play`, `l7 sim dash`)
//! pass time in and move the bytes.
//!
//! * [`mpd`]: the Media Presentation Description model, a bounded XML
//!   reader, `parse` and `emit`, segment lists from SegmentTemplate and
//!   SegmentTimeline, and template URL expansion (§5.3.9.4.4).
//! * [`abr`]: throughput estimation (harmonic mean, EWMA) and the
//!   adaptation algorithms: rate-based, BOLA, a rate/BOLA hybrid, robust MPC.
//! * [`player`]: the play-out buffer as a state machine (start-up, stalls,
//!   buffer cap, abandonment) that decides what to fetch and when, and the
//!   QoE summary of a session.
//! * [`trace`]: bandwidth traces (`time_s kbit_s` lines) and a seeded
//!   generator of the shipped shapes.
#![forbid(unsafe_code)]

pub mod abr;
pub mod mpd;
pub mod player;
pub mod trace;
