<?php

declare(strict_types=1);

namespace KafkaBridge;

use KafkaBridge\Exception\KafkaBridgeException;
use KafkaBridge\Exception\LibraryException;

/**
 * Loads libkafkabridge.so once per process and hands out the \FFI instance every class uses.
 *
 * Two ways to load, tried in this order:
 *
 * 1. "preload": the header was preloaded with `ffi.preload=/path/to/kafkabridge_preload.h` in
 *    php.ini (the way to go under PHP-FPM, where FFI is usually restricted to preloading with
 *    `ffi.enable=preload`). FFI::scope('kafkabridge') then returns the already parsed bindings.
 * 2. "cdef": FFI::cdef(<header>, <library>), parsed once per process (the default on the CLI,
 *    where `ffi.enable=preload` still allows it). The library is, in order: the KAFKABRIDGE_LIB
 *    environment variable; target/release/libkafkabridge.so of the repository this package sits
 *    in; else "libkafkabridge.so" from the system's library path (`make install`). The header is:
 *    KAFKABRIDGE_HEADER; the repository's include/kafkabridge_ffi.h; else
 *    /usr/local/include/kafkabridge_ffi.h.
 *
 * Every failure to load throws a LibraryException that says what to change.
 */
final class Library
{
    /** The FFI scope name the preload header defines (FFI_SCOPE). */
    public const SCOPE = 'kafkabridge';

    public const MODE_PRELOAD = 'preload';
    public const MODE_CDEF = 'cdef';

    /** Where `make install` puts the headers. */
    private const INSTALLED_INCLUDE_DIR = '/usr/local/include';

    /** @var \FFI|null */
    private static $ffi;

    /** @var string|null */
    private static $mode;

    private function __construct()
    {
    }

    /**
     * The process-wide \FFI instance for libkafkabridge, loading it on first use.
     *
     * @throws LibraryException if FFI is unavailable or the library or header cannot be found
     */
    public static function ffi(): \FFI
    {
        if (self::$ffi === null) {
            self::load();
        }
        /** @var \FFI $ffi */
        $ffi = self::$ffi;

        return $ffi;
    }

    /**
     * How the library was loaded: 'preload' (FFI::scope() of a preloaded header) or 'cdef'
     * (FFI::cdef() at run time). Loads it if that has not happened yet.
     */
    public static function mode(): string
    {
        self::ffi();

        return (string) self::$mode;
    }

    /** kafkabridge's version, for example "0.2.0". */
    public static function version(): string
    {
        return (string) self::ffi()->kb_version();
    }

    /** The version of the librdkafka built into kafkabridge, for example "2.12.1". */
    public static function librdkafkaVersion(): string
    {
        return (string) self::ffi()->kb_librdkafka_version();
    }

    /**
     * Flushes and drops every persistent producer client of this process (kb_shutdown()). Open
     * producers keep their client until closed; later opens create new clients. Not needed at
     * normal exit: the library flushes live producers itself.
     *
     * @throws KafkaBridgeException a TimeoutException if a client could not deliver in time
     */
    public static function shutdown(): void
    {
        self::check(self::ffi()->kb_shutdown(), 'kb_shutdown');
    }

    /**
     * Throws the matching KafkaBridgeException if $err (a kb_err return value) is not 0.
     *
     * @param int         $err       the return value of a kb_* call
     * @param string      $operation the function that returned it, for the message
     * @param string|null $preferred exception class to use instead of the default mapping
     *
     * @throws KafkaBridgeException
     */
    public static function check(int $err, string $operation, ?string $preferred = null): void
    {
        if ($err !== 0) {
            throw KafkaBridgeException::fromError($err, $operation, $preferred);
        }
    }

