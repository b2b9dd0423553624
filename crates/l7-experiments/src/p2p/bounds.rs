//! The course's lower bounds on the time to distribute a file of F bits to
//! N peers (Kurose & Ross §2.5): client-server
//! D_cs = max{N·F/u_s, F/d_min} and peer-to-peer
//! D_P2P = max{F/u_s, F/d_min, N·F/(u_s + Σu_i)}.

/// The inputs of both bounds; rates in bits/s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    /// File size, bits.
    pub file_bits: f64,
    /// Peers (downloaders).
    pub peers: usize,
    /// Server upload rate.
    pub server_up: f64,
    /// Sum of the peers' upload rates.
    pub peers_up_sum: f64,
    /// Slowest peer download rate.
    pub d_min: f64,
}

impl Model {
    /// D_cs, seconds.
    pub fn client_server(&self) -> f64 {
        let n = self.peers as f64;
        (n * self.file_bits / self.server_up).max(self.file_bits / self.d_min)
    }

    /// D_P2P, seconds.
    pub fn p2p(&self) -> f64 {
        let n = self.peers as f64;
        (self.file_bits / self.server_up)
            .max(self.file_bits / self.d_min)
            .max(n * self.file_bits / (self.server_up + self.peers_up_sum))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The course's chart: F/u = 1 hour, u_s = 10u, d_min ≥ u_s.
    #[test]
    fn course_chart_values() {
        let u = 1.0;
        let m = |n: usize| Model {
            file_bits: 3600.0,
            peers: n,
            server_up: 10.0 * u,
            peers_up_sum: n as f64 * u,
            d_min: 10.0 * u,
        };
        // Client-server grows linearly: N/10 hours.
        assert!((m(30).client_server() - 3.0 * 3600.0).abs() < 1e-9);
        // P2P stays below one hour: N/(10+N) hours.
        assert!((m(30).p2p() - 3600.0 * 30.0 / 40.0).abs() < 1e-9);
        assert!((m(1).p2p() - 360.0).abs() < 1e-9);
        assert!(m(30).p2p() < 3600.0);
    }
}
