<?php

/*
 * The php-rdkafka drop-in on kafkabridge: require this one file (or list it in Composer's
 * "autoload": {"files": [...]}) and code written for the rdkafka extension runs unchanged:
 *
 *     require '/path/to/bindings/php/rdkafka/autoload.php';
 *     $producer = new RdKafka\Producer($conf);
 *
 * It defines the RD_KAFKA_* constants (constants.php) and the rd_kafka_* functions
 * (functions.php), and registers an autoloader for the RdKafka classes (the global \RdKafka
 * base class and the RdKafka\ namespace) and, when Composer does not already provide them, the
 * KafkaBridge\ classes they are built on.
 *
 * Class names are case-insensitive in PHP, and code written for the extension sometimes
 * spells them differently (`new Rdkafka\Consumer`). The autoloader therefore looks names up
 * case-insensitively, in a fixed table (no file system probing per lookup).
 *
 * Nothing at all happens when the rdkafka extension is loaded: the extension's own classes,
 * functions and constants stay in charge.
 */

if (extension_loaded('rdkafka')) {
    return;
}

require_once __DIR__ . '/constants.php';
require_once __DIR__ . '/functions.php';

if (!defined('KAFKABRIDGE_RDKAFKA_AUTOLOAD')) {
    define('KAFKABRIDGE_RDKAFKA_AUTOLOAD', __DIR__);

    /**
     * The autoloader. A named function rather than a closure: a closure is an object, and code
     * written for the extension sees the same object ids (var_dump()'s #1) as under the extension.
     */
    function kafkabridge_rdkafka_autoload(string $class): void
    {
        /** @var array<string, string> lower-case class name => file, relative to this directory */
        static $classes = [
            'rdkafka' => 'RdKafka.php',
            'rdkafka\\conf' => 'Conf.php',
            'rdkafka\\consumer' => 'Consumer.php',
            'rdkafka\\consumertopic' => 'ConsumerTopic.php',
            'rdkafka\\exception' => 'Exception.php',
            'rdkafka\\kafkaconsumer' => 'KafkaConsumer.php',
            'rdkafka\\kafkaconsumertopic' => 'KafkaConsumerTopic.php',
            'rdkafka\\kafkaerrorexception' => 'KafkaErrorException.php',
            'rdkafka\\message' => 'Message.php',
            'rdkafka\\metadata' => 'Metadata.php',
            'rdkafka\\metadata\\broker' => 'Metadata/Broker.php',
            'rdkafka\\metadata\\collection' => 'Metadata/Collection.php',
            'rdkafka\\metadata\\partition' => 'Metadata/Partition.php',
            'rdkafka\\metadata\\topic' => 'Metadata/Topic.php',
            'rdkafka\\producer' => 'Producer.php',
            'rdkafka\\producertopic' => 'ProducerTopic.php',
            'rdkafka\\queue' => 'Queue.php',
            'rdkafka\\topic' => 'Topic.php',
            'rdkafka\\topicconf' => 'TopicConf.php',
            'rdkafka\\topicpartition' => 'TopicPartition.php',
            'rdkafka\\internal\\autopersistence' => 'Internal/AutoPersistence.php',
            'rdkafka\\internal\\caller' => 'Internal/Caller.php',
            'rdkafka\\internal\\clock' => 'Internal/Clock.php',
            'rdkafka\\internal\\convert' => 'Internal/Convert.php',
            'rdkafka\\internal\\dispatcher' => 'Internal/Dispatcher.php',
            'rdkafka\\internal\\errors' => 'Internal/Errors.php',
            'rdkafka\\internal\\functions' => 'Internal/Functions.php',
            'rdkafka\\internal\\madebytheclient' => 'Internal/MadeByTheClient.php',
            'rdkafka\\internal\\settings' => 'Internal/Settings.php',
            'rdkafka\\internal\\tokens' => 'Internal/Tokens.php',
        ];
        $lower = strtolower(ltrim($class, '\\'));
        if (isset($classes[$lower])) {
            require __DIR__ . '/' . $classes[$lower];

            return;
        }
        // The KafkaBridge\ classes underneath, when no other autoloader (Composer) has them.
        if (strncmp($lower, 'kafkabridge\\', 12) === 0) {
            $file = dirname(__DIR__) . '/src/' . str_replace('\\', '/', substr(ltrim($class, '\\'), 12)) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    }

    spl_autoload_register('kafkabridge_rdkafka_autoload');
}
