//! `kb_admin`: topic administration (create, delete) on its own client.

use std::os::raw::c_char;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication, TopicResult};
use rdkafka::client::{Client, DefaultClientContext};
use rdkafka::types::RDKafkaRespErr;

use crate::boundary::registry::Registry;
use crate::boundary::{check_not_null, guard, slice_arg, str_arg, timeout_arg, topic_arg, write_out};
use crate::config::{kb_config, settings_arg};
use crate::core::error::{kb_err, KbError, KbResult};
use crate::sys::runtime::block_on;

/// An admin client handle.
pub struct kb_admin(());

pub struct Admin(AdminClient<DefaultClientContext>);
impl Admin {
    pub fn inner(&self) -> &Client<DefaultClientContext> {
        self.0.inner()
    }
}

pub(crate) static ADMINS: Registry<Admin> = Registry::new(0x04, "kb_admin");

/// Creates an admin client from `conf` (NULL: defaults) into `*out`; free with `kb_admin_free()`.
#[no_mangle]
pub unsafe extern "C" fn kb_admin_new(conf: *const kb_config, out: *mut *mut kb_admin) -> kb_err {
    guard(|| {
        check_not_null!(out);
        let settings = settings_arg(conf)?;
        let admin = settings.client_config().create().map_err(|e| KbError::kafka("creating the admin client", e))?;
        write_out(out, ADMINS.insert(Arc::new(Admin(admin))));
        Ok(())
    })
}

/// Frees an admin client. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn kb_admin_free(a: *mut kb_admin) -> kb_err {
    guard(|| ADMINS.remove(a).map(drop))
}

fn one_result(results: Option<rdkafka::error::KafkaResult<Vec<TopicResult>>>, what: &str, timeout: Duration) -> KbResult<()> {
    let results = results
        .ok_or_else(|| KbError::rd(RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT, format!("{what}: no answer within {} ms", timeout.as_millis())))?;
    for r in results.map_err(|e| KbError::kafka(what, e))? {
        if let Err((topic, code)) = r {
            return Err(KbError::new(code as i32, format!("{what} {topic:?}: {code}")));
        }
    }
    Ok(())
}

/// Creates `topic` with `partitions` partitions and `replication_factor` replicas (-1: the
/// broker's defaults for either) and `config_count` topic configs given as parallel arrays of
/// names and values (for example `cleanup.policy` = `compact`), waiting up to `timeout_ms`.
/// Errors: RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS (36), RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR (38),
/// RD_KAFKA_RESP_ERR_INVALID_CONFIG (40), RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_*.
#[no_mangle]
pub unsafe extern "C" fn kb_admin_create_topic(
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
        let topic = topic_arg(topic, "topic")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        if partitions == 0 || partitions < -1 || replication_factor == 0 || replication_factor < -1 {
            return Err(KbError::invalid_arg(format!(
                "partitions ({partitions}) and replication_factor ({replication_factor}) must be >= 1, or -1 for the broker default"
            )));
        }
        let names = slice_arg(config_names, config_count, "config_names")?;
        let values = slice_arg(config_values, config_count, "config_values")?;
        let mut new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication_factor));
        for (i, (n, v)) in names.iter().zip(values).enumerate() {
            new_topic = new_topic.set(str_arg(*n, &format!("config_names[{i}]"))?, str_arg(*v, &format!("config_values[{i}]"))?);
        }
        let opts = AdminOptions::new().operation_timeout(Some(timeout)).request_timeout(Some(timeout));
        one_result(block_on(admin.0.create_topics([&new_topic], &opts), timeout + Duration::from_millis(500)), "create topic", timeout)
    })
}

/// Deletes `topic`, waiting up to `timeout_ms`. Errors: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART (3),
/// RD_KAFKA_RESP_ERR__TIMED_OUT, KB_ERR_*.
#[no_mangle]
pub unsafe extern "C" fn kb_admin_delete_topic(a: *mut kb_admin, topic: *const c_char, timeout_ms: i32) -> kb_err {
    guard(|| {
        let admin = ADMINS.get(a)?;
        let topic = topic_arg(topic, "topic")?;
        let timeout = timeout_arg(timeout_ms, "timeout_ms")?;
        let opts = AdminOptions::new().operation_timeout(Some(timeout)).request_timeout(Some(timeout));
        one_result(block_on(admin.0.delete_topics(&[topic], &opts), timeout + Duration::from_millis(500)), "delete topic", timeout)
    })
}
