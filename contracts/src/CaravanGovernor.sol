// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {GovernorCharterControl} from "./governance/GovernorCharterControl.sol";
import {GovernorDualVotes} from "./governance/GovernorDualVotes.sol";
import {IHandoverCharter} from "./interfaces/IHandoverCharter.sol";

/**
 * @title CaravanGovernor
 * @notice The DAO's on-chain governor: OpenZeppelin Governor with simple (for/against/abstain) counting, voting power
 * from the governance token plus contribution receipts, receipts carrying a fixed fraction of the vote
 * ({GovernorDualVotes}), and execution through the treasury
 * timelock behind the {HandoverCharter} ({GovernorCharterControl}). Settings change only by vote.
 */
contract CaravanGovernor is GovernorSettings, GovernorCountingSimple, GovernorDualVotes, GovernorCharterControl {
    /// @notice Construction parameters.
    struct Config {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumPercent;
        uint256 receiptVoteBps;
    }

    /**
     * @param token_ the governance token
     * @param receipts_ the receipts
     * @param timelock_ the treasury timelock
     * @param charter_ the handover charter
     * @param config voting delay and period (blocks), proposal threshold, quorum percent, and the fraction of all
     * voting power receipts carry together (basis points)
     */
    constructor(
        IERC5805 token_,
        IERC5805 receipts_,
        TimelockController timelock_,
        IHandoverCharter charter_,
        Config memory config
    )
        Governor("Caravan Governor")
        GovernorSettings(config.votingDelay, config.votingPeriod, config.proposalThreshold)
        GovernorDualVotes(token_, receipts_, config.receiptVoteBps, config.quorumPercent)
        GovernorCharterControl(timelock_, charter_)
    {}

    /// @inheritdoc GovernorCharterControl
    function state(uint256 proposalId) public view override(Governor, GovernorCharterControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc GovernorCharterControl
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorCharterControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @inheritdoc GovernorSettings
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc GovernorDualVotes
    function clock() public view override(Governor, GovernorDualVotes) returns (uint48) {
        return super.clock();
    }

    /// @inheritdoc GovernorDualVotes
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public view override(Governor, GovernorDualVotes) returns (string memory) {
        return super.CLOCK_MODE();
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorCharterControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorCharterControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorCharterControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorCharterControl) returns (address) {
        return super._executor();
    }
}
