//! The C ABI, moving here one C type at a time: `#[repr(C)]` types, constants and
//! `#[no_mangle]` exports that convert arguments, call the core and write out-parameters.
//! May use everything below it; nothing below uses it.

pub mod error;
