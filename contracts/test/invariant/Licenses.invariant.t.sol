// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {AssetRegistry} from "../../src/AssetRegistry.sol";
import {Licenses} from "../../src/Licenses.sol";
import {Receipts} from "../../src/Receipts.sol";
import {RevenuePool} from "../../src/RevenuePool.sol";
import {IAssetRegistry} from "../../src/interfaces/IAssetRegistry.sol";

/// @dev Buys, renews, transfers licenses, retires terms and moves time.
contract LicensesHandler is Test {
    Licenses public licenses;
    uint256[] public terms;

    constructor(AssetRegistry registry, Licenses licenses_) {
        licenses = licenses_;
        uint256 assetId = registry.registerAsset(
            IAssetRegistry.AssetKind.ASSISTANT, keccak256("a"), "", address(this), new IAssetRegistry.Parent[](0)
        );
        terms.push(licenses_.createTerms(assetId, Licenses.LicenseKind.PERIOD, 1 ether, address(0), 1 days, 0));
        terms.push(licenses_.createTerms(assetId, Licenses.LicenseKind.API, 0, address(0), 7 days, 100));
        terms.push(licenses_.createTerms(assetId, Licenses.LicenseKind.PERPETUAL, 2 ether, address(0), 0, 0));
        terms.push(licenses_.createTerms(assetId, Licenses.LicenseKind.PERIOD, 0.1 ether, address(0), 1, 0));
    }

    function purchase(uint256 termsSeed) external {
        uint256 termsId = terms[termsSeed % terms.length];
        Licenses.Terms memory t = licenses.termsOf(termsId);
        if (!t.active) return;
        vm.deal(address(this), t.price);
        licenses.purchase{value: t.price}(termsId, address(0xB0B), t.price);
    }

    function renew(uint256 licenseSeed) external {
        uint256 count = licenses.licenseCount();
        if (count == 0) return;
        uint256 id = (licenseSeed % count) + 1;
        Licenses.License memory l = licenses.licenseInfo(id);
        Licenses.Terms memory t = licenses.termsOf(l.termsId);
        if (!t.active || l.kind == Licenses.LicenseKind.PERPETUAL) return;
        vm.deal(address(this), t.price);
        licenses.renew{value: t.price}(id, t.price);
    }

    function retire(uint256 termsSeed) external {
        uint256 termsId = terms[termsSeed % terms.length];
        if (licenses.termsOf(termsId).active) licenses.retireTerms(termsId);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 10 days));
    }
}

contract LicensesInvariantTest is Test {
    LicensesHandler internal handler;
    Licenses internal licenses;

    function setUp() public {
        AssetRegistry registry = new AssetRegistry(address(this));
        Receipts receipts = new Receipts(address(registry));
        RevenuePool pool = new RevenuePool(address(registry), address(receipts), address(this), address(this), 0, 0);
        receipts.setShareObserver(address(pool));
        licenses = new Licenses(address(registry), address(pool));
        // The handler registers assets in its constructor: make it an operator before it exists.
        registry.grantRole(registry.OPERATOR_ROLE(), vm.computeCreateAddress(address(this), vm.getNonce(address(this))));
        handler = new LicensesHandler(registry, licenses);
        targetContract(address(handler));
    }

    /// @dev (d) An expired license is never valid (and an unexpired one always is).
    function invariant_expiredLicenseNeverValid() public view {
        uint256 count = licenses.licenseCount();
        for (uint256 id = 1; id <= count; ++id) {
            assertEq(licenses.isValid(id), block.timestamp < licenses.expiresAt(id));
        }
        assertFalse(licenses.isValid(count + 1));
    }
}
