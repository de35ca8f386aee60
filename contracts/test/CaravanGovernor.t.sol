// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {CaravanGovernor} from "../src/CaravanGovernor.sol";
import {FoundationVesting} from "../src/FoundationVesting.sol";
import {HandoverCharter} from "../src/HandoverCharter.sol";
import {GovernorDualVotes} from "../src/governance/GovernorDualVotes.sol";
import {IHandoverCharter} from "../src/interfaces/IHandoverCharter.sol";
import {GovernanceTest} from "./utils/GovernanceTest.sol";

contract CaravanGovernorTest is GovernanceTest {
    function test_getVotes_countsTokenAndReceiptVotes() public {
        uint256 asset = _registerDataset(alice);
        _issue(voter, asset, 7);
        _issue(carol, asset, 3);
        vm.roll(block.number + 1);
        uint256 snapshot = block.number - 1;
        assertEq(governor.getVotes(voter, snapshot), 1_000e18 + 7 * RECEIPT_WEIGHT);
        assertEq(governor.getVotes(carol, snapshot), 3 * RECEIPT_WEIGHT);
        // Foundation tokens are not delegated: no votes.
        assertEq(governor.getVotes(foundation, snapshot), 0);
        // 4% of (1500 tokens + 10 receipt shares).
        assertEq(governor.quorum(snapshot), (1_500e18 + 10 * RECEIPT_WEIGHT) * 4 / 100);
        assertEq(governor.clock(), block.number);
        assertEq(governor.CLOCK_MODE(), "mode=blocknumber&from=default");
    }

    function test_constructor_revertsWithGovernorDualVotesInvalidQuorum() public {
        vm.expectRevert(abi.encodeWithSelector(GovernorDualVotes.GovernorDualVotesInvalidQuorum.selector, 101));
        new CaravanGovernor(
            IERC5805(address(token)),
            IERC5805(address(receipts)),
            TimelockController(payable(address(timelock))),
            IHandoverCharter(address(charter)),
            CaravanGovernor.Config(1, 10, 0, 101, 1)
        );
    }

    function test_queue_revertsWithHandoverCharterUnauthorizedInFoundationPhase() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _payment(bob, 1 ether);
        uint256 id = _passProposal(t, v, c, "pay bob");
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterUnauthorized.selector, address(governor), HandoverCharter.Phase.FOUNDATION
            )
        );
        governor.queue(t, v, c, keccak256("pay bob"));
    }

    function test_execute_daoProposalInTransition() public {
        _startTransition();
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _payment(bob, 1 ether);
        uint256 id = _passProposal(t, v, c, "pay bob");
        governor.queue(t, v, c, keccak256("pay bob"));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Queued));
        vm.warp(block.timestamp + DELAY);
        governor.execute(t, v, c, keccak256("pay bob"));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Executed));
        assertEq(bob.balance, 1 ether);
    }

    function test_execute_receiptHoldersAloneCanPass() public {
        uint256 asset = _registerDataset(alice);
        _issue(carol, asset, 1_000);
        _startTransition();
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _payment(carol, 2 ether);
        vm.roll(block.number + 1);
        vm.prank(carol);
        uint256 id = governor.propose(t, v, c, "receipts");
        vm.roll(block.number + VOTING_DELAY + 1);
        vm.prank(carol);
        governor.castVote(id, 1);
        vm.roll(block.number + VOTING_PERIOD);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
    }

    function test_state_canceledByGuardianVeto() public {
        _startTransition();
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _payment(bob, 1 ether);
        uint256 id = _passProposal(t, v, c, "pay bob");
        governor.queue(t, v, c, keccak256("pay bob"));
        bytes32 opId = timelock.hashOperationBatch(t, v, c, 0, bytes20(address(governor)) ^ keccak256("pay bob"));
        vm.prank(foundation);
        charter.cancel(opId);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Canceled));
    }

    function test_execute_daoVoteApprovesHandover() public {
        _startTransition();
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _call(address(charter), abi.encodeCall(HandoverCharter.approveHandover, ()));
        _passProposal(t, v, c, "hand over");
        governor.queue(t, v, c, keccak256("hand over"));
        vm.warp(block.timestamp + DELAY);
        governor.execute(t, v, c, keccak256("hand over"));
        assertTrue(charter.handoverApproved());
        vm.warp(transitionNotBefore + MIN_TRANSITION);
        charter.completeHandover();
        assertEq(uint8(charter.phase()), uint8(HandoverCharter.Phase.DAO));

        // The DAO keeps governing in the DAO phase.
        (t, v, c) = _payment(bob, 3 ether);
        _passProposal(t, v, c, "after");
        governor.queue(t, v, c, keccak256("after"));
        vm.warp(block.timestamp + DELAY);
        governor.execute(t, v, c, keccak256("after"));
        assertEq(bob.balance, 3 ether);
    }

    function test_execute_daoRevokesFoundationVesting() public {
        FoundationVesting vesting = new FoundationVesting(foundation, address(timelock), uint64(block.timestamp), 400 days);
        vm.deal(address(vesting), 400 ether);
        _startTransition();
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _call(address(vesting), abi.encodeCall(FoundationVesting.revoke, ()));
        _passProposal(t, v, c, "revoke");
        governor.queue(t, v, c, keccak256("revoke"));
        vm.warp(block.timestamp + DELAY);
        governor.execute(t, v, c, keccak256("revoke"));
        uint256 vestedSeconds = block.timestamp - vesting.start();
        assertEq(vesting.revokedAt(), block.timestamp);
        uint256 treasuryBefore = address(timelock).balance;
        vesting.reclaim();
        assertEq(address(timelock).balance - treasuryBefore, 400 ether - (400 ether * vestedSeconds) / 400 days);
    }

    function test_cancel_pendingProposalByProposer() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _payment(bob, 1 ether);
        vm.prank(voter);
        uint256 id = governor.propose(t, v, c, "oops");
        vm.prank(voter);
        governor.cancel(t, v, c, keccak256("oops"));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Canceled));
    }

    function test_updateVotingPeriod_onlyByGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, bob));
        vm.prank(bob);
        governor.setVotingPeriod(10);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.proposalThreshold(), 0);
        assertTrue(governor.proposalNeedsQueuing(0));
        assertEq(address(governor.timelock()), address(timelock));
    }

    function testFuzz_getVotes_weightsReceipts(uint64 tokens, uint64 shares) public {
        shares = uint64(bound(shares, 1, type(uint64).max));
        vm.prank(voter);
        token.transfer(carol, bound(tokens, 0, 1_000e18));
        vm.prank(carol);
        token.delegate(carol);
        uint256 asset = _registerDataset(alice);
        _issue(carol, asset, shares);
        vm.roll(block.number + 1);
        assertEq(
            governor.getVotes(carol, block.number - 1), token.balanceOf(carol) + uint256(shares) * RECEIPT_WEIGHT
        );
    }
}
