//! The only code that touches caller pointers: the panic guard, argument converters and NULL
//! checks, out-parameter writing, and the handle registry. Uses `error` and `topic` only.

mod args;
mod guard;
pub mod registry;

pub use args::{bytes_arg, copy_to_buf, slice_arg, str_arg, timeout_arg, topic_arg, write_out};
pub(crate) use guard::check_not_null;
pub use guard::{guard, guard_count, guard_value};
