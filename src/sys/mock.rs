//! librdkafka's in-process mock cluster.

use rdkafka::error::KafkaResult;
use rdkafka::mocking;
use rdkafka::producer::DefaultProducerContext;

/// A running mock cluster, stopped on drop.
pub struct MockCluster(mocking::MockCluster<'static, DefaultProducerContext>);

// SAFETY: librdkafka's mock cluster runs on its own threads and is internally synchronised; we
// only read its bootstrap list and finally drop it, from any thread.
unsafe impl Send for MockCluster {}
// SAFETY: as above; `&self` only reads the bootstrap list.
unsafe impl Sync for MockCluster {}

impl MockCluster {
    pub fn new(brokers: i32) -> KafkaResult<MockCluster> {
        mocking::MockCluster::new(brokers).map(MockCluster)
    }

    pub fn bootstrap_servers(&self) -> String {
        self.0.bootstrap_servers()
    }
}