    /**
     * The message of the last failed call on this thread (kb_last_error()); when the library has
     * none, the static description of $code.
     */
    public static function lastError(int $code = 0): string
    {
        $ffi = self::ffi();
        $cap = 1024;
        $buf = $ffi->new('char[' . $cap . ']');
        $len = (int) $ffi->kb_last_error($buf, $cap);
        if ($len >= $cap) {
            $cap = $len + 1;
            $buf = $ffi->new('char[' . $cap . ']');
            $len = min((int) $ffi->kb_last_error($buf, $cap), $cap - 1);
        }
        $message = $len > 0 ? \FFI::string($buf, $len) : '';
        if ($message === '' && $code !== 0) {
            $message = self::errorDescription($code);
        }

        return $message;
    }

    /** kb_err_name(): "_TIMED_OUT", "UNKNOWN_TOPIC_OR_PART", "KB_ERR_INVALID_HANDLE", "UNKNOWN". */
    public static function errorName(int $code): string
    {
        return (string) self::ffi()->kb_err_name($code);
    }

    /** kb_err_description(): a human-readable description of a code. */
    public static function errorDescription(int $code): string
    {
        return (string) self::ffi()->kb_err_description($code);
    }

    /** kb_err_is_retriable(). */
    public static function isRetriable(int $code): bool
    {
        return self::ffi()->kb_err_is_retriable($code) === 1;
    }

    /** kb_err_is_fatal(). */
    public static function isFatal(int $code): bool
    {
        return self::ffi()->kb_err_is_fatal($code) === 1;
    }

    /**
     * The library FFI::cdef() would load: KAFKABRIDGE_LIB, else the repository's
     * target/release/libkafkabridge.so if it exists, else "libkafkabridge.so" (system path).
     */
    public static function libraryPath(): string
    {
        $env = getenv('KAFKABRIDGE_LIB');
        if (is_string($env) && $env !== '') {
            return $env;
        }
        $repo = self::repositoryRoot();
        if ($repo !== null && is_file($repo . '/target/release/libkafkabridge.so')) {
            return $repo . '/target/release/libkafkabridge.so';
        }

        return 'libkafkabridge.so';
    }

    /**
     * The header FFI::cdef() would parse: KAFKABRIDGE_HEADER, else the repository's
     * include/kafkabridge_ffi.h, else /usr/local/include/kafkabridge_ffi.h; null if none exists.
     */
    public static function headerPath(): ?string
    {
        $env = getenv('KAFKABRIDGE_HEADER');
        if (is_string($env) && $env !== '') {
            return $env;
        }
        $repo = self::repositoryRoot();
        if ($repo !== null && is_file($repo . '/include/kafkabridge_ffi.h')) {
            return $repo . '/include/kafkabridge_ffi.h';
        }
        $installed = self::INSTALLED_INCLUDE_DIR . '/kafkabridge_ffi.h';

        return is_file($installed) ? $installed : null;
    }

    /**
     * The header to name in `ffi.preload=...`: next to the library in a build tree
     * (target/release/kafkabridge_preload.h), else the installed one.
     */
    public static function preloadHeaderPath(): string
    {
        $lib = self::libraryPath();
        if (strpos($lib, '/') !== false && is_file(dirname($lib) . '/kafkabridge_preload.h')) {
            return (string) realpath(dirname($lib) . '/kafkabridge_preload.h');
        }

        return self::INSTALLED_INCLUDE_DIR . '/kafkabridge_preload.h';
    }

    /**
     * The kafkabridge repository this package sits in (bindings/php/src is three levels down),
     * or null when installed elsewhere (for example by Composer).
     */
    private static function repositoryRoot(): ?string
    {
        $root = dirname(__DIR__, 3);
        if (is_file($root . '/include/kafkabridge.h') && is_file($root . '/Cargo.toml')) {
            return $root;
        }

        return null;
    }

