//! `kb_group_list`: the consumer groups a cluster knows, with their state and members.

use std::ffi::{c_void, CString};
use std::os::raw::c_char;
use std::sync::Arc;

use rdkafka::groups::GroupList;

use crate::boundary::registry::Registry;
use crate::boundary::{check_not_null, guard, guard_count, str_arg, timeout_arg, write_out};
use crate::core::error::kb_err;
use crate::event::cstr;
use crate::metadata::with_client;

/// A snapshot of consumer groups.
pub struct kb_group_list(());

/// One group; pointers are valid until `kb_group_list_free()`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kb_group_info {
    pub name: *const c_char,
    /// For example "Stable", "Empty", "PreparingRebalance".
    pub state: *const c_char,
    /// "consumer" for consumer groups.
    pub protocol_type: *const c_char,
    /// The assignor, for example "range" or "cooperative-sticky".
    pub protocol: *const c_char,
    pub member_count: usize,
}

struct Groups {
    _strings: Vec<CString>,
    infos: Vec<kb_group_info>,
}
// SAFETY: `infos` points into `_strings`, owned alongside and never mutated.
unsafe impl Send for Groups {}
unsafe impl Sync for Groups {}

impl Groups {
    fn new(list: &GroupList) -> Groups {
        let mut strings = Vec::new();
        let mut keep = |s: &str| {
            let c = cstr(s);
            let p = c.as_ptr();
            strings.push(c);
            p
        };
        let infos = list
            .groups()
            .iter()
            .map(|g| kb_group_info {
                name: keep(g.name()),
                state: keep(g.state()),
                protocol_type: keep(g.protocol_type()),
                protocol: keep(g.protocol()),
                member_count: g.members().len(),
            })
            .collect();
        Groups { _strings: strings, infos }
    }
}

static GROUP_LISTS: Registry<Groups> = Registry::new_data(0x0C, "kb_group_list");

/// Lists the cluster's consumer groups (or only `group` when not NULL) through the client behind
/// `handle` within `timeout_ms` into `*out`; free it with `kb_group_list_free()`.
/// Errors: RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_INVALID_HANDLE, KB_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn kb_group_list_fetch(handle: *const c_void, group: *const c_char, timeout_ms: i32, out: *mut *mut kb_group_list) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let group = if group.is_null() { None } else { Some(str_arg(group, "group")?) };
        let groups = with_client(handle, &|c| c.groups(group, timeout))?;
        write_out(out, GROUP_LISTS.insert(Arc::new(Groups::new(&groups))));
        Ok(())
    })
}

/// Number of groups in a list (0, with the last error set, for an invalid handle).
#[no_mangle]
pub unsafe extern "C" fn kb_group_list_count(list: *const kb_group_list) -> usize {
    guard_count(|| GROUP_LISTS.get(list).map(|l| l.infos.len()))
}

/// Points `*out` at the list's array of `kb_group_list_count()` entries, valid until
/// `kb_group_list_free()`. Errors: KB_ERR_NULL_ARGUMENT, KB_ERR_INVALID_HANDLE.
#[no_mangle]
pub unsafe extern "C" fn kb_group_list_entries(list: *const kb_group_list, out: *mut *const kb_group_info) -> kb_err {
    guard(|| {
        check_not_null!(out);
        write_out(out, GROUP_LISTS.get(list)?.infos.as_ptr());
        Ok(())
    })
}

/// Frees a group list. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_group_list_free(list: *mut kb_group_list) -> kb_err {
    guard(|| GROUP_LISTS.remove(list).map(drop))
}
