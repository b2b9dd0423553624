//! DNS drivers: loading zone files into an [`Authority`](l7_dns::authority::Authority)
//! ([`zones`]) and serving it over UDP and TCP ([`server`]); the local DNS
//! server, an iterative caching resolver ([`resolver`]); and asking servers
//! as a client, once or iteratively from the root ([`client`]); request
//! routing files and the edges' health checks ([`routes`]); batched UDP
//! I/O for their loops ([`batch`]).

pub mod batch;
pub mod client;
pub mod resolver;
pub mod routes;
pub mod server;
pub mod zones;
