// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {HandoverCharter} from "../../src/HandoverCharter.sol";
import {CaravanTimelock} from "../../src/CaravanTimelock.sol";

/// @dev Moves time and tries every charter action as the Foundation, the governor, the timelock and strangers.
contract CharterHandler is Test {
    HandoverCharter public charter;
    CaravanTimelock public timelock;
    address public foundation;
    address public governor;
    bool public sawDao;
    uint256 public foundationActionsInDao;
    uint256 public scheduled;
    bytes32[] public ops;

    constructor(HandoverCharter charter_, CaravanTimelock timelock_) {
        charter = charter_;
        timelock = timelock_;
        foundation = charter_.foundation();
        governor = charter_.governor();
    }

    function _who(uint256 seed) private view returns (address) {
        uint256 pick = seed % 4;
        if (pick == 0) return foundation;
        if (pick == 1) return governor;
        if (pick == 2) return address(timelock);
        return address(0xBEEF);
    }

    function _track() private {
        if (charter.phase() == HandoverCharter.Phase.DAO) sawDao = true;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 120 days));
    }

    function startTransition(uint256 seed) external {
        vm.prank(_who(seed));
        try charter.startTransition() {} catch {}
        _track();
    }

    function approveHandover(uint256 seed) external {
        vm.prank(_who(seed));
        try charter.approveHandover() {} catch {}
    }

    function completeHandover(uint256 seed) external {
        vm.prank(_who(seed));
        try charter.completeHandover() {} catch {}
        _track();
    }

    function schedule(uint256 seed, bytes32 salt) external {
        address caller = _who(seed);
        HandoverCharter.Phase phase = charter.phase();
        uint256 delay = timelock.getMinDelay(); // read before the prank, which applies to the next call only
        vm.prank(caller);
        try charter.schedule(address(0xCAFE), 0, "", bytes32(0), salt, delay) {
            ops.push(timelock.hashOperation(address(0xCAFE), 0, "", bytes32(0), salt));
            ++scheduled;
            if (caller == foundation && phase == HandoverCharter.Phase.DAO) ++foundationActionsInDao;
        } catch {}
    }

    /// @dev Tries to give the Foundation a timelock role through a scheduled operation, then to execute it.
    function entrench(uint256 seed, uint256 roleSeed, bytes32 salt) external {
        bytes32[3] memory roles = [timelock.PROPOSER_ROLE(), timelock.CANCELLER_ROLE(), timelock.DEFAULT_ADMIN_ROLE()];
        bytes memory data = abi.encodeWithSignature("grantRole(bytes32,address)", roles[roleSeed % 3], foundation);
        uint256 delay = timelock.getMinDelay();
        vm.prank(_who(seed));
        try charter.schedule(address(timelock), 0, data, bytes32(0), salt, delay) {
            vm.warp(block.timestamp + delay);
            try timelock.execute(address(timelock), 0, data, bytes32(0), salt) {} catch {}
        } catch {}
    }

    function cancel(uint256 seed, uint256 opSeed) external {
        if (ops.length == 0) return;
        address caller = _who(seed);
        HandoverCharter.Phase phase = charter.phase();
        vm.prank(caller);
        try charter.cancel(ops[opSeed % ops.length]) {
            if (caller == foundation && phase == HandoverCharter.Phase.DAO) ++foundationActionsInDao;
        } catch {}
    }
}

contract HandoverCharterInvariantTest is Test {
    CharterHandler internal handler;
    HandoverCharter internal charter;
    CaravanTimelock internal timelock;
    address internal foundation = makeAddr("foundation");

    function setUp() public {
        address charterAddr = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 1);
        address[] memory proposers = new address[](1);
        proposers[0] = charterAddr;
        address[] memory executors = new address[](1);
        timelock = new CaravanTimelock(1 days, proposers, executors);
        charter = new HandoverCharter(
            address(timelock), makeAddr("governor"), foundation, uint64(block.timestamp + 30 days), 20 days, 40 days, 200 days
        );
        handler = new CharterHandler(charter, timelock);
        targetContract(address(handler));
    }

    /// @dev (c) Once in the DAO phase, no Foundation role exists anywhere, and the phase never goes back.
    function invariant_noFoundationPowerInDaoPhase() public view {
        if (handler.sawDao()) assertEq(uint8(charter.phase()), uint8(HandoverCharter.Phase.DAO));
        if (charter.phase() == HandoverCharter.Phase.DAO) {
            assertFalse(charter.canPropose(foundation));
            assertFalse(charter.canCancel(foundation));
            assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), foundation));
            assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), foundation));
            assertFalse(timelock.hasRole(timelock.CANCELLER_ROLE(), foundation));
            assertFalse(timelock.hasRole(timelock.EXECUTOR_ROLE(), foundation));
        }
        assertEq(handler.foundationActionsInDao(), 0);
        // In no phase does the Foundation hold a role on the timelock itself: it acts only through the charter.
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), foundation));
        assertFalse(timelock.hasRole(timelock.CANCELLER_ROLE(), foundation));
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), foundation));
        // The timelock never gains an admin besides itself.
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)));
    }

    /// @dev The guardian veto never outlives its on-chain expiry.
    function invariant_guardianExpires() public view {
        if (charter.phase() != HandoverCharter.Phase.FOUNDATION && block.timestamp >= charter.guardianExpiresAt()) {
            assertFalse(charter.canCancel(foundation));
        }
    }
}
