//! Helpers shared by the interop tests: finding the built `l7` binary,
//! starting servers on free loopback ports, and running real peer tools.
#![forbid(unsafe_code)]
