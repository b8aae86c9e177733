<?php

/*
 * A PSR-4 autoloader for the KafkaBridge\ namespace, for use without Composer:
 *
 *     require '/path/to/bindings/php/autoload.php';
 *
 * With Composer, its own autoloader (from composer.json) does the same and this file is not needed.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'KafkaBridge\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
