// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {CaravanGovernor} from "../../src/CaravanGovernor.sol";
import {CaravanTimelock} from "../../src/CaravanTimelock.sol";
import {CaravanToken} from "../../src/CaravanToken.sol";
import {HandoverCharter} from "../../src/HandoverCharter.sol";
import {IHandoverCharter} from "../../src/interfaces/IHandoverCharter.sol";
import {CaravanTest} from "./CaravanTest.sol";

/// @dev CaravanTest plus governance: token, timelock (no admin, open executor), charter, governor.
abstract contract GovernanceTest is CaravanTest {
    address internal foundation = makeAddr("foundation");
    address internal voter = makeAddr("voter");

    uint256 internal constant DELAY = 2 days;
    uint64 internal constant GUARDIAN = 30 days;
    uint64 internal constant MIN_TRANSITION = 60 days;
    uint64 internal constant SUNSET = 365 days;
    uint48 internal constant VOTING_DELAY = 1;
    uint32 internal constant VOTING_PERIOD = 50;
    /// @dev Receipts carry 30 % of all voting power together.
    uint256 internal constant RECEIPT_VOTE_BPS = 3_000;

    uint64 internal transitionNotBefore;
    CaravanToken internal token;
    CaravanTimelock internal timelock;
    HandoverCharter internal charter;
    CaravanGovernor internal governor;

    function setUp() public virtual override {
        super.setUp();
        transitionNotBefore = uint64(block.timestamp + 90 days);
        address[] memory holders = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        holders[0] = voter;
        amounts[0] = 1_000e18;
        holders[1] = foundation;
        amounts[1] = 500e18;
        token = new CaravanToken(holders, amounts);
        vm.prank(voter);
        token.delegate(voter);

        uint256 nonce = vm.getNonce(address(this));
        address charterAddr = vm.computeCreateAddress(address(this), nonce + 1);
        address governorAddr = vm.computeCreateAddress(address(this), nonce + 2);
        address[] memory proposers = new address[](1);
        proposers[0] = charterAddr;
        address[] memory executors = new address[](1);
        executors[0] = address(0);
        timelock = new CaravanTimelock(DELAY, proposers, executors);
        charter = new HandoverCharter(
            address(timelock), governorAddr, foundation, transitionNotBefore, GUARDIAN, MIN_TRANSITION, SUNSET
        );
        governor = new CaravanGovernor(
            IERC5805(address(token)),
            IERC5805(address(receipts)),
            TimelockController(payable(address(timelock))),
            IHandoverCharter(address(charter)),
            CaravanGovernor.Config({
                votingDelay: VOTING_DELAY,
                votingPeriod: VOTING_PERIOD,
                proposalThreshold: 0,
                quorumPercent: 4,
                receiptVoteBps: RECEIPT_VOTE_BPS
            })
        );
        assertEq(address(charter), charterAddr);
        assertEq(address(governor), governorAddr);
        vm.deal(address(timelock), 100 ether);
        vm.roll(block.number + 1);
    }

    function _startTransition() internal {
        vm.warp(transitionNotBefore);
        charter.startTransition();
    }

    /// @dev A one-call proposal paying `amount` wei from the treasury to `to`.
    function _payment(address to, uint256 amount)
        internal
        pure
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = to;
        values[0] = amount;
    }

    function _call(address target, bytes memory data)
        internal
        pure
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        targets[0] = target;
        calldatas[0] = data;
    }

    /// @dev Proposes and votes a proposal through to Succeeded; returns its id.
    function _passProposal(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) internal returns (uint256 proposalId) {
        vm.prank(voter);
        proposalId = governor.propose(targets, values, calldatas, description);
        vm.roll(block.number + VOTING_DELAY + 1);
        vm.prank(voter);
        governor.castVote(proposalId, 1);
        vm.roll(block.number + VOTING_PERIOD);
    }

    /// @dev Foundation schedules a single call through the charter; returns the operation id.
    function _foundationSchedule(address target, uint256 value, bytes memory data, bytes32 salt)
        internal
        returns (bytes32 id)
    {
        vm.prank(foundation);
        charter.schedule(target, value, data, bytes32(0), salt, DELAY);
        id = timelock.hashOperation(target, value, data, bytes32(0), salt);
    }
}
