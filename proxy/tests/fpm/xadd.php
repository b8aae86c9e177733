<?php
// One XADD per request through phpredis with a persistent connection (pconnect): the
// connection outlives the request in the php-fpm worker, as a Redis user's would.
// GET n=<request number>&topic=<topic>. Answers JSON.
$r = new Redis();
$r->pconnect('127.0.0.1', (int)getenv('PROXY_PORT'), 5.0, 'kafka');
$n = (int)$_GET['n'];
$id = $r->xAdd((string)$_GET['topic'], '*', ['value' => "m$n", 'key' => "k$n", 'trace' => "t\0$n"]);
echo json_encode(['ok' => is_string($id), 'id' => $id, 'pid' => getmypid(), 'err' => $r->getLastError()]), "\n";
