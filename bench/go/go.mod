module github.com/kafkabridge/kafkabridge-bench

go 1.22

require (
	github.com/confluentinc/confluent-kafka-go/v2 v2.12.0
	github.com/kafkabridge/kafkabridge-go v0.0.0
)

replace github.com/kafkabridge/kafkabridge-go => ../../bindings/go
