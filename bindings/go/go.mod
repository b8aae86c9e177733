module github.com/kafkabridge/kafkabridge-go

go 1.22
