//! kafkabridge: persistent Kafka clients behind a small C ABI. See include/kafkabridge.h.
//!
//! Module map, top to bottom; a module uses only those below it (`tools/module-graph.py`, run by
//! `make check`, prints the graph and fails on a cycle or an upward arrow):
//!
//! - `api/`: the C ABI only, one file per C type: `#[repr(C)]` types and `#[no_mangle]`
//!   exports that convert arguments, call the core and write out-parameters. No `unsafe`.
//! - `boundary/`: the only code that touches caller pointers: the panic guard, argument
//!   converters and NULL checks, out-parameters, the typed handle registry, and the owner of data
//!   with `#[repr(C)]` views into it.
//! - `core/`: Kafka behaviour as a plain Rust API with no raw pointers: settings, events,
//!   producers, consumers, cluster queries, admin, errors, topic rules, the packed format.
//! - `sys/`: every direct librdkafka and libc call, wrapped as safe functions with SAFETY notes,
//!   and the background runtime (poll threads, exit and fork hooks).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]

pub mod api;
mod boundary;
pub mod core;
mod sys;

// Every export and C type at the crate root too, so Rust tests (and a Rust host) name them as C does.
pub use crate::api::{
    admin::*, cluster::*, config::*, consumer::*, error::*, event::*, library::*, message::*, mock::*, partition_list::*, producer::*,
};
pub use crate::core::config::{KB_CLIENT_ID_MAX_LEN, KB_CONFIG_VALUE_MAX_LEN};
pub use crate::core::error::*;
pub use crate::core::packed::KB_PACKED_ABSENT;
pub use crate::core::partitions::{KB_OFFSET_BEGINNING, KB_OFFSET_END, KB_OFFSET_INVALID, KB_OFFSET_STORED, KB_OFFSET_TAIL_BASE, KB_PARTITION_UA};
pub use crate::core::producer::{KB_PURGE_INFLIGHT, KB_PURGE_NON_BLOCKING, KB_PURGE_QUEUE};
pub use crate::core::topic::{KB_TOPIC_MAX_LEN, KB_TOPIC_PATTERN_MAX_LEN};
