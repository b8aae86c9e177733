<?php
// Checks and figures for run.sh. Plain PHP (no FFI): reads what run.sh collected in <dir>:
// resp/<n> (raw FastCGI responses), consumed ("<partition> <offset> <payload>" lines),
// conns-100 / conns-end ("<pid> <connections>" lines), php-fpm.log.
//   php analyze.php sync  <dir> <requests> <master> "<workers after 100>" "<workers at end>" <pool size>
//                         <cluster brokers> <threads in the master>
//   php analyze.php async <dir> <requests> <master> <max_requests>
//   php analyze.php consume <dir> <requests> <master> <label> <messages> <cluster brokers>
//   php analyze.php progress <dir> <requests>   (prints the distinct payloads read so far)
//   php analyze.php seed <dir prefix> <requests without the switch> <requests with it>
// Prints "  ok   ..." / "  FAIL ..." lines, figures, and last "totals <passed> <failed>".
declare(strict_types=1);

$passed = 0;
$failed = 0;
function check(bool $cond, string $what, string $detail = ''): bool {
    global $passed, $failed;
    $cond ? $passed++ : $failed++;
    echo $cond ? "  ok   $what\n" : "  FAIL $what" . ($detail === '' ? '' : ": $detail") . "\n";
    return $cond;
}
function figure(string $what): void { echo "       - $what\n"; }
function sample(array $xs, int $max = 5): string {
    return implode(', ', array_slice($xs, 0, $max)) . (count($xs) > $max ? ', ...' : '');
}

/** @return array<int, array> request number => decoded JSON body, or ['ok' => false, 'raw' => ...] */
function responses(string $dir, int $requests, int $from = 1): array {
    $out = [];
    for ($n = $from; $n < $from + $requests; $n++) {
        $raw = @file_get_contents("$dir/resp/$n");
        $err = trim((string)@file_get_contents("$dir/resp/$n.err"));
        $parts = $raw === false ? [] : explode("\r\n\r\n", $raw, 2);
        $json = count($parts) === 2 ? json_decode(trim($parts[1]), true) : null;
        $out[$n] = is_array($json) ? $json : ['ok' => false, 'raw' => substr((string)$raw, 0, 300) . $err];
    }
    return $out;
}

