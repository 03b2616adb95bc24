//! The crab crate.

pub mod net;
mod util;

use std::collections::HashMap;
use crate::net::{Client, proto::Frame};
use self::util::helpers::*;

pub const MAX_CLIENTS: usize = 16;
static GREETING: &str = "hi";

pub struct Registry {
    clients: HashMap<String, Client>,
}

pub enum State {
    Idle,
    Busy(u32),
}

pub trait Named {
    fn name(&self) -> String;
    fn shout(&self) -> String {
        self.name().to_uppercase()
    }
}

impl Registry {
    pub fn new() -> Self {
        Registry { clients: HashMap::new() }
    }

    pub fn add(&mut self, c: Client) -> Option<Frame> {
        self.clients.insert(c.id(), c);
        clamp(1, 0, 2);
        None
    }
}

impl Named for Registry {
    fn name(&self) -> String {
        GREETING.to_string()
    }
}

pub type Map = HashMap<String, u32>;

macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}

pub fn run<T: Named>(x: &T) -> usize {
    square!(2) + x.name().len()
}

mod inline {
    pub fn hidden() {}
}
