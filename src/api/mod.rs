//! The C ABI and nothing else: `#[repr(C)]` types, opaque handle types and `#[no_mangle]`
//! exports, one file per C type, each export converting its arguments (`boundary`), calling
//! `core` and writing out-parameters. Uses everything below it; nothing below uses it.

pub mod admin;
pub mod cluster;
pub mod config;
pub mod consumer;
pub mod error;
pub mod event;
pub mod library;
pub mod message;
pub mod mock;
pub mod partition_list;
pub mod producer;