/** @return array{0: array<int, int>, 1: array<string, string>} payload counts, "p/o" => payload */
function consumed(string $dir): array {
    $counts = [];
    $at = [];
    foreach (file("$dir/consumed", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
        [$p, $o, $payload] = explode(' ', $line, 3);
        $counts[$payload] = ($counts[$payload] ?? 0) + 1;
        $at["$p/$o"] = $payload;
    }
    return [$counts, $at];
}

function payload_checks(array $counts, int $requests, string $label): void {
    $expected = array_map('strval', range(1, $requests));
    $missing = array_values(array_diff($expected, array_map('strval', array_keys($counts))));
    $extra = array_values(array_diff(array_map('strval', array_keys($counts)), $expected));
    $dups = array_keys(array_filter($counts, fn($c) => $c > 1));
    figure(sprintf('%s: messages consumed %d, distinct payloads %d, lost %d, duplicated %d, unexpected %d',
        $label, array_sum($counts), count($counts), count($missing), count($dups), count($extra)));
    check(count($missing) === 0, "$label: no message lost (payloads 1..$requests all consumed back)",
        count($missing) . ' missing: ' . sample($missing, 20));
    check(count($dups) === 0 && count($extra) === 0, "$label: no duplicate or unexpected payload",
        'duplicated: ' . sample($dups) . '; unexpected: ' . sample($extra));
}

/** @return array<int, list<array>> pid => its responses ordered by sessions_served */
function by_pid(array $resps): array {
    $pids = [];
    foreach ($resps as $r) if ($r['ok']) $pids[$r['pid']][] = $r;
    foreach ($pids as &$rs) usort($rs, fn($a, $b) => $a['sessions_served'] <=> $b['sessions_served']);
    ksort($pids);
    return $pids;
}

// Per worker: exactly one client, created by that worker on its first request, reused after.
function reuse_checks(array $pids, int $master, string $label): void {
    $bad = [];
    $reused = 0;
    foreach ($pids as $pid => $rs) {
        $clients = array_unique(array_column($rs, 'client_id'));
        $creators = array_unique(array_column($rs, 'creator_pid'));
        $sessions = array_column($rs, 'sessions_served');
        $flags = array_column($rs, 'reused');
        $reused += array_sum($flags);
        if (count($clients) !== 1) $bad[] = "pid $pid: clients " . implode('/', $clients);
        if ($creators !== [$pid]) $bad[] = "pid $pid: creator_pid " . implode('/', $creators);
        if ($sessions !== range(1, count($rs))) $bad[] = "pid $pid: sessions_served " . sample($sessions, 8);
        if ($flags !== array_merge([0], array_fill(0, count($rs) - 1, 1))) {
            $bad[] = "pid $pid: reused flags in session order " . sample($flags, 8);
        }
    }
    $creators = array_unique(array_merge(...array_map(fn($rs) => array_column($rs, 'creator_pid'), array_values($pids))));
    figure(sprintf('%s: clients created %d (distinct client per worker pid), reused %d of %d sessions',
        $label, count($pids), $reused, array_sum(array_map('count', $pids))));
    check($bad === [], "$label: per worker pid, one client created on the first request (reused=0, "
        . "sessions_served=1, creator_pid=pid) and reused by every later request (reused=1)", sample($bad, 6));
    check(!in_array($master, $creators, true) && !isset($pids[$master]),
        "$label: the FPM master ($master) never created a client nor served a request");
}

function log_lines(string $dir, string $pattern): array {
    return preg_grep($pattern, file("$dir/php-fpm.log", FILE_IGNORE_NEW_LINES) ?: []);
}

function conns(string $file): array {
    $c = [];
    foreach (file($file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $line) {
        [$pid, $n] = explode(' ', $line);
        $c[(int)$pid] = (int)$n;
    }
    return $c;
}

/**
 * The consuming scenarios: every message read at least once, each duplicate explained by a
 * failed commit, one member per worker, group rebalances bounded by worker starts.
 */
function consume_checks(array $resps, array $pids, int $master, string $label, int $messages, string $dir, int $brokers): void {
    $ok = array_filter($resps, fn($r) => $r['ok']);
    $reads = [];          // payload => deliveries
    $uncommitted = [];    // payload => deliveries in a response whose commit failed
    $place = [];          // payload => the partition/offsets it was read at
    $failedCommits = 0;
    foreach ($ok as $r) {
        if ($r['commit_err'] !== 0) $failedCommits++;
        foreach ($r['messages'] as $m) {
            [$p, $o, $payload] = explode('/', $m, 3);
            $reads[$payload] = ($reads[$payload] ?? 0) + 1;
            $place[$payload]["$p/$o"] = true;
            if ($r['commit_err'] !== 0) $uncommitted[$payload] = ($uncommitted[$payload] ?? 0) + 1;
        }
    }
    $expected = array_map('strval', range(1, $messages));
    $missing = array_values(array_diff($expected, array_map('strval', array_keys($reads))));
    $extra = array_values(array_diff(array_map('strval', array_keys($reads)), $expected));
    $dups = array_filter($reads, fn($k) => $k > 1);
    $unexplained = array_keys(array_filter($dups, fn($k, $payload) => ($uncommitted[$payload] ?? 0) < $k - 1, ARRAY_FILTER_USE_BOTH));
    $moved = array_keys(array_filter($place, fn($at) => count($at) > 1));
    $empty = count(array_filter($ok, fn($r) => $r['messages'] === []));
    figure(sprintf('%s: requests %d (%d handed no message), messages read %d, distinct %d of %d, lost %d, '
        . 'read twice or more %d (extra reads %d), commits failed %d', $label, count($resps), $empty,
        array_sum($reads), count($reads), $messages, count($missing), count($dups),
        array_sum($dups) - count($dups), $failedCommits));
    check($missing === [] && $extra === [], "$label: every message consumed at least once (0 lost)",
        count($missing) . ' missing: ' . sample($missing, 20) . '; unexpected: ' . sample($extra));
    check($unexplained === [], "$label: every duplicate is explained by the documented rule (handed to a "
        . "session whose commit failed, so handed out again)", count($unexplained) . ' unexplained: ' . sample($unexplained, 10));
    check($moved === [], "$label: a payload is always read at the one partition/offset it was produced to", sample($moved));

    // One member per worker: created by its first request (reused=0, no session before), reused after.
    $bad = [];
    foreach ($pids as $pid => $rs) {
        usort($rs, fn($a, $b) => $a['sessions_served'] <=> $b['sessions_served']);
        if (array_column($rs, 'sessions_served') !== range(0, count($rs) - 1)) $bad[] = "pid $pid: sessions_served " . sample(array_column($rs, 'sessions_served'), 8);
        if (array_column($rs, 'reused') !== array_merge([0], array_fill(0, count($rs) - 1, 1))) $bad[] = "pid $pid: reused flags";
        if (array_unique(array_column($rs, 'creator_pid')) !== [$pid]) $bad[] = "pid $pid: creator_pid " . implode('/', array_unique(array_column($rs, 'creator_pid')));
    }
    $created = count(array_filter($ok, fn($r) => $r['reused'] === 0));
    figure(sprintf('%s: worker processes %d, consumer clients created %d, sessions %d; requests per worker min %d max %d',
        $label, count($pids), $created, count($ok), min(array_map('count', $pids) ?: [0]), max(array_map('count', $pids) ?: [0])));
    check($bad === [] && $created === count($pids), "$label: consumer clients created = worker processes "
        . '(each made by its worker\'s first request, reused by every later one)', sample($bad, 6));
    check(!isset($pids[$master]), "$label: the FPM master ($master) never served a request");

    // Group rebalances as the broker counts them: the group generation. Each worker start joins
    // (one rebalance) and each recycled worker leaves at exit (one more).
    $generation = max(array_merge([0], array_column($ok, 'generation')));
    $starts = count($pids);
    $seen = array_map(fn($rs) => max(array_column($rs, 'rebalances')), $pids);
    $redelivered = array_map(fn($rs) => max(array_column($rs, 'redelivered')), $pids);
    figure(sprintf('%s: group rebalances (generation) %d for %d worker starts and %d requests; rebalances seen per '
        . 'member max %d; handed out again after a failed commit %d', $label, $generation, $starts, count($resps),
        max($seen ?: [0]), array_sum($redelivered)));
    check($generation >= 1 && $generation <= 2 * $starts + 1,
        "$label: group rebalances stay near worker starts (<= 2 x $starts + 1), not requests", "generation $generation");

    if (is_file("$dir/conns-first")) {
        $first = conns("$dir/conns-first");
        $end = conns("$dir/conns-end");
        $workers = array_keys($pids);
        $per = fn(array $c) => array_map(fn($w) => $c[$w] ?? 0, $workers);
        // A consumer keeps one connection to each broker it fetches from plus one to its group
        // coordinator (on the single-node broker: 2). None may be added per request.
        $grew = array_filter($workers, fn($w) => isset($first[$w]) && ($end[$w] ?? 0) > $first[$w]);
        figure(sprintf('%s: broker connections from the workers after the first round %d (per worker %s), at the end '
            . '%d (per worker %s); master %d', $label, array_sum($per($first)), implode('/', $per($first)),
            array_sum($per($end)), implode('/', $per($end)), $end[$master] ?? 0));
        check($grew === [] && max($per($end) ?: [0]) <= 2 * $brokers && min($per($end) ?: [0]) >= 1,
            "$label: broker connections flat (per worker end <= first round, <= 2 x $brokers, kept across requests)",
            'grew for ' . implode(' ', $grew));
    }
}

/**
 * Scenario 5: the unmodified php-rdkafka script, <prefix>-off (no switch) then <prefix>-on
 * (env[KAFKABRIDGE_PERSISTENT] = 1), with their requests numbered on from the first pool's.
 */
function seed_checks(string $prefix, int $off, int $on): void {
    $label = 'scenario 5';
    foreach (['off' => [1, $off], 'on' => [$off + 1, $on]] as $switch => [$from, $n]) {
        $dir = "$prefix-$switch";
        $resps = responses($dir, $n, $from);
        $bad = array_filter($resps, fn($r) => !$r['ok'] || ($r['errors'] ?? []) !== []);
        check($bad === [], "$label, switch $switch: all $n requests saw their delivery callback report success",
            count($bad) . ' failed, e.g. ' . json_encode(array_slice($bad, 0, 3, true)));
        $workers = array_map('intval', preg_split('/\s+/', trim((string)file_get_contents("$dir/workers")), -1, PREG_SPLIT_NO_EMPTY));
        $c100 = conns("$dir/conns-100");
        $cEnd = conns("$dir/conns-end");
        $per = fn(array $c) => array_map(fn($w) => $c[$w] ?? 0, $workers);
        $pids = array_unique(array_column(array_filter($resps, fn($r) => $r['ok']), 'pid'));
        figure(sprintf('%s, switch %s: %d req/s; worker pids serving %d; broker connections of the idle workers after '
            . '100 requests %s, at the end %s', $label, $switch, (int)file_get_contents("$dir/rate"), count($pids),
            implode('/', $per($c100)), implode('/', $per($cEnd))));
        if ($switch === 'off') {
            check(array_sum($per($cEnd)) === 0, "$label, switch off: idle workers hold no broker connection (a client per request, torn down)");
        } else {
            $grew = array_filter($workers, fn($w) => ($cEnd[$w] ?? 0) > ($c100[$w] ?? 0) && ($c100[$w] ?? 0) > 0);
            check(min($per($cEnd) ?: [0]) >= 1 && $grew === [], "$label, switch on: every idle worker keeps its broker "
                . 'connections after its requests and they do not grow with requests (persistent clients, no code change)',
                'grew for ' . implode(' ', $grew));
        }
        $signals = log_lines($dir, '/exited on signal|PHP (Fatal|Warning|Notice)|kafkabridge:/');
        check($signals === [], "$label, switch $switch: FPM log has no worker killed by a signal, PHP error or kafkabridge report",
            count($signals) . ' lines: ' . sample(array_values($signals), 5));
    }
    [$counts] = consumed("$prefix-on");
    payload_checks($counts, $off + $on, $label);
}

$mode = $argv[1];
$dir = $argv[2];
$requests = (int)$argv[3];
if ($mode === 'seed') {
    seed_checks($dir, $requests, (int)$argv[4]);
    echo "totals $passed $failed\n";
    exit(0);
}
if ($mode === 'progress') {
    $seen = [];
    foreach (responses($dir, $requests) as $r) foreach ($r['messages'] ?? [] as $m) $seen[explode('/', $m, 3)[2]] = true;
    echo count($seen), "\n";
    exit(0);
}
$master = (int)$argv[4];
$resps = responses($dir, $requests);
$bad = array_filter($resps, fn($r) => !$r['ok']);
$label = ['sync' => 'scenario 1', 'async' => 'scenario 2', 'consume' => $argv[5] ?? ''][$mode];
check($bad === [], "$label: all $requests requests succeeded", count($bad) . ' failed, e.g. '
    . json_encode(array_slice($bad, 0, 3, true)));
$pids = by_pid($resps);
[$counts, $at] = $mode === 'consume' ? [[], []] : consumed($dir);

if ($mode === 'sync') {
    $workers100 = array_map('intval', preg_split('/\s+/', trim($argv[5]), -1, PREG_SPLIT_NO_EMPTY));
    $workersEnd = array_map('intval', preg_split('/\s+/', trim($argv[6]), -1, PREG_SPLIT_NO_EMPTY));
    $pool = (int)$argv[7];
    $brokers = (int)$argv[8];
    $ok = array_filter($resps, fn($r) => $r['ok']);
    check(count(array_filter($ok, fn($r) => $r['opcache'] === true)) === count($ok), "$label: opcache enabled in the workers");
    // Delivered exactly once: every report names a distinct partition/offset holding its payload.
    $places = array_map(fn($r) => "{$r['partition']}/{$r['offset']}", $ok);
    $wrong = array_filter(array_keys($ok), fn($n) => ($at[$places[$n]] ?? null) !== (string)$n);
    figure(sprintf('%s: requests %d, deliveries reported %d at %d distinct partition/offsets',
        $label, $requests, count($ok), count(array_unique($places))));
    check(count(array_unique($places)) === count($ok) && $wrong === [],
        "$label: each delivery report's partition/offset holds that request's payload",
        count($wrong) . ' mismatched, e.g. ' . sample(array_map(fn($n) => "$n@{$places[$n]}", $wrong)));
    payload_checks($counts, $requests, $label);
    figure(sprintf('%s: worker pids serving requests %d (%s), requests per worker %s, oldest client age %d ms',
        $label, count($pids), implode(' ', array_keys($pids)), implode('/', array_map('count', $pids)),
        max(array_merge([0], array_column($ok, 'age_ms')))));
    sort($workers100);
    sort($workersEnd);
    check($workers100 === $workersEnd && count($workersEnd) === $pool && array_diff(array_keys($pids), $workersEnd) === [],
        "$label: the same $pool workers served everything (none crashed or was respawned)",
        'after 100: ' . implode(' ', $workers100) . '; at end: ' . implode(' ', $workersEnd));
    reuse_checks($pids, $master, $label);

    // Broker connections (client side: sockets to the broker ports owned by each worker pid).
    // Measured with librdkafka 2.12 on the single-node broker: a producer client first connects to
    // the bootstrap address, learns the broker (node 1, same host:port) from metadata, connects to
    // it and then drops the bootstrap connection (librdkafka >= 2.10 decommissions bootstrap
    // brokers once the cluster is known). With sparse connections (the default) it only keeps
    // connections to brokers it needs, so the steady state is 1 per client here and at most
    // <brokers in the cluster> per client in general; a worker holds one client, so the pool holds
    // at most pool * brokers. One extra per worker may show transiently while a client is young
    // (the bootstrap connection), hence "end <= after 100". And since the workers are idle when
    // sampled, a connection that is still up proves it outlived the requests that opened it.
    $c100 = conns("$dir/conns-100");
    $cEnd = conns("$dir/conns-end");
    $per = fn(array $c, array $ws) => array_map(fn($w) => $c[$w] ?? 0, $ws);
    $w100 = $per($c100, $workersEnd);
    $wEnd = $per($cEnd, $workersEnd);
    $bound = $pool * $brokers;
    // Workers that had served one of the first 100 requests had their client then; the others
    // may legitimately open theirs later.
    $early = array_unique(array_column(array_filter($ok, fn($r) => $r['n'] <= 100), 'pid'));
    $grew = array_filter($workersEnd, fn($w) => in_array($w, $early, true) && ($cEnd[$w] ?? 0) > ($c100[$w] ?? 0));
    figure(sprintf('%s: broker connections from the workers after 100 requests %d (per worker %s), '
        . 'at the end %d (per worker %s); steady bound %d = %d workers x %d broker(s); master %d/%d',
        $label, array_sum($w100), implode('/', $w100), array_sum($wEnd), implode('/', $wEnd), $bound, $pool,
        $brokers, $c100[$master] ?? 0, $cEnd[$master] ?? 0));
    check($grew === [] && array_sum($wEnd) <= $bound && max($wEnd ?: [0]) <= $brokers,
        "$label: broker connections did not grow with requests (per worker end <= after 100, <= $brokers per worker, <= $bound in all)",
        'grew for ' . implode(' ', $grew));
    check(min($wEnd ?: [0]) >= 1 && count($wEnd) === count($pids),
        "$label: every idle worker still holds its broker connection after its requests (kept across requests)");
    $threads = (int)$argv[9];
    figure("$label: threads in the FPM master after the run: $threads (librdkafka would add several per client)");
    check($threads === 1, "$label: the FPM master is single-threaded (loading the library started nothing there)");
    check(($c100[$master] ?? 0) === 0 && ($cEnd[$master] ?? 0) === 0, "$label: the FPM master holds no broker connection");
} elseif ($mode === 'consume') {
    consume_checks($resps, $pids, $master, $label, (int)$argv[6], $dir, (int)$argv[7]);
} else {
    $maxRequests = (int)$argv[5];
    payload_checks($counts, $requests, $label);
    $served = array_map('count', $pids);
    $recycled = count(array_filter($served, fn($n) => $n === $maxRequests));
    $lastInFlight = array_map(fn($rs) => end($rs)['in_flight'], $pids);
    figure(sprintf('%s: distinct worker pids %d (workers recycled by pm.max_requests=%d: %d, the rest stopped by '
        . 'SIGQUIT), requests per worker min %d max %d', $label, count($pids), $maxRequests, $recycled,
        min($served ?: [0]), max($served ?: [0])));
    figure(sprintf('%s: messages in flight when a worker answered its last request: min %d, max %d, total %d '
        . '(left to the exit flush)', $label, min($lastInFlight ?: [0]), max($lastInFlight ?: [0]), array_sum($lastInFlight)));
    check(max($served ?: [0]) <= $maxRequests && count($pids) >= intdiv($requests + $maxRequests - 1, $maxRequests),
        "$label: workers were recycled (" . count($pids) . " pids, each served <= $maxRequests requests)");
    reuse_checks($pids, $master, $label);
    $exits = log_lines($dir, '/child \d+ exited with code 0/');
    $life = array_map(fn($l) => (float)(preg_match('/after ([\d.]+) seconds/', $l, $m) ? $m[1] : 0), $exits);
    sort($life);
    figure(sprintf('%s: worker exits with code 0 logged while running: %d; worker lifetimes min %.2f s, median %.2f s, '
        . 'max %.2f s (25 requests plus the exit flush)', $label, count($exits), $life[0] ?? 0,
        $life[intdiv(count($life), 2)] ?? 0, end($life) ?: 0));
}

$signals = log_lines($dir, '/exited on signal|PHP (Fatal|Warning|Notice)|kafkabridge:/');
check($signals === [], "$label: FPM log has no worker killed by a signal, PHP error or kafkabridge report",
    count($signals) . ' lines: ' . sample(array_values($signals), 5));
echo "totals $passed $failed\n";
