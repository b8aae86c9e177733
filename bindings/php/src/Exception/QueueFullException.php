<?php

declare(strict_types=1);

namespace KafkaBridge\Exception;

/**
 * A queue is full: librdkafka's producer queue (RD_KAFKA_RESP_ERR__QUEUE_FULL, -184) or this
 * handle's undrained delivery reports (KB_ERR_EVENT_QUEUE_FULL, -1008). Poll events
 * (Producer::poll()/pollEvents()), then retry.
 */
class QueueFullException extends KafkaBridgeException
{
}
