<?php

declare(strict_types=1);

namespace RdKafka\Internal;

/**
 * The application's line that called into the drop-in. The extension's errors, exceptions and
 * deprecations point there (its methods are internal functions, with no file of their own); the
 * drop-in's are PHP code, two layers deep (these classes and the KafkaBridge\ binding), so it
 * looks the line up and points there too.
 *
 * @internal
 */
final class Caller
{
    /** @var string[]|null directories of the drop-in and of the KafkaBridge\ binding */
    private static $ours;

    private function __construct()
    {
    }

    /**
     * The file and line of the innermost call made from outside the drop-in and the binding
     * (['', 0] when there is none, for example during shutdown).
     *
     * @return array{0: string, 1: int}
     */
    public static function location(): array
    {
        if (self::$ours === null) {
            self::$ours = [dirname(__DIR__) . DIRECTORY_SEPARATOR];
            if (class_exists(\KafkaBridge\Library::class)) {
                self::$ours[] = dirname((string) (new \ReflectionClass(\KafkaBridge\Library::class))->getFileName()) . DIRECTORY_SEPARATOR;
            }
        }
        foreach (debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS) as $frame) {
            if (!isset($frame['file'])) {
                continue;
            }
            $inside = false;
            foreach (self::$ours as $dir) {
                $inside = $inside || strncmp($frame['file'], $dir, strlen($dir)) === 0;
            }
            if (!$inside) {
                return [$frame['file'], $frame['line'] ?? 0];
            }
        }

        return ['', 0];
    }

    /**
     * Points $e (an exception the drop-in throws) at the application's line, as the extension's.
     *
     * @template T of \Throwable
     *
     * @param T $e
     *
     * @return T
     */
    public static function blame(\Throwable $e): \Throwable
    {
        [$file, $line] = self::location();
        if ($file !== '') {
            $class = $e instanceof \Exception ? \Exception::class : \Error::class;
            foreach (['file' => $file, 'line' => $line] as $name => $value) {
                $property = new \ReflectionProperty($class, $name);
                $property->setAccessible(true);
                $property->setValue($e, $value);
            }
        }

        return $e;
    }

    /**
     * Raises "Method <method>() is deprecated" as PHP does for the extension's deprecated methods:
     * at the application's line, through the error handler set_error_handler() installed if any,
     * otherwise displayed and logged as error_reporting, display_errors and log_errors say.
     */
    public static function deprecated(string $method): void
    {
        $message = "Method $method() is deprecated";
        [$file, $line] = self::location();
        $handler = set_error_handler(static function (): bool {
            return false;
        });
        restore_error_handler();
        if ($handler !== null && $handler(E_DEPRECATED, $message, $file, $line) !== false) {
            return;
        }
        if ((error_reporting() & E_DEPRECATED) === 0) {
            return;
        }
        $display = strtolower((string) ini_get('display_errors'));
        if (in_array($display, ['1', 'on', 'yes', 'true', 'stdout'], true)) {
            echo PHP_EOL, "Deprecated: $message in $file on line $line", PHP_EOL;
        } elseif ($display === 'stderr') {
            fwrite(STDERR, PHP_EOL . "Deprecated: $message in $file on line $line" . PHP_EOL);
        }
        if (filter_var(ini_get('log_errors'), FILTER_VALIDATE_BOOLEAN)) {
            error_log("PHP Deprecated:  $message in $file on line $line");
        }
    }
}
