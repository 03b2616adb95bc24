pub fn clamp(x: usize, lo: usize, hi: usize) -> usize {
    x.max(lo).min(hi)
}
