<?php

/*
 * opcache.preload script for PHP-FPM (and any SAPI with ffi.enable=preload, Debian's default).
 *
 * With ffi.enable=preload PHP lets only preloaded code use FFI's API (FFI::scope(), FFI::new(),
 * FFI::addr(), ...). Preloading every KafkaBridge class puts all of kafkabridge's FFI calls in
 * preloaded code, so requests can use the classes normally:
 *
 *     ffi.enable=preload
 *     ffi.preload=/abs/path/target/release/kafkabridge_preload.h
 *     opcache.enable=1
 *     opcache.preload=/abs/path/bindings/php/preload.php
 *     opcache.preload_user=www-data
 *
 * The library itself is only mapped here (by ffi.preload); no Kafka client is created in the FPM
 * master: clients are made on first use in each worker.
 */

declare(strict_types=1);

require __DIR__ . '/autoload.php';

$src = __DIR__ . '/src';
$files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($src, FilesystemIterator::SKIP_DOTS));
foreach ($files as $file) {
    if ($file->getExtension() !== 'php') {
        continue;
    }
    $class = 'KafkaBridge\\' . str_replace('/', '\\', substr($file->getPathname(), strlen($src) + 1, -4));
    // Through the autoloader, so parents and interfaces are loaded before the classes using them.
    class_exists($class) || interface_exists($class);
}
