// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IHandoverCharter
 * @notice The gate in front of the treasury timelock that the governor schedules and cancels through.
 */
interface IHandoverCharter {
    /// @notice Schedules a batch on the timelock, if the caller may propose in the current phase.
    function scheduleBatch(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt,
        uint256 delay
    ) external;

    /// @notice Cancels a pending timelock operation, if the caller may cancel in the current phase.
    function cancel(bytes32 id) external;
}
