<?php
// What the CLI helpers share: they call the library through the preloaded FFI declarations.
declare(strict_types=1);

/** Exits with the library's message unless $err is 0. */
function check(FFI $ffi, string $call, int $err): void {
    if ($err === 0) return;
    $buf = $ffi->new('char[1024]');
    $ffi->kb_last_error($buf, 1024);
    fwrite(STDERR, "$call: " . $ffi->kb_err_name($err) . " ($err): " . FFI::string($buf) . "\n");
    exit(1);
}

/** A kb_config for the broker in KAFKA_BROKERS (the caller frees it). */
function broker_config(FFI $ffi): FFI\CData {
    $conf = $ffi->new('kb_config*');
    check($ffi, 'kb_config_new', $ffi->kb_config_new(FFI::addr($conf)));
    check($ffi, 'kb_config_set', $ffi->kb_config_set($conf, 'bootstrap.servers', getenv('KAFKA_BROKERS')));
    return $conf;
}
