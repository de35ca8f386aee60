// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RevenuePool} from "../../src/RevenuePool.sol";
import {Licenses} from "../../src/Licenses.sol";
import {MockERC20} from "../mocks/MockERC20.sol";
import {CaravanTest} from "./CaravanTest.sol";

/// @dev CaravanTest plus the money side: revenue pool (governed by `governance`), licenses and a mock USD token.
abstract contract SystemTest is CaravanTest {
    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");
    address internal buyer = makeAddr("buyer");

    uint256 internal constant FEE_BPS = 500; // 5%
    uint256 internal constant ROYALTY_BPS = 2_000; // 20%

    RevenuePool internal pool;
    Licenses internal licenses;
    MockERC20 internal usd;

    function setUp() public virtual override {
        super.setUp();
        pool = new RevenuePool(address(registry), address(receipts), governance, treasury, FEE_BPS, ROYALTY_BPS);
        vm.prank(admin);
        receipts.setShareObserver(address(pool));
        licenses = new Licenses(address(registry), address(pool));
        usd = new MockERC20();
        vm.prank(governance);
        pool.setCurrency(address(usd), true);
        vm.deal(buyer, 1_000_000 ether);
        usd.mint(buyer, 1e30);
        vm.prank(buyer);
        usd.approve(address(pool), type(uint256).max);
        vm.prank(buyer);
        usd.approve(address(licenses), type(uint256).max);
    }

    function _depositEth(uint256 assetId, uint256 amount) internal {
        vm.prank(buyer);
        pool.deposit{value: amount}(assetId, address(0), amount);
    }

    function _depositUsd(uint256 assetId, uint256 amount) internal {
        vm.prank(buyer);
        pool.deposit(assetId, address(usd), amount);
    }
}
