//! kafkabridge: persistent Kafka clients behind a small C ABI. See include/kafkabridge.h.
//!
//! Module map, top to bottom. The rule being put in place: a module uses only those below it.
//! Today there is no cycle (`tools/module-graph.py`, run by `make check`, prints the graph and
//! fails on one), but `core::producer_clients` still uses types of the unsplit `config`, `event`
//! and `partitions` above it.
//!
//! - `api/`: the C ABI, one file per C type, filled type by type (today `api::error`).
//! - `config`, `producer`, `consumer`, `message`, `event`, `partitions`, `metadata`, `groups`,
//!   `admin`, `mock`, `version`: the C types not yet split into `api/` and `core/`, each with its
//!   `#[repr(C)]` types, exports and the Kafka behaviour behind them.
//! - `boundary/`: the only code that touches caller pointers: panic guard, argument converters,
//!   out-parameters, the handle registry.
//! - `core/`: Kafka behaviour with no raw pointers: `error` (numbers, flags, the per-thread last
//!   error), `topic` (name rules), `packed` (the packed batch format), `producer_clients` (the
//!   client table, report routing, exit flush).
//! - `sys/`: the background runtime (poll threads and their doorbells, the exit hook) and the
//!   process events (fork epochs, abandoned objects).
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

pub mod admin;
pub mod api;
mod boundary;
pub mod config;
pub mod consumer;
pub mod core;
pub mod event;
pub mod groups;
pub mod message;
pub mod metadata;
pub mod mock;
pub mod partitions;
pub mod producer;
mod sys;
pub mod version;

// Every export and C type at the crate root too, so Rust tests (and a Rust host) name them as C does.
#[allow(ambiguous_glob_reexports)] // until the split makes the internal return_* helpers private
pub use crate::{admin::*, api::error::*, config::*, consumer::*, event::*, groups::*, message::*, metadata::*, mock::*, partitions::*, producer::*, version::*};
