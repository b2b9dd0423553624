//! DASH drivers: the packager that runs ffmpeg ([`package`]), the origin's
//! request handler ([`origin`]), the headless player ([`player`]) and its
//! host names through a DNS resolver ([`resolve`]).
//! Pacing to a bandwidth trace lives in [`crate::shape`].

pub mod origin;
pub mod package;
pub mod player;
pub mod resolve;
