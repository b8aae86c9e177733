//! Kafka behaviour with no raw pointers, usable as a plain Rust API (the proxy's too): errors,
//! topic rules, the packed batch format, the producer client table. Uses `sys` only.

pub mod error;
pub mod packed;
pub mod producer_clients;
pub mod topic;
