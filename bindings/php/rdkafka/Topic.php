<?php

declare(strict_types=1);

namespace RdKafka;

/**
 * A topic handle made by newTopic() (php-rdkafka's RdKafka\Topic).
 */
abstract class Topic
{
    /** @var string */
    protected $name;

    /**
     * The topic name.
     *
     * @return string
     */
    public function getName()
    {
        return $this->name;
    }
}
