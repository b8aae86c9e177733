//! The process-wide tables of persistent clients by `bridge.persistent.name`, one for producers
//! and one for consumers, with the rules both follow: a forked child never touches the parent's
//! clients, and a name opened again with other settings is refused naming the keys.

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::config::Settings;
use crate::core::error::{KbError, KB_ERR_CONFIG_CONFLICT};
use crate::sys::process::{abandon, fork_epoch};

pub struct Named<T> {
    /// The fork epoch the entries belong to.
    epoch: u64,
    entries: HashMap<String, Arc<T>>,
}

impl<T: Send + Sync + 'static> Named<T> {
    pub fn new() -> Self {
        Named { epoch: fork_epoch(), entries: HashMap::new() }
    }

    /// The entries this process may use. In a forked child the parent's clients have no
    /// threads: they are abandoned untouched, and the child makes its own.
    pub fn current(&mut self) -> &mut HashMap<String, Arc<T>> {
        let epoch = fork_epoch();
        if self.epoch != epoch {
            for (_, c) in self.entries.drain() {
                abandon(c);
            }
            self.epoch = epoch;
        }
        &mut self.entries
    }

    /// Every entry of this process, taken out of the table (for a shutdown); a forked child's
    /// inherited ones are abandoned untouched, as by `current`.
    pub fn take_all(&mut self) -> Vec<Arc<T>> {
        self.current().drain().map(|(_, c)| c).collect()
    }
}

impl<T: Send + Sync + 'static> Default for Named<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The error for `name` opened with `wanted` while it exists with `existing` (a "producer" or
/// "consumer", as `kind` says).
pub fn conflict(kind: &str, name: &str, existing: &Settings, wanted: &Settings) -> KbError {
    KbError::new(
        KB_ERR_CONFIG_CONFLICT,
        format!(
            "persistent {kind} {name:?} already exists with a different configuration; differing keys: {}",
            existing.differing_keys(wanted).join(", ")
        ),
    )
}
