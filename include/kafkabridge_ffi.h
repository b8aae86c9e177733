// kafkabridge declarations for PHP FFI; generated from kafkabridge.h by build.rs, with the byte-buffer
// parameters of functions declared const void * so PHP passes its strings without a copy.
typedef enum {
  KB_EVENT_DELIVERY = 1,
  KB_EVENT_ERROR = 2,
  KB_EVENT_LOG = 3,
  KB_EVENT_STATS = 4,
  KB_EVENT_REBALANCE = 5,
  KB_EVENT_COMMIT = 6,
  KB_EVENT_OAUTHBEARER_TOKEN_REFRESH = 7,
} kb_event_type;
typedef struct kb_admin kb_admin;
typedef struct kb_config kb_config;
typedef struct kb_consumer kb_consumer;
typedef struct kb_event kb_event;
typedef struct kb_event_batch kb_event_batch;
typedef struct kb_group_list kb_group_list;
typedef struct kb_message kb_message;
typedef struct kb_message_batch kb_message_batch;
typedef struct kb_metadata kb_metadata;
typedef struct kb_mock_cluster kb_mock_cluster;
typedef struct kb_packed_messages kb_packed_messages;
typedef struct kb_partition_list kb_partition_list;
typedef struct kb_producer kb_producer;
typedef int32_t kb_err;
typedef struct {
  int32_t id;
  const char *host;
  int32_t port;
} kb_broker_metadata;
typedef struct {
  int32_t id;
  int32_t leader;
  kb_err err;
  const int32_t *replicas;
  size_t replica_count;
  const int32_t *isrs;
  size_t isr_count;
} kb_partition_metadata;
typedef struct {
  const char *name;
  kb_err err;
  const kb_partition_metadata *partitions;
  size_t partition_count;
} kb_topic_metadata;
typedef struct {
  int32_t orig_broker_id;
  const char *orig_broker_name;
  const kb_broker_metadata *brokers;
  size_t broker_count;
  const kb_topic_metadata *topics;
  size_t topic_count;
} kb_metadata_view;
typedef struct {
  const char *topic;
  int32_t partition;
  int64_t offset;
  const uint8_t *metadata;
  size_t metadata_len;
  kb_err err;
} kb_topic_partition;
typedef struct {
  const char *name;
  const char *state;
  const char *protocol_type;
  const char *protocol;
  size_t member_count;
} kb_group_info;
typedef struct {
  int32_t persistent;
  int32_t reused;
  uint64_t age_ms;
  uint64_t sessions_served;
  uint64_t buffered_messages;
  uint64_t buffered_bytes;
  uint64_t paused_partitions;
  uint64_t redelivered;
  uint64_t idle_leaves;
  uint32_t creator_pid;
  int32_t group_generation;
  uint64_t assigned_partitions;
  uint64_t rebalances;
} kb_consumer_info;
typedef struct {
  kb_event_type kind;
  kb_err err;
  int32_t fatal;
  uint64_t message_id;
  const char *topic;
  int32_t partition;
  int64_t offset;
  int64_t timestamp_ms;
  const char *text;
  size_t text_len;
  int32_t log_level;
  const char *facility;
  const kb_topic_partition *partitions;
  size_t partition_count;
} kb_event_view;
typedef struct {
  const char *name;
  const uint8_t *value;
  size_t value_len;
} kb_header;
typedef struct {
  kb_err err;
  const char *error_text;
  const char *topic;
  int32_t partition;
  int64_t offset;
  const uint8_t *key;
  size_t key_len;
  const uint8_t *value;
  size_t value_len;
  int64_t timestamp_ms;
  int32_t timestamp_type;
  const kb_header *headers;
  size_t header_count;
} kb_message_view;
typedef struct {
  const char *topic;
  int32_t partition;
  const uint8_t *key;
  size_t key_len;
  const uint8_t *value;
  size_t value_len;
  const kb_header *headers;
  size_t header_count;
  int64_t timestamp_ms;
} kb_record;
typedef struct {
  uint64_t message_id;
  int32_t partition;
  int64_t offset;
  int64_t timestamp_ms;
} kb_delivery;
typedef struct {
  int32_t persistent;
  int32_t reused;
  uint64_t client_id;
  uint32_t creator_pid;
  uint64_t age_ms;
  uint64_t sessions_served;
  int64_t in_flight;
  uint64_t queued_events;
  uint64_t events_dropped;
  uint64_t orphans_delivered;
  uint64_t orphans_failed;
  uint64_t spooled;
  uint64_t spool_refused;
  uint64_t spool_replayed;
  uint64_t spool_dropped;
} kb_producer_info;
kb_err kb_admin_new(const kb_config *conf, kb_admin **out);
kb_err kb_admin_free(kb_admin *a);
kb_err kb_admin_create_topic(kb_admin *a,
                             const char *topic,
                             int32_t partitions,
                             int32_t replication_factor,
                             const char *const *config_names,
                             const char *const *config_values,
                             size_t config_count,
                             int32_t timeout_ms);
