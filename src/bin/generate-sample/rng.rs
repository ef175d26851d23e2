//! The random stream: every random choice of the generator comes from here.
//!
//! One SplitMix64 stream per purpose (and per authority), derived from the seed and a tag, so
//! the same seed gives the same draws, and a change to one purpose's draws never shifts another's.

/// SplitMix64: tiny, well mixed and fully specified, so streams never change under us.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// An independent stream for one purpose, so adding draws for one thing never shifts
    /// another (e.g. recipients stay put when the volume model changes).
    pub fn stream(seed: u64, purpose: &str, a: u64, b: u64) -> Rng {
        // FNV-1a of the tag, then fold everything through the mixer.
        let tag = purpose.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, byte| {
            (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let mut rng = Rng(seed ^ tag);
        for word in [a, b] {
            let mixed = rng.next_u64();
            rng = Rng(mixed ^ word.wrapping_mul(0xd6e8_feb8_6659_fd93));
        }
        Rng(rng.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform in 0..n (n > 0), by multiply-high to avoid modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut ticket = self.below(total.max(1));
        for (i, &w) in weights.iter().enumerate() {
            if ticket < u64::from(w) {
                return i;
            }
            ticket -= u64::from(w);
        }
        weights.len() - 1
    }

    /// Round `x` up with probability equal to its fraction: counts keep their expected
    /// value without the spread (and the many zeros) of a binomial draw.
    pub fn round(&mut self, x: f64) -> usize {
        let x = x.max(0.0);
        let floor = x.floor();
        floor as usize + usize::from(self.chance(x - floor))
    }
}
