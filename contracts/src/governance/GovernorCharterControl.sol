// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IHandoverCharter} from "../interfaces/IHandoverCharter.sol";

/**
 * @title GovernorCharterControl
 * @notice Like OpenZeppelin's GovernorTimelockControl, but proposals are scheduled and cancelled through the
 * {IHandoverCharter}, the timelock's only proposer and canceller, which admits the governor from the TRANSITION phase
 * on. Execution goes straight to the timelock, whose executor role is open.
 */
abstract contract GovernorCharterControl is Governor {
    /// @notice The treasury timelock that executes proposals.
    TimelockController public immutable timelock;
    /// @notice The charter proposals are scheduled through.
    IHandoverCharter public immutable charter;

    mapping(uint256 proposalId => bytes32) private _timelockIds;

    /**
     * @param timelock_ the treasury timelock
     * @param charter_ the handover charter in front of it
     */
    constructor(TimelockController timelock_, IHandoverCharter charter_) {
        timelock = timelock_;
        charter = charter_;
    }

    /// @notice The proposal state, taking into account cancellations and executions made on the timelock.
    function state(uint256 proposalId) public view virtual override returns (ProposalState) {
        ProposalState currentState = super.state(proposalId);
        if (currentState != ProposalState.Queued) return currentState;
        bytes32 queueId = _timelockIds[proposalId];
        if (timelock.isOperationPending(queueId)) return ProposalState.Queued;
        if (timelock.isOperationDone(queueId)) return ProposalState.Executed;
        return ProposalState.Canceled; // cancelled on the timelock (for instance by the Foundation's guardian veto)
    }

    /// @notice Every proposal waits in the timelock.
    function proposalNeedsQueuing(uint256) public view virtual override returns (bool) {
        return true;
    }

    /// @dev Schedules the proposal through the charter with the timelock's minimum delay.
    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal virtual override returns (uint48) {
        uint256 delay = timelock.getMinDelay();
        bytes32 salt = _timelockSalt(descriptionHash);
        _timelockIds[proposalId] = timelock.hashOperationBatch(targets, values, calldatas, 0, salt);
        charter.scheduleBatch(targets, values, calldatas, 0, salt, delay);
        return SafeCast.toUint48(block.timestamp + delay);
    }

    /// @dev Executes the queued proposal on the timelock.
    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal virtual override {
        timelock.executeBatch{value: msg.value}(targets, values, calldatas, 0, _timelockSalt(descriptionHash));
        delete _timelockIds[proposalId];
    }

    /// @dev Cancels the proposal, and its timelock operation through the charter if it was queued.
    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal virtual override returns (uint256) {
        uint256 proposalId = super._cancel(targets, values, calldatas, descriptionHash);
        bytes32 timelockId = _timelockIds[proposalId];
        if (timelockId != 0) {
            charter.cancel(timelockId);
            delete _timelockIds[proposalId];
        }
        return proposalId;
    }

    /// @dev Proposals act as the timelock.
    function _executor() internal view virtual override returns (address) {
        return address(timelock);
    }

    /// @dev The timelock salt, bound to this governor like OpenZeppelin's.
    function _timelockSalt(bytes32 descriptionHash) private view returns (bytes32) {
        return bytes20(address(this)) ^ descriptionHash;
    }
}
