//! A deterministic byte mutator: flips, inserts, deletions, duplications, splices of two
//! corpus entries and insertions of the target's own tokens.

/// Makes new inputs from a corpus.
#[derive(Debug, Clone)]
pub struct Mutator {
    state: u64,
    dictionary: &'static [&'static [u8]],
}

/// The largest input made (mutations stop growing an input past it).
const MAX_INPUT: usize = 64 << 10;

impl Mutator {
    /// A mutator whose choices follow from `seed`, inserting `dictionary` tokens.
    pub fn new(seed: u64, dictionary: &'static [&'static [u8]]) -> Mutator {
        Mutator {
            state: seed | 1,
            dictionary,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// A new input: a corpus entry (or nothing) with one to eight mutations.
    pub fn next_input(&mut self, corpus: &[Vec<u8>]) -> Vec<u8> {
        let mut input = if corpus.is_empty() {
            Vec::new()
        } else {
            corpus[self.below(corpus.len())].clone()
        };
        let rounds = 1 + self.below(8);
        for _ in 0..rounds {
            self.mutate(&mut input, corpus);
        }
        input.truncate(MAX_INPUT);
        input
    }

    fn mutate(&mut self, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let len = input.len();
        match self.below(8) {
            0 if len > 0 => {
                let i = self.below(len);
                input[i] ^= 1 << self.below(8);
            }
            1 if len > 0 => {
                let i = self.below(len);
                input[i] = self.next() as u8;
            }
            2 => {
                let i = self.below(len + 1);
                let b = self.next() as u8;
                input.insert(i, b);
            }
            3 if len > 0 => {
                let start = self.below(len);
                let end = (start + 1 + self.below(16)).min(len);
                input.drain(start..end);
            }
            4 if len > 0 => {
                // Repeat a slice (deep nesting, long lines, many fields).
                let start = self.below(len);
                let end = (start + 1 + self.below(64)).min(len);
                let piece = input[start..end].to_vec();
                let times = 1 + self.below(16);
                let at = self.below(len + 1);
                for _ in 0..times {
                    input.splice(at..at, piece.iter().copied());
                }
            }
            5 if !corpus.is_empty() => {
                // Splice: the head of this input, the tail of another.
                let other = &corpus[self.below(corpus.len())];
                let cut = self.below(len + 1);
                let from = self.below(other.len() + 1);
                input.truncate(cut);
                input.extend_from_slice(&other[from..]);
            }
            _ if !self.dictionary.is_empty() => {
                let token = self.dictionary[self.below(self.dictionary.len())];
                let at = self.below(len + 1);
                input.splice(at..at, token.iter().copied());
            }
            _ => input.push(self.next() as u8),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_inputs() {
        let corpus = vec![b"cpu v=1 1".to_vec(), b"from(bucket: \"b\")".to_vec()];
        let mut a = Mutator::new(7, &[b"\""]);
        let mut b = Mutator::new(7, &[b"\""]);
        let mut c = Mutator::new(8, &[b"\""]);
        let from_a: Vec<_> = (0..50).map(|_| a.next_input(&corpus)).collect();
        let from_b: Vec<_> = (0..50).map(|_| b.next_input(&corpus)).collect();
        let from_c: Vec<_> = (0..50).map(|_| c.next_input(&corpus)).collect();
        assert_eq!(from_a, from_b);
        assert_ne!(from_a, from_c);
        assert!(from_a.iter().all(|i| i.len() <= MAX_INPUT));
    }
}
