//! `kb_mock_cluster`: librdkafka's in-process mock cluster, so a program runs with no Kafka
//! installed. It has no TLS/SASL and proves nothing about a real broker.

use std::os::raw::c_char;
use std::sync::Arc;

use crate::boundary::{check_not_null, copy_to_buf, guard, write_out, Registry};
use crate::core::error::{kb_err, KbError};
use crate::sys::mock::MockCluster;

/// An in-process mock Kafka cluster.
pub struct kb_mock_cluster(());

static MOCKS: Registry<kb_mock_cluster, MockCluster> = Registry::new(0x0B, "kb_mock_cluster");

/// Starts a mock cluster of `broker_count` (1..=16) brokers listening on 127.0.0.1 into `*out`;
/// free it with `kb_mock_cluster_free()`. Topics are auto-created on first use.
#[no_mangle]
pub extern "C" fn kb_mock_cluster_new(broker_count: i32, out: *mut *mut kb_mock_cluster) -> kb_err {
    guard(|| {
        check_not_null!(out);
        if !(1..=16).contains(&broker_count) {
            return Err(KbError::invalid_arg(format!("broker_count must be 1..16, got {broker_count}")));
        }
        let m = MockCluster::new(broker_count).map_err(|e| KbError::kafka("starting the mock cluster", e))?;
        write_out(out, MOCKS.insert(Arc::new(m)));
        Ok(())
    })
}

/// Copies the cluster's `bootstrap.servers` value into `buf` (snprintf-style) and stores its full
/// length in `*len_out`.
#[no_mangle]
pub extern "C" fn kb_mock_cluster_bootstrap_servers(m: *const kb_mock_cluster, buf: *mut c_char, cap: usize, len_out: *mut usize) -> kb_err {
    guard(|| {
        check_not_null!(len_out);
        let servers = MOCKS.get(m)?.bootstrap_servers();
        write_out(len_out, copy_to_buf(servers.as_bytes(), buf, cap));
        Ok(())
    })
}

/// Stops the mock cluster; clients still connected to it then see their brokers go away.
/// NULL is a no-op.
#[no_mangle]
pub extern "C" fn kb_mock_cluster_free(m: *mut kb_mock_cluster) -> kb_err {
    guard(|| MOCKS.remove(m).map(drop))
}
