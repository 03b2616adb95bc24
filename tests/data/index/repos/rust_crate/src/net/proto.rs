use super::Client;
use crate::util::helpers::clamp as clip;

#[derive(Debug)]
pub struct Frame(pub Vec<u8>);

pub fn decode(buf: &[u8], _c: &Client) -> Frame {
    Frame(buf[..clip(buf.len(), 0, 64)].to_vec())
}
