// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {CaravanToken} from "../src/CaravanToken.sol";

contract CaravanTokenTest is Test {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    function _token() internal returns (CaravanToken) {
        address[] memory holders = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        holders[0] = alice;
        holders[1] = bob;
        amounts[0] = 600e18;
        amounts[1] = 400e18;
        return new CaravanToken(holders, amounts);
    }

    function test_constructor_mintsFixedSupply() public {
        CaravanToken token = _token();
        assertEq(token.totalSupply(), 1_000e18);
        assertEq(token.balanceOf(alice), 600e18);
        assertEq(token.name(), "Caravan");
        assertEq(token.symbol(), "CVN");
        assertEq(token.nonces(alice), 0);
    }

    function test_constructor_revertsWithCaravanTokenLengthMismatch() public {
        vm.expectRevert(abi.encodeWithSelector(CaravanToken.CaravanTokenLengthMismatch.selector, 1, 0));
        new CaravanToken(new address[](1), new uint256[](0));
    }

    function test_delegate_checkpointsVotes() public {
        CaravanToken token = _token();
        vm.prank(alice);
        token.delegate(alice);
        vm.roll(block.number + 1);
        vm.prank(alice);
        token.transfer(bob, 100e18);
        vm.roll(block.number + 1);
        assertEq(token.getPastVotes(alice, block.number - 2), 600e18);
        assertEq(token.getVotes(alice), 500e18);
        assertEq(token.getVotes(bob), 0);
        assertEq(token.getPastTotalSupply(block.number - 1), 1_000e18);
    }
}