    /**
     * @throws LibraryException
     */
    private static function load(): void
    {
        if (!extension_loaded('ffi') || !class_exists(\FFI::class, false)) {
            throw new LibraryException(
                'kafkabridge needs PHP\'s FFI extension, which is not loaded in this PHP (' . PHP_SAPI . '): '
                . 'install it (Debian/Ubuntu: it is part of php' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION
                . '-common; elsewhere build PHP with --with-ffi) and enable it with extension=ffi in php.ini'
            );
        }
        $enable = strtolower(trim((string) ini_get('ffi.enable')));
        if (in_array($enable, ['0', '', 'false', 'off', 'no'], true)) {
            throw new LibraryException(
                'FFI is disabled (ffi.enable=' . ini_get('ffi.enable') . '): set ffi.enable=true in php.ini, '
                . 'or under PHP-FPM keep ffi.enable=preload and preload the library with ffi.preload='
                . self::preloadHeaderPath()
            );
        }

        try {
            $ffi = \FFI::scope(self::SCOPE);
            self::$ffi = $ffi;
            self::$mode = self::MODE_PRELOAD;

            return;
        } catch (\FFI\Exception $notPreloaded) {
            // Not preloaded: parse the header at run time below.
        }

        $header = self::headerPath();
        if ($header === null) {
            throw new LibraryException(
                'kafkabridge\'s FFI header (kafkabridge_ffi.h) was not found: set KAFKABRIDGE_HEADER to its path, '
                . 'run `make install` (it goes to ' . self::INSTALLED_INCLUDE_DIR . '), or use this package from '
                . 'the kafkabridge repository (include/kafkabridge_ffi.h)'
            );
        }
        if (!is_file($header) || !is_readable($header)) {
            throw new LibraryException(
                'kafkabridge\'s FFI header ' . $header . ' does not exist or is not readable'
                . (getenv('KAFKABRIDGE_HEADER') ? ' (from KAFKABRIDGE_HEADER)' : '')
            );
        }
        $lib = self::libraryPath();
        $fromEnv = is_string(getenv('KAFKABRIDGE_LIB')) && getenv('KAFKABRIDGE_LIB') !== '';
        if (strpos($lib, '/') !== false && !is_file($lib)) {
            throw new LibraryException(
                'libkafkabridge not found at ' . $lib . ($fromEnv ? ' (from KAFKABRIDGE_LIB)' : '')
                . ': build it with `make build` in the kafkabridge repository, or set KAFKABRIDGE_LIB to the '
                . 'path of libkafkabridge.so'
            );
        }

        // The declarations only: FFI::cdef() does not take preprocessor lines (a preload header
        // given as KAFKABRIDGE_HEADER has #define FFI_SCOPE/FFI_LIB lines).
        $code = preg_replace('/^\s*#.*$/m', '', (string) file_get_contents($header));

        try {
            self::$ffi = \FFI::cdef((string) $code, $lib);
            self::$mode = self::MODE_CDEF;
        } catch (\FFI\Exception $e) {
            $message = $e->getMessage();
            if (strpos($message, 'ffi.enable') !== false) {
                throw new LibraryException(
                    'FFI is restricted to preloading here (ffi.enable=' . ini_get('ffi.enable') . ', SAPI '
                    . PHP_SAPI . ') and the kafkabridge header was not preloaded: add ffi.preload='
                    . self::preloadHeaderPath() . ' (and opcache.enable=1) to php.ini, or set ffi.enable=true',
                    0,
                    $e
                );
            }
            if (strpos($message, 'Failed loading') === 0) {
                throw new LibraryException(
                    'libkafkabridge could not be loaded from ' . $lib . ($fromEnv ? ' (KAFKABRIDGE_LIB)' : '') . ' ('
                    . $message . '): build it with `make build` in the kafkabridge repository, install it with '
                    . '`make install`, or set KAFKABRIDGE_LIB to the path of libkafkabridge.so',
                    0,
                    $e
                );
            }
            throw new LibraryException(
                'kafkabridge\'s FFI header ' . $header . ' could not be used with ' . $lib . ': ' . $message
                . ' (the header and the library must come from the same build)',
                0,
                $e
            );
        }
    }
}
