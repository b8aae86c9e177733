<?php
// The broker settings the KafkaBridge\ endpoints share, from the pool's environment
// (bench/fpm/run.sh sets it): bootstrap servers and, for BENCH_PROTOCOL=sasl_ssl, SCRAM over TLS.
// Not an endpoint: nginx passes only the endpoints' names to php-fpm.
declare(strict_types=1);

function broker_settings(): array
{
    $settings = ['bootstrap.servers' => (string)getenv('BENCH_BROKERS')];
    if (getenv('BENCH_PROTOCOL') === 'sasl_ssl') {
        $settings += [
            'security.protocol' => 'SASL_SSL',
            'sasl.mechanism' => 'SCRAM-SHA-256',
            'sasl.username' => (string)getenv('BENCH_SASL_USER'),
            'sasl.password' => (string)getenv('BENCH_SASL_PASSWORD'),
            'ssl.ca.location' => (string)getenv('BENCH_CA_LOCATION'),
        ];
    }
    return $settings;
}
