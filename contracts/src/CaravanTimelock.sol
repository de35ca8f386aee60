// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/**
 * @title CaravanTimelock
 * @notice The treasury: an OpenZeppelin TimelockController with no admin (it administers only itself), whose sole
 * proposer and canceller is the {HandoverCharter} and whose executor role is open to anyone. Every treasury action
 * therefore goes through the charter's phase rules and waits out the delay.
 */
contract CaravanTimelock is TimelockController {
    /**
     * @param minDelay seconds between scheduling and execution
     * @param proposers proposers and cancellers (the handover charter)
     * @param executors executors (`[address(0)]`: anyone)
     */
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors)
        TimelockController(minDelay, proposers, executors, address(0))
    {}
}
