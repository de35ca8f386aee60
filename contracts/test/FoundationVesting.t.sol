// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {FoundationVesting} from "../src/FoundationVesting.sol";
import {MockERC20} from "./mocks/MockERC20.sol";

contract FoundationVestingTest is Test {
    address internal foundation = makeAddr("foundation");
    address internal dao = makeAddr("dao");
    uint64 internal start;
    uint64 internal constant DURATION = 400 days;
    FoundationVesting internal vesting;
    MockERC20 internal usd;

    function setUp() public {
        start = uint64(block.timestamp + 10 days);
        vesting = new FoundationVesting(foundation, dao, start, DURATION);
        usd = new MockERC20();
        usd.mint(address(vesting), 400e6);
        vm.deal(address(vesting), 400 ether);
    }

    function test_release_vestsLinearly() public {
        vm.warp(start + 100 days);
        vesting.release();
        vesting.release(address(usd));
        assertEq(foundation.balance, 100 ether);
        assertEq(usd.balanceOf(foundation), 100e6);
        assertEq(vesting.owner(), foundation);
    }

    function test_revoke_freezesVestingAndReturnsRestToDao() public {
        vm.warp(start + 100 days);
        vm.prank(dao);
        vesting.revoke();
        assertEq(vesting.revokedAt(), start + 100 days);
        vm.warp(start + 300 days);
        assertEq(vesting.releasable(), 100 ether);

        assertEq(vesting.reclaim(), 300 ether);
        assertEq(vesting.reclaim(address(usd)), 300e6);
        assertEq(dao.balance, 300 ether);
        assertEq(usd.balanceOf(dao), 300e6);

        vesting.release();
        vesting.release(address(usd));
        assertEq(foundation.balance, 100 ether);
        assertEq(usd.balanceOf(foundation), 100e6);
        assertEq(vesting.releasable(), 0);
        // Funds arriving after revocation go back to the DAO too.
        usd.mint(address(vesting), 5e6);
        assertEq(vesting.reclaim(address(usd)), 5e6);
    }

    function test_revoke_keepsAlreadyReleased() public {
        vm.warp(start + 200 days);
        vesting.release();
        vm.prank(dao);
        vesting.revoke();
        assertEq(vesting.reclaim(), 200 ether);
        assertEq(foundation.balance, 200 ether);
        assertEq(vesting.releasable(), 0);
    }

    function test_revoke_revertsWithFoundationVestingUnauthorized() public {
        vm.expectRevert(abi.encodeWithSelector(FoundationVesting.FoundationVestingUnauthorized.selector, foundation));
        vm.prank(foundation);
        vesting.revoke();
    }

    function test_revoke_revertsWithFoundationVestingAlreadyRevoked() public {
        vm.startPrank(dao);
        vesting.revoke();
        vm.expectRevert(
            abi.encodeWithSelector(FoundationVesting.FoundationVestingAlreadyRevoked.selector, uint64(block.timestamp))
        );
        vesting.revoke();
        vm.stopPrank();
    }

    function test_reclaim_revertsWithFoundationVestingNotRevoked() public {
        vm.expectRevert(FoundationVesting.FoundationVestingNotRevoked.selector);
        vesting.reclaim();
        vm.expectRevert(FoundationVesting.FoundationVestingNotRevoked.selector);
        vesting.reclaim(address(usd));
    }

    function test_constructor_revertsWithFoundationVestingZeroDao() public {
        vm.expectRevert(FoundationVesting.FoundationVestingZeroDao.selector);
        new FoundationVesting(foundation, address(0), start, DURATION);
    }

    function testFuzz_revoke_splitsExactly(uint64 revokeAfter, uint64 releaseAfter) public {
        revokeAfter = uint64(bound(revokeAfter, 0, 2 * DURATION));
        releaseAfter = uint64(bound(releaseAfter, 0, 2 * DURATION));
        vm.warp(start + releaseAfter);
        vesting.release();
        vm.warp(block.timestamp + revokeAfter);
        vm.prank(dao);
        vesting.revoke();
        vesting.reclaim();
        vm.warp(block.timestamp + 3 * DURATION);
        vesting.release();
        assertEq(foundation.balance + dao.balance, 400 ether);
        uint256 revokedAt = uint256(start) + releaseAfter + revokeAfter;
        uint256 vestedTime = revokedAt - start > DURATION ? DURATION : revokedAt - start;
        assertEq(foundation.balance, 400 ether * vestedTime / DURATION);
    }
}
