<?php
// php produce.php <topic> <partitions> <count>: produces payloads "1".."<count>" spread evenly
// over the partitions (raw FFI API), waits for every delivery report and prints
// "delivered <n> failed <n>"; exits non-zero unless all were delivered.
declare(strict_types=1);
require __DIR__ . '/ffi.php';
$ffi = FFI::scope('kafkabridge');
[, $topic, $partitions, $count] = $argv;
[$partitions, $count] = [(int)$partitions, (int)$count];
$conf = broker_config($ffi);
$p = $ffi->new('kb_producer*');
check($ffi, 'kb_producer_new', $ffi->kb_producer_new($conf, FFI::addr($p)));
$ffi->kb_config_free($conf);
$delivered = 0;
$failed = 0;
$batch = $ffi->new('kb_event_batch*');
$views = $ffi->new('const kb_event_view*');
// Takes the delivery reports that are ready (waiting up to $timeoutMs for the first).
$drain = function (int $timeoutMs) use ($ffi, $p, $batch, $views, &$delivered, &$failed): void {
    check($ffi, 'kb_producer_poll_batch', $ffi->kb_producer_poll_batch($p, $timeoutMs, 10000, FFI::addr($batch)));
    $n = $ffi->kb_event_batch_count($batch);
    if ($n > 0) check($ffi, 'kb_event_batch_views', $ffi->kb_event_batch_views($batch, FFI::addr($views)));
    for ($i = 0; $i < $n; $i++) {
        if ($views[$i]->kind !== $ffi->KB_EVENT_DELIVERY) continue;
        $views[$i]->err === 0 ? $delivered++ : $failed++;
    }
    $ffi->kb_event_batch_free($batch);
};
for ($n = 1; $n <= $count; $n++) {
    $v = (string)$n;
    check($ffi, 'kb_producer_produce', $ffi->kb_producer_produce($p, $topic, ($n - 1) % $partitions, null, 0, $v, strlen($v), null, 0, 0, null));
    if ($n % 1000 === 0) $drain(0);
}
check($ffi, 'kb_producer_flush', $ffi->kb_producer_flush($p, 60000));
while ($delivered + $failed < $count) {
    $before = $delivered + $failed;
    $drain(1000);
    if ($delivered + $failed === $before) break; // flushed: every report is already queued
}
$ffi->kb_producer_free($p);
echo "delivered $delivered failed $failed\n";
exit($delivered === $count ? 0 : 1);
