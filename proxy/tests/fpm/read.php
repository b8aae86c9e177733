<?php
// "Give me up to 10 entries, then acknowledge them" through phpredis (pconnect): XREADGROUP and
// XACK. GET topic=<topic>&group=<group>. Answers JSON: the entries as id => value.
$r = new Redis();
$r->pconnect('127.0.0.1', (int)getenv('PROXY_PORT'), 5.0, 'kafka');
$topic = (string)$_GET['topic'];
$group = (string)$_GET['group'];
$got = $r->xReadGroup($group, 'worker-' . getmypid(), [$topic => '>'], 10, 2000);
$entries = [];
foreach (($got ?: [])[$topic] ?? [] as $id => $fields) {
    $entries[$id] = $fields['value'];
}
$acked = $entries === [] ? 0 : $r->xAck($topic, $group, array_map('strval', array_keys($entries)));
echo json_encode(['ok' => $got !== false, 'entries' => $entries, 'acked' => $acked, 'pid' => getmypid(), 'err' => $r->getLastError()]), "\n";