kb_err kb_admin_delete_topic(kb_admin *a, const char *topic, int32_t timeout_ms);
kb_err kb_metadata_fetch(const void *handle,
                         const char *topic,
                         int32_t timeout_ms,
                         kb_metadata **out);
kb_err kb_metadata_get_view(const kb_metadata *md, kb_metadata_view *view);
kb_err kb_metadata_free(kb_metadata *md);
kb_err kb_watermarks(const void *handle,
                     const char *topic,
                     int32_t partition,
                     int32_t timeout_ms,
                     int64_t *low_out,
                     int64_t *high_out);
kb_err kb_controller_id(const void *handle, int32_t timeout_ms, int32_t *out);
kb_err kb_offsets_for_times(const void *handle,
                            const kb_topic_partition *parts,
                            size_t count,
                            int32_t timeout_ms,
                            kb_partition_list **out);
kb_err kb_group_list_fetch(const void *handle,
                           const char *group,
                           int32_t timeout_ms,
                           kb_group_list **out);
size_t kb_group_list_count(const kb_group_list *list);
kb_err kb_group_list_entries(const kb_group_list *list, const kb_group_info **out);
kb_err kb_group_list_free(kb_group_list *list);
kb_err kb_config_new(kb_config **out);
kb_err kb_config_set(kb_config *conf, const char *key, const char *value);
kb_err kb_config_get(const kb_config *conf,
                     const char *key,
                     char *buf,
                     size_t cap,
                     size_t *len_out);
size_t kb_config_dump(const kb_config *conf, char *buf, size_t cap);
kb_err kb_config_copy(const kb_config *conf, kb_config **out);
kb_err kb_config_free(kb_config *conf);
kb_err kb_consumer_new(const kb_config *conf, kb_consumer **out);
kb_err kb_consumer_subscribe(kb_consumer *c, const char *const *topics, size_t count);
kb_err kb_consumer_unsubscribe(kb_consumer *c);
kb_err kb_consumer_subscription(kb_consumer *c,
                                kb_partition_list **out);
kb_err kb_consumer_assign(kb_consumer *c, const kb_topic_partition *parts, size_t count);
kb_err kb_consumer_incremental_assign(kb_consumer *c,
                                      const kb_topic_partition *parts,
                                      size_t count);
kb_err kb_consumer_incremental_unassign(kb_consumer *c,
                                        const kb_topic_partition *parts,
                                        size_t count);
kb_err kb_consumer_assignment(kb_consumer *c, kb_partition_list **out);
kb_err kb_consumer_poll(kb_consumer *c, int32_t timeout_ms, kb_message **out);
kb_err kb_consumer_poll_batch(kb_consumer *c,
                              int32_t timeout_ms,
                              size_t max,
                              kb_message_batch **out);
kb_err kb_consumer_poll_packed(kb_consumer *c,
                               int32_t timeout_ms,
                               size_t min,
                               size_t max,
                               size_t max_bytes,
                               kb_packed_messages **out);
kb_err kb_consumer_poll_event(kb_consumer *c, int32_t timeout_ms, kb_event **out);
kb_err kb_consumer_poll_events(kb_consumer *c,
                               int32_t timeout_ms,
                               size_t max,
                               kb_event_batch **out);
kb_err kb_consumer_commit(kb_consumer *c,
                          const kb_topic_partition *parts,
                          size_t count,
                          int32_t async_);
kb_err kb_consumer_commit_message(kb_consumer *c, const kb_message *msg, int32_t async_);
kb_err kb_consumer_store_offset(kb_consumer *c,
                                const char *topic,
                                int32_t partition,
                                int64_t offset);
kb_err kb_consumer_committed(kb_consumer *c,
                             const kb_topic_partition *parts,
                             size_t count,
                             int32_t timeout_ms,
                             kb_partition_list **out);
kb_err kb_consumer_position(kb_consumer *c, kb_partition_list **out);
kb_err kb_consumer_seek(kb_consumer *c,
                        const char *topic,
                        int32_t partition,
                        int64_t offset,
                        int32_t timeout_ms);
kb_err kb_consumer_pause(kb_consumer *c, const kb_topic_partition *parts, size_t count);
kb_err kb_consumer_resume(kb_consumer *c, const kb_topic_partition *parts, size_t count);
kb_err kb_consumer_oauthbearer_set_token(kb_consumer *h,
                                         const char *token,
                                         int64_t lifetime_ms,
                                         const char *principal,
                                         const char *const *extensions,
                                         size_t extension_count);
