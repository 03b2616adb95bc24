pub mod proto;

use super::util;
use crate::MAX_CLIENTS;

pub struct Client {
    id: String,
}

impl Client {
    pub fn id(&self) -> String {
        self.id.clone()
    }
}
