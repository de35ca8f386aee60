// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Licenses} from "../src/Licenses.sol";
import {MockERC20} from "./mocks/MockERC20.sol";
import {SystemTest} from "./utils/SystemTest.sol";

contract LicensesTest is SystemTest {
    event LicensePurchased(
        uint256 indexed licenseId,
        uint256 indexed termsId,
        uint256 indexed assetId,
        address holder,
        address payer,
        uint256 price,
        uint64 expiresAt
    );
    event SubscriptionUpdate(uint256 indexed tokenId, uint64 expiration);
    event TermsRetired(uint256 indexed termsId);

    uint256 internal asset;
    uint256 internal periodTerms;

    function setUp() public override {
        super.setUp();
        asset = _registerDataset(alice);
        _issue(bob, asset, 1);
        periodTerms = _terms(Licenses.LicenseKind.PERIOD, 1 ether, address(0), 30 days, 0);
    }

    function _terms(Licenses.LicenseKind kind, uint256 price, address currency, uint64 duration, uint64 quota)
        internal
        returns (uint256)
    {
        vm.prank(alice);
        return licenses.createTerms(asset, kind, price, currency, duration, quota);
    }

    function _buy(uint256 termsId, uint256 price) internal returns (uint256) {
        vm.prank(buyer);
        return licenses.purchase{value: price}(termsId, buyer, price);
    }

    function test_createTerms_storesTerms() public {
        uint256 id = _terms(Licenses.LicenseKind.API, 5e6, address(usd), 7 days, 10_000);
        Licenses.Terms memory t = licenses.termsOf(id);
        assertEq(t.assetId, asset);
        assertEq(uint8(t.kind), uint8(Licenses.LicenseKind.API));
        assertEq(t.price, 5e6);
        assertEq(t.currency, address(usd));
        assertEq(t.duration, 7 days);
        assertEq(t.quota, 10_000);
        assertTrue(t.active);
        assertEq(licenses.termsCount(), 2);
    }

    function test_createTerms_byOperator() public {
        vm.prank(operator);
        licenses.createTerms(asset, Licenses.LicenseKind.PERPETUAL, 1, address(0), 0, 0);
    }

    function test_createTerms_revertsWithLicensesUnauthorized() public {
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnauthorized.selector, bob, asset));
        vm.prank(bob);
        licenses.createTerms(asset, Licenses.LicenseKind.PERPETUAL, 1, address(0), 0, 0);
    }

    function test_createTerms_revertsWithLicensesUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnknownAsset.selector, 77));
        licenses.createTerms(77, Licenses.LicenseKind.PERPETUAL, 1, address(0), 0, 0);
    }

    function test_createTerms_revertsWithLicensesInvalidTerms() public {
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(Licenses.LicensesInvalidTerms.selector, Licenses.LicenseKind.PERIOD, 0, 0)
        );
        licenses.createTerms(asset, Licenses.LicenseKind.PERIOD, 1, address(0), 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(Licenses.LicensesInvalidTerms.selector, Licenses.LicenseKind.PERPETUAL, 1, 0)
        );
        licenses.createTerms(asset, Licenses.LicenseKind.PERPETUAL, 1, address(0), 1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(Licenses.LicensesInvalidTerms.selector, Licenses.LicenseKind.API, 1 days, 0)
        );
        licenses.createTerms(asset, Licenses.LicenseKind.API, 1, address(0), 1 days, 0);
        vm.expectRevert(
            abi.encodeWithSelector(Licenses.LicensesInvalidTerms.selector, Licenses.LicenseKind.PERIOD, 1 days, 5)
        );
        licenses.createTerms(asset, Licenses.LicenseKind.PERIOD, 1, address(0), 1 days, 5);
        vm.stopPrank();
    }

    function test_createTerms_revertsWithLicensesUnsupportedCurrency() public {
        MockERC20 other = new MockERC20();
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnsupportedCurrency.selector, address(other)));
        _terms(Licenses.LicenseKind.PERPETUAL, 1, address(other), 0, 0);
    }

    function test_purchase_mintsLicenseAndPaysPool() public {
        uint64 expiry = uint64(block.timestamp + 30 days);
        vm.expectEmit(address(licenses));
        emit LicensePurchased(1, periodTerms, asset, buyer, buyer, 1 ether, expiry);
        vm.expectEmit(address(licenses));
        emit SubscriptionUpdate(1, expiry);
        uint256 id = _buy(periodTerms, 1 ether);

        assertEq(id, 1);
        assertEq(licenses.ownerOf(id), buyer);
        assertTrue(licenses.isValid(id));
        assertEq(licenses.expiresAt(id), expiry);
        assertTrue(licenses.isRenewable(id));
        Licenses.License memory l = licenses.licenseInfo(id);
        assertEq(l.pricePaid, 1 ether);
        assertEq(l.duration, 30 days);
        assertEq(l.assetId, asset);
        assertEq(address(pool).balance, 1 ether);
        assertEq(pool.claimable(asset, address(0), bob), 0.95 ether);
        assertEq(licenses.licenseCount(), 1);
    }

    function test_purchase_forAnotherHolderWithErc20() public {
        uint256 t = _terms(Licenses.LicenseKind.API, 20e6, address(usd), 7 days, 1000);
        vm.prank(buyer);
        uint256 id = licenses.purchase(t, carol, 20e6);
        assertEq(licenses.ownerOf(id), carol);
        assertEq(licenses.licenseInfo(id).quota, 1000);
        assertEq(usd.balanceOf(address(pool)), 20e6);
        assertEq(pool.claimable(asset, address(usd), bob), 19e6);
    }

    function test_purchase_perpetualNeverExpires() public {
        uint256 t = _terms(Licenses.LicenseKind.PERPETUAL, 3 ether, address(0), 0, 0);
        uint256 id = _buy(t, 3 ether);
        assertEq(licenses.expiresAt(id), type(uint64).max);
        assertFalse(licenses.isRenewable(id));
        vm.warp(block.timestamp + 100 * 365 days);
        assertTrue(licenses.isValid(id));
    }

    function test_purchase_freeTermsNeedNoPayment() public {
        uint256 t = _terms(Licenses.LicenseKind.PERIOD, 0, address(0), 1 days, 0);
        uint256 id = _buy(t, 0);
        assertTrue(licenses.isValid(id));
        assertEq(address(pool).balance, 0);
    }

    function test_purchase_snapshotsPriceAgainstLaterChanges() public {
        uint256 id = _buy(periodTerms, 1 ether);
        vm.prank(alice);
        licenses.setTermsPrice(periodTerms, 2 ether);
        assertEq(licenses.licenseInfo(id).pricePaid, 1 ether);
        assertEq(licenses.termsOf(periodTerms).price, 2 ether);
    }

    function test_purchase_revertsWithLicensesPriceAboveMax() public {
        vm.prank(alice);
        licenses.setTermsPrice(periodTerms, 2 ether);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesPriceAboveMax.selector, 2 ether, 1 ether));
        vm.prank(buyer);
        licenses.purchase{value: 1 ether}(periodTerms, buyer, 1 ether);
    }

    function test_purchase_revertsWithLicensesIncorrectPayment() public {
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesIncorrectPayment.selector, 1 ether, 0.5 ether));
        vm.prank(buyer);
        licenses.purchase{value: 0.5 ether}(periodTerms, buyer, 1 ether);
        uint256 t = _terms(Licenses.LicenseKind.PERPETUAL, 1e6, address(usd), 0, 0);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesIncorrectPayment.selector, 0, 1));
        vm.prank(buyer);
        licenses.purchase{value: 1}(t, buyer, 1e6);
    }

    function test_purchase_revertsWithLicensesUnknownTerms() public {
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnknownTerms.selector, 9));
        _buy(9, 0);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnknownTerms.selector, 9));
        licenses.termsOf(9);
    }

    function test_purchase_revertsWithERC721InvalidReceiver() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(pool)));
        vm.prank(buyer);
        licenses.purchase{value: 1 ether}(periodTerms, address(pool), 1 ether);
    }

    function test_retireTerms_keepsSoldLicensesValid() public {
        uint256 id = _buy(periodTerms, 1 ether);
        vm.expectEmit(address(licenses));
        emit TermsRetired(periodTerms);
        vm.prank(alice);
        licenses.retireTerms(periodTerms);
        assertTrue(licenses.isValid(id));
        assertFalse(licenses.isRenewable(id));
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesTermsRetired.selector, periodTerms));
        _buy(periodTerms, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesTermsRetired.selector, periodTerms));
        vm.prank(buyer);
        licenses.renew{value: 1 ether}(id, 1 ether);
        vm.warp(block.timestamp + 30 days);
        assertFalse(licenses.isValid(id));
    }

    function test_retireTerms_revertsWithLicensesUnauthorized() public {
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnauthorized.selector, bob, asset));
        vm.prank(bob);
        licenses.retireTerms(periodTerms);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesUnauthorized.selector, bob, asset));
        vm.prank(bob);
        licenses.setTermsPrice(periodTerms, 0);
    }

    function test_renew_extendsFromExpiryWhileActive() public {
        uint256 id = _buy(periodTerms, 1 ether);
        uint64 first = licenses.expiresAt(id);
        vm.warp(block.timestamp + 10 days);
        vm.prank(buyer);
        uint64 next = licenses.renew{value: 1 ether}(id, 1 ether);
        assertEq(next, first + 30 days);
        assertEq(licenses.expiresAt(id), next);
        assertEq(pool.claimable(asset, address(0), bob), 1.9 ether);
    }

    function test_renew_extendsFromNowAfterExpiry() public {
        uint256 id = _buy(periodTerms, 1 ether);
        vm.warp(block.timestamp + 45 days);
        assertFalse(licenses.isValid(id));
        vm.prank(buyer);
        uint64 next = licenses.renew{value: 1 ether}(id, 1 ether);
        assertEq(next, block.timestamp + 30 days);
        assertTrue(licenses.isValid(id));
    }

    function test_renew_revertsWithLicensesNotRenewable() public {
        uint256 t = _terms(Licenses.LicenseKind.PERPETUAL, 1 ether, address(0), 0, 0);
        uint256 id = _buy(t, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesNotRenewable.selector, id));
        vm.prank(buyer);
        licenses.renew{value: 1 ether}(id, 1 ether);
    }

    function test_renew_revertsWithLicensesPriceAboveMax() public {
        uint256 id = _buy(periodTerms, 1 ether);
        vm.prank(alice);
        licenses.setTermsPrice(periodTerms, 3 ether);
        vm.expectRevert(abi.encodeWithSelector(Licenses.LicensesPriceAboveMax.selector, 3 ether, 1 ether));
        vm.prank(buyer);
        licenses.renew{value: 1 ether}(id, 1 ether);
    }

    function test_renew_revertsWithERC721NonexistentToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        licenses.renew(5, 0);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        licenses.expiresAt(5);
        assertFalse(licenses.isValid(5));
    }

    function test_transferFrom_movesLicense() public {
        uint256 id = _buy(periodTerms, 1 ether);
        vm.prank(buyer);
        licenses.transferFrom(buyer, carol, id);
        assertEq(licenses.ownerOf(id), carol);
        assertTrue(licenses.isValid(id));
    }

    function testFuzz_purchase_validExactlyUntilExpiry(uint64 duration, uint64 elapsed) public {
        duration = uint64(bound(duration, 1, 10 * 365 days));
        elapsed = uint64(bound(elapsed, 0, 20 * 365 days));
        uint256 t = _terms(Licenses.LicenseKind.PERIOD, 1 ether, address(0), duration, 0);
        uint256 id = _buy(t, 1 ether);
        uint256 bought = block.timestamp;
        vm.warp(bought + elapsed);
        assertEq(licenses.isValid(id), elapsed < duration);
        assertEq(licenses.expiresAt(id), bought + duration);
    }

    function testFuzz_renew_extendsFromMaxOfNowAndExpiry(uint64 duration, uint64 wait, uint8 renewals) public {
        duration = uint64(bound(duration, 1, 365 days));
        wait = uint64(bound(wait, 0, 2 * 365 days));
        renewals = uint8(bound(renewals, 1, 5));
        uint256 t = _terms(Licenses.LicenseKind.API, 1 ether, address(0), duration, 100);
        uint256 id = _buy(t, 1 ether);
        for (uint256 i = 0; i < renewals; ++i) {
            vm.warp(block.timestamp + wait);
            uint256 before = licenses.expiresAt(id);
            uint256 base = before > block.timestamp ? before : block.timestamp;
            vm.prank(buyer);
            assertEq(licenses.renew{value: 1 ether}(id, 1 ether), base + duration);
            assertTrue(licenses.isValid(id));
        }
    }
}
