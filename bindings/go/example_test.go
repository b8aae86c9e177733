package kafkabridge_test

import (
	"context"
	"fmt"
	"time"

	kafkabridge "github.com/kafkabridge/kafkabridge-go"
)

// Example produces a message synchronously and reads it back, against librdkafka's embedded
// mock cluster so it runs with no Kafka installed.
func Example() {
	mock, err := kafkabridge.NewMockCluster(1)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mock.Close()
	servers, err := mock.BootstrapServers()
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := kafkabridge.NewConfig(map[string]string{"bootstrap.servers": servers})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cfg.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	producer, err := kafkabridge.NewProducer(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	delivery, err := producer.ProduceSync(ctx, "example", []byte("hello"), []byte("greeting"), kafkabridge.Partition(0))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("delivered to partition", delivery.Partition, "at offset", delivery.Offset)
	if err := producer.Close(); err != nil {
		fmt.Println(err)
		return
	}

	consumer, err := kafkabridge.NewConsumer(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer consumer.Close()
	if err := consumer.Assign(kafkabridge.TopicPartition{Topic: "example", Partition: 0, Offset: kafkabridge.OffsetBeginning}); err != nil {
		fmt.Println(err)
		return
	}
	msg, err := consumer.Poll(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("read %s = %s\n", msg.Key, msg.Value)
	// Output:
	// delivered to partition 0 at offset 0
	// read greeting = hello
}
