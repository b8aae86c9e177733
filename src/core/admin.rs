//! Topic administration on a client of its own.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication, TopicResult};
use rdkafka::client::{Client, DefaultClientContext};
use rdkafka::error::KafkaResult;
use rdkafka::types::RDKafkaRespErr;

use crate::core::config::Settings;
use crate::core::error::{KbError, KbResult};
use crate::sys::runtime::block_on;

pub struct Admin(AdminClient<DefaultClientContext>);

impl Admin {
    pub fn open(settings: &Settings) -> KbResult<Admin> {
        settings.client_config().create().map(Admin).map_err(|e| KbError::kafka("creating the admin client", e))
    }

    pub fn client(&self) -> &Client<DefaultClientContext> {
        self.0.inner()
    }

    /// Creates `topic`; `partitions` and `replication_factor` are >= 1, or -1 for the broker's
    /// defaults; `configs` are topic settings such as `cleanup.policy` = `compact`.
    pub fn create_topic(&self, topic: &str, partitions: i32, replication_factor: i32, configs: &[(&str, &str)], timeout: Duration) -> KbResult<()> {
        crate::core::topic::check_topic(topic)?;
        if partitions == 0 || partitions < -1 || replication_factor == 0 || replication_factor < -1 {
            return Err(KbError::invalid_arg(format!(
                "partitions ({partitions}) and replication_factor ({replication_factor}) must be >= 1, or -1 for the broker default"
            )));
        }
        let mut new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(replication_factor));
        for (name, value) in configs {
            new_topic = new_topic.set(name, value);
        }
        let answer = block_on(self.0.create_topics([&new_topic], &options(timeout)), timeout + Duration::from_millis(500));
        one_result(answer, "create topic", timeout)
    }

    pub fn delete_topic(&self, topic: &str, timeout: Duration) -> KbResult<()> {
        crate::core::topic::check_topic(topic)?;
        let answer = block_on(self.0.delete_topics(&[topic], &options(timeout)), timeout + Duration::from_millis(500));
        one_result(answer, "delete topic", timeout)
    }
}

fn options(timeout: Duration) -> AdminOptions {
    AdminOptions::new().operation_timeout(Some(timeout)).request_timeout(Some(timeout))
}

fn one_result(results: Option<KafkaResult<Vec<TopicResult>>>, what: &str, timeout: Duration) -> KbResult<()> {
    let results = results
        .ok_or_else(|| KbError::rd(RDKafkaRespErr::RD_KAFKA_RESP_ERR__TIMED_OUT, format!("{what}: no answer within {} ms", timeout.as_millis())))?;
    for r in results.map_err(|e| KbError::kafka(what, e))? {
        if let Err((topic, code)) = r {
            return Err(KbError::new(code as i32, format!("{what} {topic:?}: {code}")));
        }
    }
    Ok(())
}
