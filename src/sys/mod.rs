//! Every direct librdkafka and libc call, each wrapped as a safe function with its SAFETY note:
//! configuration objects, the calls rdkafka does not wrap as needed, the mock cluster, the
//! background runtime (poll threads woken by doorbells, the exit hook) and process events
//! (fork epochs, abandoned objects), file locks. Uses nothing of the crate: hooks come in as function pointers.

pub mod conf;
pub mod file_lock;
pub mod librdkafka;
pub mod mock;
pub mod process;
pub mod runtime;
