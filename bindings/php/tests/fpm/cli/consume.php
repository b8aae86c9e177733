<?php
// php consume.php <topic> <partitions> [deadline_s]: reads every partition from the beginning up
// to its high watermark (manual assignment, no group) and prints one line per message:
// "<partition> <offset> <payload>" (payloads here are decimal numbers, so printing is safe).
declare(strict_types=1);
require __DIR__ . '/ffi.php';
$ffi = FFI::scope('kafkabridge');
[, $topic, $partitions] = $argv;
$partitions = (int)$partitions;
$deadline = microtime(true) + (float)($argv[3] ?? 60);
$conf = broker_config($ffi);
$c = $ffi->new('kb_consumer*');
check($ffi, 'kb_consumer_new', $ffi->kb_consumer_new($conf, FFI::addr($c)));
$ffi->kb_config_free($conf);
$parts = $ffi->new("kb_topic_partition[$partitions]");
$topicC = $ffi->new('char[' . (strlen($topic) + 1) . ']');   // lives as long as $parts uses it
FFI::memcpy($topicC, $topic . "\0", strlen($topic) + 1);
$want = [];                                                    // partition => high watermark
$low = $ffi->new('int64_t');
$high = $ffi->new('int64_t');
for ($i = 0; $i < $partitions; $i++) {
    check($ffi, 'kb_watermarks', $ffi->kb_watermarks($c, $topic, $i, 10000,
        FFI::addr($low), FFI::addr($high)));
    $want[$i] = $high->cdata;
    $parts[$i]->topic = $ffi->cast('const char*', $topicC);
    $parts[$i]->partition = $i;
    $parts[$i]->offset = -2;                                   // KB_OFFSET_BEGINNING
}
check($ffi, 'kb_consumer_assign', $ffi->kb_consumer_assign($c, $parts, $partitions));
$next = array_fill(0, $partitions, 0);                         // next offset expected per partition
function done(array $want, array $next): bool {
    foreach ($want as $p => $high) if ($next[$p] < $high) return false;
    return true;
}
$batch = $ffi->new('kb_message_batch*');
$views = $ffi->new('const kb_message_view*');
while (!done($want, $next) && microtime(true) < $deadline) {
    check($ffi, 'kb_consumer_poll_batch', $ffi->kb_consumer_poll_batch($c, 500, 1000, FFI::addr($batch)));
    $n = $ffi->kb_message_batch_count($batch);
    if ($n > 0) check($ffi, 'kb_message_batch_views', $ffi->kb_message_batch_views($batch, FFI::addr($views)));
    for ($i = 0; $i < $n; $i++) {
        $v = $views[$i];
        if ($v->err !== 0) { fwrite(STDERR, "consumer error {$v->err}\n"); continue; }
        $payload = FFI::isNull($v->value) ? '<null>' : FFI::string($v->value, $v->value_len);
        echo $v->partition, ' ', $v->offset, ' ', $payload, "\n";
        $next[$v->partition] = max($next[$v->partition], $v->offset + 1);
    }
    $ffi->kb_message_batch_free($batch);
}
$ffi->kb_consumer_free($c);
fwrite(STDERR, 'consume: high watermarks ' . json_encode($want) . ', reached ' . json_encode($next) . "\n");
exit(done($want, $next) ? 0 : 2);
