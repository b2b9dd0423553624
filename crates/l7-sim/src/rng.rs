//! Seeded randomness. Every random decision in a simulation draws from a
//! ChaCha8 stream derived from the one seed: the key comes from the seed and
//! the 64-bit ChaCha stream number names the purpose and the owner (for
//! example "network decisions of host 17"). Streams are independent, so
//! adding a host or drawing more numbers for one purpose never changes what
//! another stream yields.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; part of its stream number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The host application's own draws (`Ctx::rng`).
    App = 1,
    /// Loss and jitter of the datagrams a host sends.
    Network = 2,
    /// Free for experiments: choosing peers, roles, start times.
    Experiment = 3,
}

/// The random stream for `purpose` and `index` (a host index, or any number
/// an experiment picks) under `seed`.
pub fn substream(seed: u64, purpose: Purpose, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((purpose as u64) << 56) ^ index);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |p, i| {
            let mut r = substream(7, p, i);
            (0..4).map(|_| r.random::<u64>()).collect::<Vec<_>>()
        };
        assert_eq!(draw(Purpose::App, 3), draw(Purpose::App, 3));
        assert_ne!(draw(Purpose::App, 3), draw(Purpose::App, 4));
        assert_ne!(draw(Purpose::App, 3), draw(Purpose::Network, 3));
        let mut other_seed = substream(8, Purpose::App, 3);
        assert_ne!(draw(Purpose::App, 3)[0], other_seed.random::<u64>());
    }
}
