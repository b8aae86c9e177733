//! `kb_admin`: topic administration (create, delete) on its own client.

use std::os::raw::c_char;
use std::sync::Arc;

use crate::api::config::{kb_config, settings_arg};
use crate::boundary::{check_not_null, guard, slice_arg, str_arg, timeout_arg, write_out, Registry};
use crate::core::admin::Admin;
use crate::core::error::{kb_err, KbResult};

/// An admin client handle.
pub struct kb_admin(());

pub(crate) static ADMINS: Registry<kb_admin, Admin> = Registry::new(0x04, "kb_admin");

/// Creates an admin client from `conf` (NULL: defaults) into `*out`; free with `kb_admin_free()`.
#[no_mangle]
pub extern "C" fn kb_admin_new(conf: *const kb_config, out: *mut *mut kb_admin) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let admin = Admin::open(&settings_arg(conf)?)?;
        write_out(out, ADMINS.insert(Arc::new(admin)));
        Ok(())
    })
}

/// Frees an admin client. NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_admin_free(a: *mut kb_admin) -> kb_err {
    guard(|| ADMINS.remove(a).map(drop))
}

/// Creates `topic` with `partitions` partitions and `replication_factor` replicas (-1: the
/// broker's defaults for either) and `config_count` topic configs given as parallel arrays of
/// names and values (for example `cleanup.policy` = `compact`), waiting up to `timeout_ms`.
/// Errors: RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS (36), RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR (38),
/// RD_KAFKA_RESP_ERR_INVALID_CONFIG (40), RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_*.
#[no_mangle]
pub extern "C" fn kb_admin_create_topic(
    a: *mut kb_admin,
    topic: *const c_char,
    partitions: i32,
    replication_factor: i32,
    config_names: *const *const c_char,
    config_values: *const *const c_char,
    config_count: usize,
    timeout_ms: i32,
) -> kb_err {
    guard(|| {
        let admin = ADMINS.get(a)?;
        let topic = str_arg(topic, "topic")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let names = slice_arg(config_names, config_count, "config_names")?;
        let values = slice_arg(config_values, config_count, "config_values")?;
        let configs = names
            .iter()
            .zip(values)
            .enumerate()
            .map(|(i, (n, v))| Ok((str_arg(*n, &format!("config_names[{i}]"))?, str_arg(*v, &format!("config_values[{i}]"))?)))
            .collect::<KbResult<Vec<_>>>()?;
        admin.create_topic(topic, partitions, replication_factor, &configs, timeout)
    })
}

/// Deletes `topic`, waiting up to `timeout_ms`. Errors: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART (3),
/// RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_*.
#[no_mangle]
pub extern "C" fn kb_admin_delete_topic(a: *mut kb_admin, topic: *const c_char, timeout_ms: i32) -> kb_err {
    guard(|| {
        let admin = ADMINS.get(a)?;
        let topic = str_arg(topic, "topic")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        admin.delete_topic(topic, timeout)
    })
}
