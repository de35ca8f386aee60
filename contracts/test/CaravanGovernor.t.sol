// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CaravanGovernor} from "../src/CaravanGovernor.sol";
import {CaravanToken} from "../src/CaravanToken.sol";
import {FoundationVesting} from "../src/FoundationVesting.sol";
import {HandoverCharter} from "../src/HandoverCharter.sol";
import {GovernorDualVotes} from "../src/governance/GovernorDualVotes.sol";
import {IHandoverCharter} from "../src/interfaces/IHandoverCharter.sol";
import {GovernanceTest} from "./utils/GovernanceTest.sol";

contract CaravanGovernorTest is GovernanceTest {
    /// @dev R for a token supply `supply`: what all receipts weigh together.
    function _receiptWeight(uint256 supply) internal pure returns (uint256) {
        return supply * RECEIPT_VOTE_BPS / (10_000 - RECEIPT_VOTE_BPS);
    }

    function test_getVotes_countsTokenAndReceiptVotes() public {
        uint256 asset = _registerDataset(alice);
        _issue(voter, asset, 7);
        _issue(carol, asset, 3);
        vm.roll(block.number + 1);
        uint256 snapshot = block.number - 1;
        uint256 supply = 1_500e18;
        uint256 weight = _receiptWeight(supply); // receipts: 30 % of all votes
        assertEq(governor.totalReceiptWeight(snapshot), weight);
        // Each holder's slice: units * T * r / (S * (1 - r)), rounded down once.
        uint256 voterReceiptVotes = supply * RECEIPT_VOTE_BPS * 7 / ((10_000 - RECEIPT_VOTE_BPS) * 10);
        assertEq(voterReceiptVotes, 450e18); // 7/10 of R = 1,500 tokens × 30 % / 70 %
        assertEq(governor.getReceiptVotes(voter, snapshot), voterReceiptVotes);
        assertEq(governor.getVotes(voter, snapshot), 1_000e18 + voterReceiptVotes);
        assertEq(governor.getVotes(carol, snapshot), supply * RECEIPT_VOTE_BPS * 3 / ((10_000 - RECEIPT_VOTE_BPS) * 10));
        // Foundation tokens are not delegated: no votes.
        assertEq(governor.getVotes(foundation, snapshot), 0);
        assertEq(governor.votingSupply(snapshot), supply + weight);
        assertEq(governor.quorum(snapshot), (supply + weight) * 4 / 100);
        assertEq(governor.clock(), block.number);
        assertEq(governor.CLOCK_MODE(), "mode=blocknumber&from=default");
    }

    function test_getVotes_receiptsWeighNothingWhileNoneExist() public {
        vm.roll(block.number + 1);
        assertEq(governor.totalReceiptWeight(block.number - 1), 0);
        assertEq(governor.votingSupply(block.number - 1), 1_500e18);
        assertEq(governor.getVotes(voter, block.number - 1), 1_000e18);
    }

    function test_getVotes_moreReceiptsDiluteReceiptHoldersNotTokenHolders() public {
        uint256 asset = _registerDataset(alice);
        _issue(carol, asset, 1_000_000); // one whole asset: once worth the whole token supply
        vm.roll(block.number + 1);
        uint256 before = block.number - 1;
        assertEq(governor.getVotes(carol, before), _receiptWeight(1_500e18));
        assertLt(governor.getVotes(carol, before), governor.getVotes(voter, before));
        uint256 other = _registerDataset(alice);
        _issue(bob, other, 1_000_000);
        vm.roll(block.number + 1);
        uint256 later = block.number - 1;
        assertEq(governor.getVotes(carol, later), _receiptWeight(1_500e18) / 2);
        assertEq(governor.getVotes(bob, later), _receiptWeight(1_500e18) / 2);
        assertEq(governor.getVotes(voter, later), 1_000e18);
        assertEq(governor.quorum(later), governor.quorum(before));
    }

    function test_constructor_revertsWithGovernorDualVotesInvalidQuorum() public {
        vm.expectRevert(abi.encodeWithSelector(GovernorDualVotes.GovernorDualVotesInvalidQuorum.selector, 101));
        _newGovernor(101, 1);
    }

    function test_constructor_revertsWithGovernorDualVotesInvalidReceiptShare() public {
        vm.expectRevert(abi.encodeWithSelector(GovernorDualVotes.GovernorDualVotesInvalidReceiptShare.selector, 0));
        _newGovernor(0, 0);
        vm.expectRevert(abi.encodeWithSelector(GovernorDualVotes.GovernorDualVotesInvalidReceiptShare.selector, 10_000));
        _newGovernor(0, 10_000);
    }

    function test_constructor_revertsWithGovernorDualVotesUnreachableQuorum() public {
        // Receipts alone (30 %) could not reach a 31 % quorum.
        vm.expectRevert(abi.encodeWithSelector(GovernorDualVotes.GovernorDualVotesUnreachableQuorum.selector, 31, 3_000));
        _newGovernor(31, 3_000);
        // Tokens alone (20 %) could not reach a 21 % quorum.
        vm.expectRevert(abi.encodeWithSelector(GovernorDualVotes.GovernorDualVotesUnreachableQuorum.selector, 21, 8_000));
        _newGovernor(21, 8_000);
        _newGovernor(30, 3_000); // the edge is allowed
    }

    function _newGovernor(uint256 quorumPercent, uint256 receiptVoteBps) internal returns (CaravanGovernor) {
        return _newGovernor(token, quorumPercent, receiptVoteBps);
    }

    function _newGovernor(CaravanToken token_, uint256 quorumPercent, uint256 receiptVoteBps)
        internal
        returns (CaravanGovernor)
    {
        return new CaravanGovernor(
            IERC5805(address(token_)),
            IERC5805(address(receipts)),
            TimelockController(payable(address(timelock))),
            IHandoverCharter(address(charter)),
            CaravanGovernor.Config(1, 10, 0, quorumPercent, receiptVoteBps)
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

    function testFuzz_getVotes_weightsReceipts(uint64 tokens, uint256 shares) public {
        shares = bound(shares, 1, receipts.MAX_SHARES_PER_ISSUE());
        vm.prank(voter);
        token.transfer(carol, bound(tokens, 0, 1_000e18));
        vm.prank(carol);
        token.delegate(carol);
        uint256 asset = _registerDataset(alice);
        _issue(carol, asset, shares);
        vm.roll(block.number + 1);
        // Carol holds every receipt share: all of R, whatever their number.
        assertEq(governor.getVotes(carol, block.number - 1), token.balanceOf(carol) + _receiptWeight(1_500e18));
    }

    /// @dev Whatever the token supply, the receipt fraction and the receipts issued: receipts together carry the
    /// fraction r of all votes (up to rounding), and quorum is reachable by token holders alone and by receipt
    /// holders alone.
    function testFuzz_votingSupply_receiptsCarryFixedFraction(
        uint256 supply,
        uint256 receiptVoteBps,
        uint256[3] memory shares,
        uint256 receiptCount
    ) public {
        supply = bound(supply, 1, 1e33);
        receiptVoteBps = bound(receiptVoteBps, 100, 9_900);
        uint256 quorumPercent = Math.min(receiptVoteBps, 10_000 - receiptVoteBps) / 100;
        address[] memory holders = new address[](1);
        uint256[] memory amounts = new uint256[](1);
        holders[0] = voter;
        amounts[0] = supply;
        CaravanToken fuzzToken = new CaravanToken(holders, amounts);
        vm.prank(voter);
        fuzzToken.delegate(voter);
        CaravanGovernor g = _newGovernor(fuzzToken, quorumPercent, receiptVoteBps);

        address[3] memory who = [alice, bob, carol];
        receiptCount = bound(receiptCount, 1, 3);
        for (uint256 i = 0; i < receiptCount; ++i) {
            _issue(who[i], _registerDataset(alice), bound(shares[i], 1, receipts.MAX_SHARES_PER_ISSUE()));
        }
        vm.roll(block.number + 1);
        uint256 t = block.number - 1;

        uint256 weight = g.totalReceiptWeight(t);
        assertEq(weight, Math.mulDiv(supply, receiptVoteBps, 10_000 - receiptVoteBps));
        // R / (T + R) = r, up to one unit of rounding in R.
        assertApproxEqAbs(weight * 10_000, (supply + weight) * receiptVoteBps, 10_000);
        uint256 receiptVotesSum = 0;
        for (uint256 i = 0; i < receiptCount; ++i) {
            receiptVotesSum += g.getVotes(who[i], t);
        }
        assertLe(receiptVotesSum, weight);
        assertGe(receiptVotesSum + receiptCount, weight);
        assertEq(g.getVotes(voter, t), supply);
        assertLe(g.quorum(t), supply); // token holders alone reach quorum
        assertLe(g.quorum(t), receiptVotesSum + receiptCount); // receipt holders alone reach it (up to rounding)
    }
}
