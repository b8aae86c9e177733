<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * The client wants a SASL/OAUTHBEARER token (`sasl.mechanism` OAUTHBEARER, the token made by the
 * application rather than by librdkafka's `sasl.oauthbearer.method=oidc`). Answer with
 * setOAuthBearerToken() or setOAuthBearerTokenFailure() on the client that reported it, now or
 * later. It comes when the client is created, at 80% of the remaining lifetime of the token last
 * set, and 10 seconds after a failure; not again until answered.
 */
final class OAuthBearerRefreshEvent extends Event
{
    /**
     * @internal built from the library's event view
     */
    public function __construct(string $config)
    {
        parent::__construct(self::OAUTHBEARER_TOKEN_REFRESH, 0, $config);
    }

    /** `sasl.oauthbearer.config` as configured (empty if not set). */
    public function getConfig(): string
    {
        return (string) $this->getText();
    }
}
