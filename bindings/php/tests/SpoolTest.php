<?php

declare(strict_types=1);

namespace KafkaBridge\Tests;

use KafkaBridge\DeliveryReport;
use KafkaBridge\ErrorCode;
use KafkaBridge\Producer;

/**
 * The spool from PHP: what cannot be delivered is reported as spooled and counted in info();
 * the Python suite (tests/test_spool.py) checks the re-sending against the real broker.
 */
final class SpoolTest extends KafkaTestCase
{
    /**
     * @group brokerless
     */
    public function testUndeliverableMessagesAreReportedSpooledAndCounted(): void
    {
        $dir = sys_get_temp_dir() . '/' . self::uniqueName('kb-php-spool');
        $producer = new Producer([
            'bootstrap.servers' => '127.0.0.1:1', // nothing listens there
            'message.timeout.ms' => '300',
            'bridge.spool.dir' => $dir,
            'bridge.spool.replay.interval.ms' => '3600000',
        ]);
        for ($i = 0; $i < 3; $i++) {
            $producer->produce('php-spool', "m$i", null, [], 0);
        }
        $reports = [];
        $deadline = self::nowMs() + 30000;
        while (count($reports) < 3 && self::nowMs() < $deadline) {
            foreach ($producer->pollEvents(200) as $event) {
                if ($event instanceof DeliveryReport) {
                    $reports[] = $event;
                }
            }
        }
        self::assertCount(3, $reports);
        foreach ($reports as $report) {
            self::assertFalse($report->isDelivered());
            self::assertSame(ErrorCode::KB_SPOOLED, $report->getErr());
            self::assertStringContainsString('kept in the spool', (string) $report->getErrorText());
        }
        self::assertSame(['spooled' => 3, 'refused' => 0, 'replayed' => 0, 'dropped' => 0], $producer->info()->getSpool());
        $producer->close();
        self::assertNotEmpty(glob("$dir/*.kbspool"));
        array_map('unlink', glob("$dir/*") ?: []);
        rmdir($dir);
    }
}
