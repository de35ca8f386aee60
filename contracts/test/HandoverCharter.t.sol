// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {HandoverCharter} from "../src/HandoverCharter.sol";
import {GovernanceTest} from "./utils/GovernanceTest.sol";

contract HandoverCharterTest is GovernanceTest {
    event PhaseChanged(HandoverCharter.Phase indexed from, HandoverCharter.Phase indexed to, address caller);
    event GuardianCancelled(bytes32 indexed id);
    event HandoverApproved();

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
        bytes32 proposer = timelock.PROPOSER_ROLE();
        bytes memory grantSelf = abi.encodeCall(IAccessControl.grantRole, (proposer, foundation));
        bytes memory grantOther = abi.encodeCall(IAccessControl.grantRole, (proposer, bob));
        bytes memory revoke = abi.encodeCall(IAccessControl.revokeRole, (proposer, address(charter)));
        vm.startPrank(foundation);
        // The timelock's own roles cannot change before the DAO phase.
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.grantRole.selector));
        charter.schedule(address(timelock), 0, grantOther, bytes32(0), bytes32(0), DELAY);
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.revokeRole.selector));
        charter.schedule(address(timelock), 0, revoke, bytes32(0), bytes32(0), DELAY);
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
        // Other calls on other contracts are fine.
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
        vm.expectRevert(_forbidden(address(timelock), IAccessControl.grantRole.selector));
        charter.schedule(
            address(timelock), 0, abi.encodeCall(IAccessControl.grantRole, (proposer, foundation)), bytes32(0), bytes32(0), DELAY
        );
        vm.stopPrank();
    }

    function testFuzz_canCancel_guardianOnlyBeforeExpiry(uint64 elapsed) public {
        _startTransition();
        elapsed = uint64(bound(elapsed, 0, SUNSET));
        vm.warp(transitionNotBefore + elapsed);
        assertEq(charter.canCancel(foundation), elapsed < GUARDIAN);
        assertFalse(charter.canPropose(foundation));
    }
}