kb_err kb_consumer_oauthbearer_set_token_failure(kb_consumer *h, const char *reason);
kb_err kb_consumer_close(kb_consumer *c);
kb_err kb_consumer_get_info(kb_consumer *c, kb_consumer_info *out);
kb_err kb_consumer_free(kb_consumer *c);
const char *kb_err_name(kb_err code);
const char *kb_err_description(kb_err code);
size_t kb_last_error(char *buf, size_t cap);
uint32_t kb_last_error_flags(void);
int32_t kb_err_is_retriable(kb_err code);
int32_t kb_err_is_fatal(kb_err code);
kb_err kb_event_get_view(const kb_event *ev, kb_event_view *view);
kb_err kb_event_free(kb_event *ev);
size_t kb_event_batch_count(const kb_event_batch *batch);
kb_err kb_event_batch_views(const kb_event_batch *batch, const kb_event_view **views);
kb_err kb_event_batch_packed(const kb_event_batch *batch, const void **data, size_t *len);
kb_err kb_event_batch_free(kb_event_batch *batch);
const char *kb_version(void);
const char *kb_librdkafka_version(void);
kb_err kb_shutdown(void);
kb_err kb_message_get_view(const kb_message *msg, kb_message_view *view);
kb_err kb_message_free(kb_message *msg);
size_t kb_message_batch_count(const kb_message_batch *batch);
kb_err kb_message_batch_views(const kb_message_batch *batch, const kb_message_view **views);
kb_err kb_message_batch_free(kb_message_batch *batch);
kb_err kb_packed_messages_data(const kb_packed_messages *batch,
                               const void **data,
                               size_t *len,
                               size_t *count);
kb_err kb_packed_messages_free(kb_packed_messages *batch);
kb_err kb_mock_cluster_new(int32_t broker_count, kb_mock_cluster **out);
kb_err kb_mock_cluster_bootstrap_servers(const kb_mock_cluster *m,
                                         char *buf,
                                         size_t cap,
                                         size_t *len_out);
kb_err kb_mock_cluster_free(kb_mock_cluster *m);
size_t kb_partition_list_count(const kb_partition_list *list);
kb_err kb_partition_list_entries(const kb_partition_list *list, const kb_topic_partition **out);
kb_err kb_partition_list_free(kb_partition_list *list);
kb_err kb_producer_new(const kb_config *conf, kb_producer **out);
kb_err kb_producer_free(kb_producer *p);
kb_err kb_producer_produce(kb_producer *p,
                           const char *topic,
                           int32_t partition,
                           const void *key,
                           size_t key_len,
                           const void *value,
                           size_t value_len,
                           const kb_header *headers,
                           size_t header_count,
                           int64_t timestamp_ms,
                           uint64_t *message_id_out);
kb_err kb_producer_produce_batch(kb_producer *p,
                                 const kb_record *records,
                                 size_t count,
                                 uint64_t *ids_out,
                                 size_t *accepted_out);
kb_err kb_producer_produce_packed(kb_producer *p,
                                  const char *topic,
                                  int32_t partition,
                                  const void *packed,
                                  size_t packed_len,
                                  uint64_t *ids_out,
                                  size_t ids_cap,
                                  size_t *accepted_out);
kb_err kb_producer_produce_sync(kb_producer *p,
                                const char *topic,
                                int32_t partition,
                                const void *key,
                                size_t key_len,
                                const void *value,
                                size_t value_len,
                                const kb_header *headers,
                                size_t header_count,
                                int64_t timestamp_ms,
                                int32_t timeout_ms,
                                kb_delivery *out);
kb_err kb_producer_poll(kb_producer *p, int32_t timeout_ms, kb_event **out);
kb_err kb_producer_poll_batch(kb_producer *p, int32_t timeout_ms, size_t max, kb_event_batch **out);
kb_err kb_producer_flush(kb_producer *p, int32_t timeout_ms);
kb_err kb_producer_purge(kb_producer *p, int32_t flags);
kb_err kb_producer_queue_len(kb_producer *p, int64_t *len_out);
kb_err kb_producer_oauthbearer_set_token(kb_producer *h,
                                         const char *token,
                                         int64_t lifetime_ms,
                                         const char *principal,
                                         const char *const *extensions,
                                         size_t extension_count);
kb_err kb_producer_oauthbearer_set_token_failure(kb_producer *h, const char *reason);
kb_err kb_producer_get_info(kb_producer *p, kb_producer_info *out);
kb_err kb_producer_init_transactions(kb_producer *p,
                                     int32_t timeout_ms);
kb_err kb_producer_begin_transaction(kb_producer *p);
kb_err kb_producer_commit_transaction(kb_producer *p, int32_t timeout_ms);
kb_err kb_producer_abort_transaction(kb_producer *p, int32_t timeout_ms);
kb_err kb_producer_send_offsets_to_transaction(kb_producer *p,
                                               kb_consumer *consumer,
                                               const kb_topic_partition *offsets,
                                               size_t count,
                                               int32_t timeout_ms);
