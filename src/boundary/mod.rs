//! The only code that touches caller pointers: the panic guard, argument converters and NULL
//! checks, out-parameter writing, the handle registry and the owner of data with C views.
//! Uses `core::error` and `sys::process`; never `api`.

mod args;
mod guard;
mod owner;
pub mod registry;

pub use args::{bytes_arg, copy_to_buf, slice_arg, str_arg, str_pairs_arg, timeout_arg, write_out, write_out_at};
pub(crate) use guard::check_not_null;
pub use guard::{guard, guard_count, guard_value};
pub use owner::WithViews;
pub use registry::Registry;
