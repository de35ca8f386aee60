// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {TestStablecoin} from "../src/TestStablecoin.sol";

contract TestStablecoinTest is Test {
    address internal operator = makeAddr("operator");
    address internal alice = makeAddr("alice");
    TestStablecoin internal usdc;

    function setUp() public {
        usdc = new TestStablecoin(operator);
    }

    function test_hasSixDecimals() public view {
        assertEq(usdc.decimals(), 6);
        assertEq(usdc.symbol(), "USDC");
    }

    function test_mint_byOwner() public {
        vm.prank(operator);
        usdc.mint(alice, 25e6);
        assertEq(usdc.balanceOf(alice), 25e6);
    }

    function test_mint_revertsForOthers() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        usdc.mint(alice, 1);
    }

    function test_mint_revertsAboveMax() public {
        uint256 max = usdc.MAX_MINT();
        vm.prank(operator);
        vm.expectRevert(abi.encodeWithSelector(TestStablecoin.TestStablecoinMintTooLarge.selector, max + 1, max));
        usdc.mint(alice, max + 1);
    }
}
