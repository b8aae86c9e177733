<?php

declare(strict_types=1);

namespace KafkaBridge;

/**
 * One consumer group as listGroups() reports it.
 */
final class GroupInfo
{
    /** @var string */
    private $name;

    /** @var string */
    private $state;

    /** @var string */
    private $protocolType;

    /** @var string */
    private $protocol;

    /** @var int */
    private $memberCount;

    /**
     * @internal built from kb_group_info
     */
    public function __construct(string $name, string $state, string $protocolType, string $protocol, int $memberCount)
    {
        $this->name = $name;
        $this->state = $state;
        $this->protocolType = $protocolType;
        $this->protocol = $protocol;
        $this->memberCount = $memberCount;
    }

    public function getName(): string
    {
        return $this->name;
    }

    /** For example "Stable", "Empty", "PreparingRebalance". */
    public function getState(): string
    {
        return $this->state;
    }

    /** "consumer" for consumer groups. */
    public function getProtocolType(): string
    {
        return $this->protocolType;
    }

    /** The assignor, for example "range" or "cooperative-sticky". */
    public function getProtocol(): string
    {
        return $this->protocol;
    }

    public function getMemberCount(): int
    {
        return $this->memberCount;
    }
}
