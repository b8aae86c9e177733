<?php
// The proxy endpoint: one 100-byte message per request through phpredis and kafkabridge-proxy,
// for hosts that cannot load the library. GET ?variant=phpredis-proxy&topic=...
// The worker keeps one persistent connection to the proxy (pconnect); XADD replies once Kafka
// acknowledged the message (the proxy's default). 200 only then, 500 otherwise.
declare(strict_types=1);

header('Content-Type: text/plain');
$topic = (string)($_GET['topic'] ?? '');
try {
    $r = new Redis();
    $r->pconnect('127.0.0.1', (int)getenv('BENCH_PROXY_PORT'), 5.0, 'bench');
    $id = $r->xAdd($topic, '*', ['value' => str_repeat('m', 100)]);
    if (!is_string($id)) {
        throw new RuntimeException('XADD: ' . ($r->getLastError() ?? 'no reply'));
    }
    echo "ok\n";
} catch (Throwable $e) {
    http_response_code(500);
    error_log('bench-fpm phpredis-proxy: ' . $e->getMessage());
    echo $e->getMessage(), "\n";
}
