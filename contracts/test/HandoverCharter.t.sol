// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {FoundationVesting} from "../src/FoundationVesting.sol";
import {HandoverCharter} from "../src/HandoverCharter.sol";
import {Receipts} from "../src/Receipts.sol";
import {RevenuePool} from "../src/RevenuePool.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";
import {GovernanceTest} from "./utils/GovernanceTest.sol";

contract HandoverCharterTest is GovernanceTest {
    event PhaseChanged(HandoverCharter.Phase indexed from, HandoverCharter.Phase indexed to, address caller);
    event GuardianCancelled(bytes32 indexed id);
    event HandoverApproved();
    event OperationProposed(bytes32 indexed id, address indexed proposer, HandoverCharter.Phase phase, uint256 calls);

    function _unauthorized(address account, HandoverCharter.Phase phase) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(HandoverCharter.HandoverCharterUnauthorized.selector, account, phase);
    }

    function test_constructor_startsInFoundationPhase() public view {
        assertEq(uint8(charter.phase()), uint8(HandoverCharter.Phase.FOUNDATION));
        assertEq(charter.foundation(), foundation);
        assertEq(charter.governor(), address(governor));
        assertEq(address(charter.timelock()), address(timelock));
        assertEq(charter.guardianExpiresAt(), 0);
        assertEq(charter.handoverDueAt(), 0);
        assertTrue(charter.canPropose(foundation));
        assertFalse(charter.canPropose(address(governor)));
    }

    function test_constructor_revertsWithHandoverCharterZeroAddress() public {
        vm.expectRevert(HandoverCharter.HandoverCharterZeroAddress.selector);
        new HandoverCharter(address(timelock), address(governor), address(0), 0, 1, 1, 1);
    }

    function test_constructor_revertsWithHandoverCharterInvalidSchedule() public {
        vm.expectRevert(abi.encodeWithSelector(HandoverCharter.HandoverCharterInvalidSchedule.selector, 2, 1, 1));
        new HandoverCharter(address(timelock), address(governor), foundation, 0, 2, 1, 1);
    }

    function test_timelock_hasNoAdminAndOpenExecutor() public view {
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)));
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)));
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(charter)));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(charter)));
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), foundation));
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), address(governor)));
    }

    function test_schedule_foundationRunsTreasuryInFoundationPhase() public {
        _foundationSchedule(bob, 1 ether, "", bytes32("pay"));
        vm.warp(block.timestamp + DELAY);
        vm.prank(carol); // anyone executes
        timelock.execute(bob, 1 ether, "", bytes32(0), bytes32("pay"));
        assertEq(bob.balance, 1 ether);
    }

    function test_schedule_revertsWithHandoverCharterUnauthorized() public {
        vm.expectRevert(_unauthorized(bob, HandoverCharter.Phase.FOUNDATION));
        vm.prank(bob);
        charter.schedule(bob, 1, "", bytes32(0), bytes32(0), DELAY);
        vm.expectRevert(_unauthorized(address(governor), HandoverCharter.Phase.FOUNDATION));
        vm.prank(address(governor));
        charter.schedule(bob, 1, "", bytes32(0), bytes32(0), DELAY);
        _startTransition();
        vm.expectRevert(_unauthorized(foundation, HandoverCharter.Phase.TRANSITION));
        vm.prank(foundation);
        charter.schedule(bob, 1, "", bytes32(0), bytes32(0), DELAY);
        address[] memory targets = new address[](0);
        vm.expectRevert(_unauthorized(foundation, HandoverCharter.Phase.TRANSITION));
        vm.prank(foundation);
        charter.scheduleBatch(targets, new uint256[](0), new bytes[](0), bytes32(0), bytes32(0), DELAY);
    }

    function test_cancel_foundationInFoundationPhase() public {
        bytes32 id = _foundationSchedule(bob, 1 ether, "", bytes32("x"));
        vm.prank(foundation);
        charter.cancel(id);
        assertFalse(timelock.isOperation(id));
    }

    function test_cancel_revertsWithHandoverCharterUnauthorized() public {
        bytes32 id = _foundationSchedule(bob, 1 ether, "", bytes32("x"));
        vm.expectRevert(_unauthorized(bob, HandoverCharter.Phase.FOUNDATION));
        vm.prank(bob);
        charter.cancel(id);
    }

    function test_startTransition_anyoneOnceDue() public {
        vm.warp(transitionNotBefore - 1);
        vm.expectRevert(abi.encodeWithSelector(HandoverCharter.HandoverCharterNotDue.selector, transitionNotBefore));
        charter.startTransition();
        vm.warp(transitionNotBefore);
        vm.expectEmit(address(charter));
        emit PhaseChanged(HandoverCharter.Phase.FOUNDATION, HandoverCharter.Phase.TRANSITION, carol);
        vm.prank(carol);
        charter.startTransition();
        assertEq(uint8(charter.phase()), uint8(HandoverCharter.Phase.TRANSITION));
        assertEq(charter.transitionStartedAt(), transitionNotBefore);
        assertEq(charter.guardianExpiresAt(), transitionNotBefore + GUARDIAN);
        assertEq(charter.handoverDueAt(), transitionNotBefore + SUNSET);
        assertTrue(charter.canPropose(address(governor)));
        assertFalse(charter.canPropose(foundation));
    }

    function test_startTransition_revertsWithHandoverCharterWrongPhase() public {
        _startTransition();
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterWrongPhase.selector,
                HandoverCharter.Phase.TRANSITION,
                HandoverCharter.Phase.FOUNDATION
            )
        );
        charter.startTransition();
    }

    function test_cancel_guardianVetoUntilExpiry() public {
        bytes32 early = _foundationSchedule(bob, 1 ether, "", bytes32("a"));
        bytes32 late = _foundationSchedule(bob, 2 ether, "", bytes32("b"));
        _startTransition();
        vm.expectEmit(address(charter));
        emit GuardianCancelled(early);
        vm.prank(foundation);
        charter.cancel(early);
        assertFalse(timelock.isOperation(early));

        vm.warp(charter.guardianExpiresAt());
        assertFalse(charter.canCancel(foundation));
        vm.expectRevert(_unauthorized(foundation, HandoverCharter.Phase.TRANSITION));
        vm.prank(foundation);
        charter.cancel(late);
        // The DAO (through the timelock or the governor) may still cancel leftovers.
        vm.prank(address(governor));
        charter.cancel(late);
        assertFalse(timelock.isOperation(late));
    }

    function test_approveHandover_revertsWithHandoverCharterUnauthorized() public {
        _startTransition();
        vm.expectRevert(_unauthorized(foundation, HandoverCharter.Phase.TRANSITION));
        vm.prank(foundation);
        charter.approveHandover();
    }

    function test_approveHandover_revertsWithHandoverCharterWrongPhase() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterWrongPhase.selector,
                HandoverCharter.Phase.FOUNDATION,
                HandoverCharter.Phase.TRANSITION
            )
        );
        vm.prank(address(timelock));
        charter.approveHandover();
    }

    function test_completeHandover_afterApprovalAndMinimumTime() public {
        _startTransition();
        vm.expectEmit(address(charter));
        emit HandoverApproved();
        vm.prank(address(timelock));
        charter.approveHandover();
        assertTrue(charter.handoverApproved());
        uint256 due = transitionNotBefore + MIN_TRANSITION;
        assertEq(charter.handoverDueAt(), due);
        vm.warp(due - 1);
        vm.expectRevert(abi.encodeWithSelector(HandoverCharter.HandoverCharterNotDue.selector, due));
        charter.completeHandover();
        vm.warp(due);
        vm.prank(carol);
        charter.completeHandover();
        assertEq(uint8(charter.phase()), uint8(HandoverCharter.Phase.DAO));
    }

    function test_completeHandover_atSunsetWithoutApproval() public {
        _startTransition();
        uint256 due = transitionNotBefore + SUNSET;
        vm.warp(due - 1);
        vm.expectRevert(abi.encodeWithSelector(HandoverCharter.HandoverCharterNotDue.selector, due));
        charter.completeHandover();
        vm.warp(due);
        charter.completeHandover();
        assertEq(uint8(charter.phase()), uint8(HandoverCharter.Phase.DAO));
    }

    function test_completeHandover_revertsWithHandoverCharterWrongPhase() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterWrongPhase.selector,
                HandoverCharter.Phase.FOUNDATION,
                HandoverCharter.Phase.TRANSITION
            )
        );
        charter.completeHandover();
    }

    function test_daoPhase_isFinalAndFoundationHasNoPower() public {
        bytes32 pending = _foundationSchedule(bob, 1 ether, "", bytes32("p"));
        _startTransition();
        vm.warp(transitionNotBefore + SUNSET);
        charter.completeHandover();

        assertFalse(charter.canPropose(foundation));
        assertFalse(charter.canCancel(foundation));
        vm.startPrank(foundation);
        vm.expectRevert(_unauthorized(foundation, HandoverCharter.Phase.DAO));
        charter.cancel(pending);
        vm.expectRevert(_unauthorized(foundation, HandoverCharter.Phase.DAO));
        charter.schedule(bob, 1, "", bytes32(0), bytes32("q"), DELAY);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterWrongPhase.selector, HandoverCharter.Phase.DAO, HandoverCharter.Phase.FOUNDATION
            )
        );
        charter.startTransition();
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterWrongPhase.selector, HandoverCharter.Phase.DAO, HandoverCharter.Phase.TRANSITION
            )
        );
        charter.completeHandover();
        // The DAO cancels what the Foundation left pending.
        vm.prank(address(timelock));
        charter.cancel(pending);
        assertFalse(timelock.isOperation(pending));
    }

    function _forbidden(address target, bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(HandoverCharter.HandoverCharterForbiddenCall.selector, target, selector);
    }

    function test_schedule_revertsWithHandoverCharterForbiddenCall() public {
        _startTransition();
        bytes32 proposer = timelock.PROPOSER_ROLE();
        bytes memory grantSelf = abi.encodeCall(IAccessControl.grantRole, (proposer, foundation));
        bytes memory grantOther = abi.encodeCall(IAccessControl.grantRole, (proposer, bob));
        bytes memory revoke = abi.encodeCall(IAccessControl.revokeRole, (proposer, address(charter)));
        bytes memory zeroDelay = abi.encodeCall(TimelockController.updateDelay, (0));
        vm.startPrank(address(governor));
        // The timelock's own roles and delay cannot change before the DAO phase.
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.grantRole.selector));
        charter.schedule(address(timelock), 0, grantOther, bytes32(0), bytes32(0), DELAY);
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.revokeRole.selector));
        charter.schedule(address(timelock), 0, revoke, bytes32(0), bytes32(0), DELAY);
        vm.expectRevert(_forbidden(address(timelock), TimelockController.updateDelay.selector));
        charter.schedule(address(timelock), 0, zeroDelay, bytes32(0), bytes32(0), DELAY);
        // Nothing may grant the Foundation a role or ownership, on any contract.
        vm.expectRevert(_forbidden(address(registry), IAccessControl.grantRole.selector));
        charter.schedule(address(registry), 0, grantSelf, bytes32(0), bytes32(0), DELAY);
        bytes memory own = abi.encodeCall(Ownable.transferOwnership, (foundation));
        vm.expectRevert(_forbidden(address(bob), Ownable.transferOwnership.selector));
        charter.schedule(bob, 0, own, bytes32(0), bytes32(0), DELAY);
        address[] memory targets = new address[](2);
        bytes[] memory payloads = new bytes[](2);
        targets[0] = bob;
        targets[1] = address(timelock);
        payloads[1] = grantOther;
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.grantRole.selector));
        charter.scheduleBatch(targets, new uint256[](2), payloads, bytes32(0), bytes32(0), DELAY);
        // The DAO may change other contracts' roles in TRANSITION.
        charter.schedule(address(registry), 0, grantOther, bytes32(0), bytes32(0), DELAY);
        vm.stopPrank();
    }

    function test_schedule_daoManagesTimelockRolesInDaoPhase() public {
        _startTransition();
        vm.warp(transitionNotBefore + SUNSET);
        charter.completeHandover();
        bytes32 proposer = timelock.PROPOSER_ROLE();
        vm.startPrank(address(governor));
        charter.schedule(
            address(timelock), 0, abi.encodeCall(IAccessControl.grantRole, (proposer, bob)), bytes32(0), bytes32(0), DELAY
        );
        charter.schedule(
            address(timelock), 0, abi.encodeCall(TimelockController.updateDelay, (1 days)), bytes32(0), bytes32(0), DELAY
        );
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.grantRole.selector));
        charter.schedule(
            address(timelock), 0, abi.encodeCall(IAccessControl.grantRole, (proposer, foundation)), bytes32(0), bytes32(0), DELAY
        );
        vm.stopPrank();
    }

    // ------------------------------------------------------------ the FOUNDATION phase's allowlist

    function _notAllowed(address target, bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(
            HandoverCharter.HandoverCharterCallNotAllowed.selector, HandoverCharter.Phase.FOUNDATION, target, selector
        );
    }

    /// @dev As the Foundation, expects scheduling `data` on `target` (alone, and through checkCall) to be refused.
    function _expectRefused(address target, bytes memory data) internal {
        bytes memory reason = _notAllowed(target, bytes4(data));
        vm.expectRevert(reason);
        charter.checkCall(target, data);
        vm.expectRevert(reason);
        vm.prank(foundation);
        charter.schedule(target, 0, data, bytes32(0), bytes32(0), DELAY);
    }

    function _pool() internal returns (RevenuePool) {
        return new RevenuePool(address(registry), address(receipts), address(timelock), address(timelock), 500, 2_000);
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_grantRoleToAnotherAddress() public {
        bytes32 operatorRole = registry.OPERATOR_ROLE();
        _expectRefused(address(registry), abi.encodeCall(IAccessControl.grantRole, (operatorRole, bob)));
        _expectRefused(address(registry), abi.encodeCall(IAccessControl.grantRole, (bytes32(0), bob)));
        _expectRefused(address(timelock), abi.encodeCall(IAccessControl.grantRole, (timelock.PROPOSER_ROLE(), bob)));
        _expectRefused(address(registry), abi.encodeCall(IAccessControl.grantRole, (operatorRole, foundation)));
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_revokeRole() public {
        _expectRefused(address(registry), abi.encodeCall(IAccessControl.revokeRole, (registry.OPERATOR_ROLE(), operator)));
        _expectRefused(
            address(timelock), abi.encodeCall(IAccessControl.revokeRole, (timelock.PROPOSER_ROLE(), address(charter)))
        );
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_renounceRole() public {
        _expectRefused(
            address(registry), abi.encodeCall(IAccessControl.renounceRole, (bytes32(0), address(timelock)))
        );
        _expectRefused(
            address(timelock), abi.encodeCall(IAccessControl.renounceRole, (bytes32(0), address(timelock)))
        );
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_transferOwnershipOnEachOwnable() public {
        address[3] memory ownables = [
            address(_pool()),
            address(new TestStablecoin(address(timelock))),
            address(new FoundationVesting(foundation, address(timelock), uint64(block.timestamp), 365 days))
        ];
        for (uint256 i = 0; i < ownables.length; ++i) {
            _expectRefused(ownables[i], abi.encodeCall(Ownable.transferOwnership, (bob)));
            _expectRefused(ownables[i], abi.encodeCall(Ownable.transferOwnership, (foundation)));
            _expectRefused(ownables[i], abi.encodeCall(Ownable.renounceOwnership, ()));
        }
        // The pool's fee recipient decides where fees go for good: not the Foundation's to move either.
        _expectRefused(ownables[0], abi.encodeCall(RevenuePool.setFeeRecipient, (foundation)));
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_updateDelay() public {
        _expectRefused(address(timelock), abi.encodeCall(TimelockController.updateDelay, (0)));
        _expectRefused(address(timelock), abi.encodeCall(TimelockController.updateDelay, (30 days)));
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_upgradeAndAdminCalls() public {
        // UUPS / transparent-proxy upgrades and admin changes, on any address.
        _expectRefused(bob, abi.encodeWithSignature("upgradeToAndCall(address,bytes)", carol, ""));
        _expectRefused(bob, abi.encodeWithSignature("changeAdmin(address)", carol));
        // The governor: relaying arbitrary calls as the timelock, and its own settings.
        _expectRefused(
            address(governor),
            abi.encodeCall(
                Governor.relay,
                (address(registry), 0, abi.encodeCall(IAccessControl.grantRole, (bytes32(0), foundation)))
            )
        );
        _expectRefused(address(governor), abi.encodeCall(GovernorSettings.setVotingPeriod, (1)));
        _expectRefused(address(governor), abi.encodeCall(GovernorSettings.setProposalThreshold, (0)));
        // The receipts' revenue wiring, the vesting's revocation, the charter's own moves, the timelock's own queue.
        _expectRefused(address(receipts), abi.encodeCall(Receipts.setShareObserver, (bob)));
        _expectRefused(address(charter), abi.encodeCall(HandoverCharter.approveHandover, ()));
        _expectRefused(address(timelock), abi.encodeCall(TimelockController.cancel, (bytes32(0))));
        // A fallback reached with fewer than 4 bytes.
        _expectRefused(bob, hex"0102");
    }

    function test_scheduleBatch_revertsWithHandoverCharterCallNotAllowed_hiddenCall() public {
        RevenuePool pool = _pool();
        bytes[4] memory hidden = [
            abi.encodeCall(IAccessControl.grantRole, (registry.OPERATOR_ROLE(), bob)),
            abi.encodeCall(IAccessControl.revokeRole, (registry.OPERATOR_ROLE(), operator)),
            abi.encodeCall(Ownable.transferOwnership, (bob)),
            abi.encodeCall(TimelockController.updateDelay, (0))
        ];
        address[4] memory hiddenTargets = [address(registry), address(registry), address(pool), address(timelock)];
        for (uint256 h = 0; h < hidden.length; ++h) {
            address[] memory targets = new address[](3);
            bytes[] memory payloads = new bytes[](3);
            targets[0] = bob; // a plain payment
            targets[1] = address(pool);
            payloads[1] = abi.encodeCall(RevenuePool.setFee, (100));
            targets[2] = hiddenTargets[h];
            payloads[2] = hidden[h];
            vm.expectRevert(_notAllowed(hiddenTargets[h], bytes4(hidden[h])));
            vm.prank(foundation);
            charter.scheduleBatch(targets, new uint256[](3), payloads, bytes32(0), bytes32(h), DELAY);
        }
    }

    function test_schedule_revertsWithHandoverCharterCallNotAllowed_trailingData() public {
        // An allowlisted selector with anything appended is no longer the allowlisted call.
        _expectRefused(address(token), abi.encodePacked(abi.encodeCall(IERC20.transfer, (bob, 1)), bytes32(0)));
        _expectRefused(address(token), abi.encodePacked(IERC20.transfer.selector, bytes32(0)));
    }

    function test_schedule_revertsWithHandoverCharterValueOutOfBounds() public {
        RevenuePool pool = _pool();
        uint256 maxFee = charter.FOUNDATION_MAX_FEE_BPS();
        uint256 maxRoyalty = charter.FOUNDATION_MAX_ROYALTY_BPS();
        vm.startPrank(foundation);
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterValueOutOfBounds.selector, RevenuePool.setFee.selector, maxFee + 1, maxFee
            )
        );
        charter.schedule(address(pool), 0, abi.encodeCall(RevenuePool.setFee, (maxFee + 1)), bytes32(0), 0, DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(
                HandoverCharter.HandoverCharterValueOutOfBounds.selector,
                RevenuePool.setRoyalty.selector,
                maxRoyalty + 1,
                maxRoyalty
            )
        );
        charter.schedule(address(pool), 0, abi.encodeCall(RevenuePool.setRoyalty, (maxRoyalty + 1)), bytes32(0), 0, DELAY);
        vm.stopPrank();
    }

    function test_schedule_foundationRunsAllowlistedCalls() public {
        RevenuePool pool = _pool();
        vm.prank(voter);
        token.transfer(address(timelock), 10e18);
        address[] memory targets = new address[](5);
        uint256[] memory values = new uint256[](5);
        bytes[] memory payloads = new bytes[](5);
        targets[0] = bob;
        values[0] = 1 ether;
        targets[1] = address(token);
        payloads[1] = abi.encodeCall(IERC20.transfer, (carol, 10e18));
        targets[2] = address(pool);
        payloads[2] = abi.encodeCall(RevenuePool.setFee, (charter.FOUNDATION_MAX_FEE_BPS()));
        targets[3] = address(pool);
        payloads[3] = abi.encodeCall(RevenuePool.setRoyalty, (1_000));
        targets[4] = address(pool);
        payloads[4] = abi.encodeCall(RevenuePool.setCurrency, (address(token), true));
        bytes32 id = timelock.hashOperationBatch(targets, values, payloads, bytes32(0), bytes32("ok"));
        vm.expectEmit(address(charter));
        emit OperationProposed(id, foundation, HandoverCharter.Phase.FOUNDATION, 5);
        vm.prank(foundation);
        charter.scheduleBatch(targets, values, payloads, bytes32(0), bytes32("ok"), DELAY);
        vm.warp(block.timestamp + DELAY);
        timelock.executeBatch(targets, values, payloads, bytes32(0), bytes32("ok"));
        assertEq(bob.balance, 1 ether);
        assertEq(token.balanceOf(carol), 10e18);
        assertEq(pool.feeBps(), 1_000);
        assertEq(pool.royaltyBps(), 1_000);
        assertTrue(pool.isCurrencyEnabled(address(token)));
        for (uint256 i = 0; i < targets.length; ++i) {
            charter.checkCall(targets[i], payloads[i]); // does not revert
        }
    }

    function test_schedule_emitsOperationProposed() public {
        bytes32 id = timelock.hashOperation(bob, 1 ether, "", bytes32(0), bytes32("e"));
        vm.expectEmit(address(charter));
        emit OperationProposed(id, foundation, HandoverCharter.Phase.FOUNDATION, 1);
        _foundationSchedule(bob, 1 ether, "", bytes32("e"));
    }

    /// @dev Any selector off the allowlist is refused in the FOUNDATION phase, whatever its arguments.
    function testFuzz_schedule_foundationRefusesEverySelectorOffTheAllowlist(address target, bytes4 selector, bytes memory args)
        public
    {
        vm.assume(
            selector != IERC20.transfer.selector && selector != RevenuePool.setCurrency.selector
                && selector != RevenuePool.setFee.selector && selector != RevenuePool.setRoyalty.selector
        );
        bytes memory data = abi.encodePacked(selector, args);
        vm.expectRevert(_notAllowed(target, selector));
        vm.prank(foundation);
        charter.schedule(target, 0, data, bytes32(0), bytes32(0), DELAY);
    }

    function testFuzz_canCancel_guardianOnlyBeforeExpiry(uint64 elapsed) public {
        _startTransition();
        elapsed = uint64(bound(elapsed, 0, SUNSET));
        vm.warp(transitionNotBefore + elapsed);
        assertEq(charter.canCancel(foundation), elapsed < GUARDIAN);
        assertFalse(charter.canPropose(foundation));
    }
}
