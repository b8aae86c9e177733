<?php
// php topic.php create|delete <topic> [partitions]: admin call through the raw FFI API. create
// prints the number of brokers in the cluster.
declare(strict_types=1);
require __DIR__ . '/ffi.php';
$ffi = FFI::scope('kafkabridge');
[, $op, $topic] = $argv;
$partitions = (int)($argv[3] ?? 3);
$conf = broker_config($ffi);
$admin = $ffi->new('kb_admin*');
check($ffi, 'kb_admin_new', $ffi->kb_admin_new($conf, FFI::addr($admin)));
$ffi->kb_config_free($conf);
if ($op === 'create') {
    check($ffi, 'kb_admin_create_topic',
        $ffi->kb_admin_create_topic($admin, $topic, $partitions, 1, null, null, 0, 15000));
    // Prints the cluster's broker count (run.sh bounds the connections per client with it).
    $md = $ffi->new('kb_metadata*');
    check($ffi, 'kb_metadata_fetch', $ffi->kb_metadata_fetch($admin, $topic, 10000, FFI::addr($md)));
    $view = $ffi->new('kb_metadata_view');
    check($ffi, 'kb_metadata_get_view', $ffi->kb_metadata_get_view($md, FFI::addr($view)));
    echo $view->broker_count, "\n";
    $ffi->kb_metadata_free($md);
} else {
    check($ffi, 'kb_admin_delete_topic', $ffi->kb_admin_delete_topic($admin, $topic, 15000));
}
$ffi->kb_admin_free($admin);
