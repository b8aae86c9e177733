//! kafkabridge: persistent Kafka clients behind a small C ABI. See include/kafkabridge.h.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]

pub mod admin;
pub mod api;
pub mod config;
pub mod consumer;
pub mod error;
pub mod event;
mod ffi;
pub mod groups;
pub mod message;
pub mod metadata;
pub mod mock;
mod packed;
pub mod partitions;
pub mod producer;
mod producer_client;
mod registry;
mod runtime;
pub mod topic;
pub mod version;
