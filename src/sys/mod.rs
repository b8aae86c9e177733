//! Direct librdkafka and libc calls wrapped as safe functions, moving here one at a time; today
//! the background runtime (poll threads woken by doorbells, the exit hook). Uses nothing above.

pub mod process;
pub mod runtime;
