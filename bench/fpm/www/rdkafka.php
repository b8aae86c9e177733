<?php
// The php-rdkafka endpoint: one 100-byte message per request through the RdKafka\ API, code
// written for the php-rdkafka extension. GET ?variant=rdkafka-ext|rdkafka-drop-in&topic=...
//
// The same file serves every pool: the rdkafka-ext pool loads the extension (php.ini
// `extension=`), so the drop-in's autoload.php returns at once; the rdkafka-drop-in pool has the
// kafkabridge FFI preload and no extension; the rdkafka-drop-in-auto pool is that with
// env[KAFKABRIDGE_PERSISTENT] = 1, which makes the same code's producer persistent. Each request: build a producer (a new client: no
// bridge.persistent.name), produce one message, flush() until its delivery report came, tear the
// producer down.
//
// 200 only when the dr_msg_cb saw the message delivered; 500 otherwise, and when `variant` names
// the other implementation than the one this pool runs. The broker settings come from the pool's
// environment (bench/fpm/run.sh sets them); BENCH_RDKAFKA_CONF ("key=value,key=value", default
// empty) adds producer settings to both, for investigations.
declare(strict_types=1);

require __DIR__ . '/../../../bindings/php/rdkafka/autoload.php';

const PAYLOAD_BYTES = 100;
const FLUSH_TIMEOUT_MS = 10000;

$impl = extension_loaded('rdkafka') ? 'rdkafka-ext' : (getenv('KAFKABRIDGE_PERSISTENT') === '1' ? 'rdkafka-drop-in-auto' : 'rdkafka-drop-in');
$variant = (string)($_GET['variant'] ?? '');
$topicName = (string)($_GET['topic'] ?? '');
header('Content-Type: text/plain');
if ($variant !== $impl) {
    http_response_code(500);
    error_log("bench-fpm $variant: this pool runs $impl");
    echo "this pool runs $impl\n";
    exit;
}

$delivered = 0;
$failure = null;
try {
    $conf = new RdKafka\Conf();
    $conf->set('bootstrap.servers', (string)getenv('BENCH_BROKERS'));
    $conf->set('acks', 'all');
    $conf->set('linger.ms', '0');
    if (getenv('BENCH_PROTOCOL') === 'sasl_ssl') {
        $conf->set('security.protocol', 'SASL_SSL');
        $conf->set('sasl.mechanism', 'SCRAM-SHA-256');
        $conf->set('sasl.username', (string)getenv('BENCH_SASL_USER'));
        $conf->set('sasl.password', (string)getenv('BENCH_SASL_PASSWORD'));
        $conf->set('ssl.ca.location', (string)getenv('BENCH_CA_LOCATION'));
    }
    foreach (array_filter(explode(',', (string)getenv('BENCH_RDKAFKA_CONF'))) as $pair) {
        [$key, $value] = explode('=', $pair, 2) + [1 => ''];
        $conf->set($key, $value);
    }
    $conf->setDrMsgCb(static function ($kafka, RdKafka\Message $message) use (&$delivered, &$failure): void {
        if ($message->err === RD_KAFKA_RESP_ERR_NO_ERROR) {
            $delivered++;
        } else {
            $failure = rd_kafka_err2name($message->err) . ': ' . $message->errstr();
        }
    });
    $producer = new RdKafka\Producer($conf);
    $topic = $producer->newTopic($topicName);
    $topic->produce(RD_KAFKA_PARTITION_UA, 0, str_repeat('m', PAYLOAD_BYTES));
    $err = $producer->flush(FLUSH_TIMEOUT_MS);
    unset($topic, $producer); // tear down within the request: the client is destroyed here
    if ($err !== RD_KAFKA_RESP_ERR_NO_ERROR) {
        $failure ??= 'flush() returned ' . rd_kafka_err2name($err);
    } elseif ($delivered !== 1 && $failure === null) {
        $failure = "flush() returned NO_ERROR with $delivered delivery reports";
    }
} catch (RdKafka\Exception $e) {
    $failure = get_class($e) . ' ' . $e->getCode() . ': ' . $e->getMessage();
}
if ($failure !== null) {
    http_response_code(500);
    error_log("bench-fpm $variant: $failure");
    echo $failure, "\n";
} else {
    echo "ok\n";
}
