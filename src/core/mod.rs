//! Kafka behaviour with no raw pointers, a plain Rust API (the proxy's too): settings, events and
//! their queues, producers (client table, report routing, sessions, synchronous waits, packed
//! batches, exit flush, the durable spool), consumers (persistent members and their sessions, packed batches), cluster queries, admin, topic
//! rules, OAUTHBEARER tokens from the host. Uses `sys` only.

pub mod admin;
pub mod cluster;
pub mod config;
pub mod consumer;
pub mod consumer_clients;
pub mod consumer_session;
pub mod error;
pub mod events;
pub mod message;
pub mod named;
pub mod oauth;
pub mod packed;
pub mod packed_events;
pub mod packed_messages;
pub mod partitions;
pub mod producer;
pub mod producer_clients;
pub mod spool;
pub mod spool_file;
pub mod text;
pub mod topic;
