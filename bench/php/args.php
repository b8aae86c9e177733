<?php

/*
 * The command line shared by the PHP benchmark programs (bench.php, rdkafka_bench.php):
 * `OP --key=value ...`, parsed into the public properties of an object.
 */

declare(strict_types=1);

/**
 * Sets $args->op from $argv[1] (one of $ops) and each `--key=value` into the public property of
 * that name: an int property takes a non-negative integer, any other the string. Anything else,
 * a missing --messages (at least 1) or --size, ends the program through $fail with what to fix.
 *
 * @param string[]                 $argv
 * @param string[]                 $ops
 * @param callable(string): never  $fail
 */
function bench_parse_args(object $args, array $argv, array $ops, string $usage, callable $fail): void
{
    if (count($argv) < 2) {
        $fail($usage);
    }
    $args->op = $argv[1];
    if (!in_array($args->op, $ops, true)) {
        $fail("unknown operation \"{$args->op}\"\n" . $usage);
    }
    foreach (array_slice($argv, 2) as $arg) {
        if (!preg_match('/^--([a-z]+)=(.*)$/s', $arg, $m)) {
            $fail("bad argument \"$arg\" (expected --key=value)\n" . $usage);
        }
        [, $key, $value] = $m;
        if ($key === 'op' || !property_exists($args, $key)) {
            $fail("unknown argument \"$arg\"\n" . $usage);
        }
        if (is_int($args->$key)) {
            if (!preg_match('/^[0-9]+$/', $value)) {
                $fail("--$key needs a non-negative integer, got \"$value\"");
            }
            $args->$key = (int) $value;
        } else {
            $args->$key = $value;
        }
    }
    if ($args->messages < 1) {
        $fail('--messages=N (at least 1) is required');
    }
    if ($args->size < 0) {
        $fail('--size is required');
    }
}
