// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {RevenuePool} from "../src/RevenuePool.sol";
import {IAssetRegistry} from "../src/interfaces/IAssetRegistry.sol";
import {MockERC20} from "./mocks/MockERC20.sol";
import {ReentrantClaimer} from "./mocks/ReentrantClaimer.sol";
import {SystemTest} from "./utils/SystemTest.sol";

contract RevenuePoolTest is SystemTest {
    event Deposited(uint256 indexed assetId, address indexed token, address indexed payer, uint256 amount, uint256 fee);
    event RoyaltyRouted(uint256 indexed fromAssetId, uint256 indexed toAssetId, address indexed token, uint256 amount);
    event Claimed(uint256 indexed assetId, address indexed token, address indexed holder, uint256 amount);
    event FeesWithdrawn(address indexed token, address indexed recipient, uint256 amount);

    uint256 internal asset;

    function setUp() public override {
        super.setUp();
        asset = _registerDataset(alice);
    }

    /// @dev Exact conservation for one pool over the given holders.
    function _assertConserved(uint256 assetId, address token, address[] memory holders) internal view {
        RevenuePool.Pool memory p = pool.poolOf(assetId, token);
        uint256 accrued;
        for (uint256 i = 0; i < holders.length; ++i) {
            accrued += pool.accruedScaled(assetId, token, holders[i]);
        }
        assertEq(uint256(p.totalReceived) * 1e18, uint256(p.totalClaimed) * 1e18 + accrued + p.carryScaled);
    }

    function _pair(address a, address b) internal pure returns (address[] memory holders) {
        holders = new address[](2);
        holders[0] = a;
        holders[1] = b;
    }

    function test_constructor_setsParametersAndListsEth() public view {
        assertEq(pool.feeBps(), FEE_BPS);
        assertEq(pool.royaltyBps(), ROYALTY_BPS);
        assertEq(pool.feeRecipient(), treasury);
        assertEq(pool.owner(), governance);
        assertTrue(pool.isCurrencyEnabled(address(0)));
        address[] memory listed = pool.currencies();
        assertEq(listed.length, 2);
        assertEq(listed[0], address(0));
        assertEq(listed[1], address(usd));
    }

    function test_constructor_revertsWithRevenuePoolFeeTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolFeeTooHigh.selector, 1001, 1000));
        new RevenuePool(address(registry), address(receipts), governance, treasury, 1001, 0);
    }

    function test_constructor_revertsWithRevenuePoolRoyaltyTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolRoyaltyTooHigh.selector, 5001, 5000));
        new RevenuePool(address(registry), address(receipts), governance, treasury, 0, 5001);
    }

    function test_constructor_revertsWithRevenuePoolInvalidFeeRecipient() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolInvalidFeeRecipient.selector, address(0)));
        new RevenuePool(address(registry), address(receipts), governance, address(0), 0, 0);
    }

    function test_deposit_splitsFeeAndPaysHoldersProRata() public {
        _issue(bob, asset, 30);
        _issue(carol, asset, 70);
        vm.expectEmit(address(pool));
        emit Deposited(asset, address(0), buyer, 100 ether, 5 ether);
        _depositEth(asset, 100 ether);

        assertEq(pool.feesAccrued(address(0)), 5 ether);
        assertEq(pool.claimable(asset, address(0), bob), 28.5 ether);
        assertEq(pool.claimable(asset, address(0), carol), 66.5 ether);
        assertEq(pool.accounted(address(0)), 100 ether);
        assertEq(pool.currenciesOf(asset).length, 1);

        vm.expectEmit(address(pool));
        emit Claimed(asset, address(0), bob, 28.5 ether);
        vm.prank(bob);
        assertEq(pool.claim(asset, address(0)), 28.5 ether);
        assertEq(bob.balance, 28.5 ether);
        assertEq(pool.claimable(asset, address(0), bob), 0);
        vm.prank(bob);
        assertEq(pool.claim(asset, address(0)), 0);
        assertEq(pool.poolOf(asset, address(0)).totalClaimed, 28.5 ether);
        _assertConserved(asset, address(0), _pair(bob, carol));
    }

    function test_deposit_pullsErc20() public {
        _issue(bob, asset, 1);
        _depositUsd(asset, 1_000e6);
        assertEq(usd.balanceOf(address(pool)), 1_000e6);
        assertEq(pool.claimable(asset, address(usd), bob), 950e6);
        vm.prank(bob);
        pool.claim(asset, address(usd));
        assertEq(usd.balanceOf(bob), 950e6);
    }

    function test_depositReceived_creditsUnaccountedTokens() public {
        _issue(bob, asset, 1);
        vm.prank(buyer);
        usd.transfer(address(pool), 200e6);
        pool.depositReceived(asset, address(usd), 200e6);
        assertEq(pool.claimable(asset, address(usd), bob), 190e6);
        assertEq(pool.accounted(address(usd)), 200e6);
    }

    function test_depositReceived_revertsWithRevenuePoolInsufficientReceived() public {
        vm.prank(buyer);
        usd.transfer(address(pool), 100);
        _depositUsd(asset, 50); // accounted, not available again
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolInsufficientReceived.selector, 101, 100));
        pool.depositReceived(asset, address(usd), 101);
    }

    function test_depositReceived_revertsWithRevenuePoolCurrencyDisabledForEth() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolCurrencyDisabled.selector, address(0)));
        pool.depositReceived(asset, address(0), 1);
    }

    function test_deposit_revertsWithRevenuePoolCurrencyDisabled() public {
        MockERC20 other = new MockERC20();
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolCurrencyDisabled.selector, address(other)));
        pool.deposit(asset, address(other), 1);
    }

    function test_deposit_revertsWithRevenuePoolZeroAmount() public {
        vm.expectRevert(RevenuePool.RevenuePoolZeroAmount.selector);
        pool.deposit(asset, address(0), 0);
    }

    function test_deposit_revertsWithRevenuePoolIncorrectValue() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolIncorrectValue.selector, 2, 1));
        pool.deposit{value: 1}(asset, address(0), 2);
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolIncorrectValue.selector, 0, 1));
        pool.deposit{value: 1}(asset, address(usd), 2);
    }

    function test_deposit_revertsWithRevenuePoolUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolUnknownAsset.selector, 42));
        _depositEth(42, 1 ether);
    }

    function test_deposit_revertsWithRevenuePoolAmountTooLarge() public {
        uint256 amount = uint256(type(uint128).max) + 1;
        usd.mint(buyer, amount);
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolAmountTooLarge.selector, amount));
        _depositUsd(asset, amount);
    }

    function test_deposit_withoutHoldersCarriesToFirstHolders() public {
        _depositEth(asset, 10 ether);
        assertEq(pool.poolOf(asset, address(0)).carryScaled, 9.5 ether * 1e18);
        _issue(bob, asset, 3);
        assertEq(pool.claimable(asset, address(0), bob), 0); // carried, not yet spread
        _depositEth(asset, 10 ether);
        // 9.5 carried + 9.5 new, spread over 3 shares, remainder carried.
        assertApproxEqAbs(pool.claimable(asset, address(0), bob), 19 ether, 1);
        address[] memory holders = new address[](1);
        holders[0] = bob;
        _assertConserved(asset, address(0), holders);
    }

    function test_deposit_newHolderDoesNotShareEarlierRevenue() public {
        _issue(bob, asset, 1);
        _depositEth(asset, 10 ether);
        _issue(carol, asset, 1);
        assertEq(pool.claimable(asset, address(0), carol), 0);
        assertEq(pool.claimable(asset, address(0), bob), 9.5 ether);
        _depositEth(asset, 10 ether);
        assertEq(pool.claimable(asset, address(0), carol), 4.75 ether);
        assertEq(pool.claimable(asset, address(0), bob), 14.25 ether);
        // Bob gets more shares: his earnings so far are settled at the old count.
        _issue(bob, asset, 2);
        assertEq(pool.claimable(asset, address(0), bob), 14.25 ether);
        _depositEth(asset, 40 ether);
        assertEq(pool.claimable(asset, address(0), bob), 14.25 ether + 28.5 ether);
        assertEq(pool.claimable(asset, address(0), carol), 4.75 ether + 9.5 ether);
        _assertConserved(asset, address(0), _pair(bob, carol));
    }

    function test_onSharesChanging_settlesEveryCurrency() public {
        _issue(bob, asset, 1);
        _depositEth(asset, 10 ether);
        _depositUsd(asset, 100e6);
        address[] memory used = pool.currenciesOf(asset);
        assertEq(used.length, 2);
        assertEq(used[0], address(0));
        assertEq(used[1], address(usd));
        _issue(bob, asset, 1); // bob doubles his shares: past revenue stays at one share, in both currencies
        _issue(carol, asset, 2);
        _depositEth(asset, 10 ether);
        _depositUsd(asset, 100e6);
        assertEq(pool.claimable(asset, address(0), bob), 9.5 ether + 4.75 ether);
        assertEq(pool.claimable(asset, address(usd), bob), 95e6 + 47.5e6);
        assertEq(pool.claimable(asset, address(usd), carol), 47.5e6);
        assertEq(pool.currenciesOf(_registerDataset(alice)).length, 0);
    }

    function test_deposit_rebindMovesFutureRevenueOnly() public {
        uint256 key = 0xB0B2;
        address bob2 = vm.addr(key);
        _issue(bob, asset, 1);
        _depositEth(asset, 10 ether);
        bytes32 digest = receipts.rebindDigest(bob, bob2, 0, block.timestamp);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        uint256[] memory ids = new uint256[](1);
        ids[0] = 1;
        vm.prank(bob);
        receipts.rebind(ids, bob2, block.timestamp, abi.encodePacked(r, s, v));
        _depositEth(asset, 10 ether);
        assertEq(pool.claimable(asset, address(0), bob), 9.5 ether);
        assertEq(pool.claimable(asset, address(0), bob2), 9.5 ether);
        _assertConserved(asset, address(0), _pair(bob, bob2));
    }

    function test_deposit_routesRoyaltiesToParents() public {
        uint256 d1 = asset;
        uint256 d2 = _registerDataset(alice);
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](2);
        parents[0] = IAssetRegistry.Parent(d1, IAssetRegistry.Relation.TRAINED_ON);
        parents[1] = IAssetRegistry.Parent(d2, IAssetRegistry.Relation.TRAINED_ON);
        uint256 model = _registerChild(IAssetRegistry.AssetKind.MODEL, parents);
        _issue(bob, d1, 1);
        _issue(carol, d2, 5);
        _issue(alice, model, 1);

        vm.expectEmit(address(pool));
        emit RoyaltyRouted(model, d1, address(0), 9.5 ether);
        vm.expectEmit(address(pool));
        emit RoyaltyRouted(model, d2, address(0), 9.5 ether);
        _depositEth(model, 100 ether);
        assertEq(pool.claimable(model, address(0), alice), 76 ether);
        assertEq(pool.claimable(d1, address(0), bob), 9.5 ether);
        assertEq(pool.claimable(d2, address(0), carol), 9.5 ether);
    }

    function test_deposit_royaltiesStopAtMaxDepth() public {
        uint256[] memory chain = new uint256[](5);
        chain[0] = _registerChild(IAssetRegistry.AssetKind.MODEL, _noParents());
        for (uint256 i = 1; i < 5; ++i) {
            chain[i] = _registerChild(
                IAssetRegistry.AssetKind.MODEL, _oneParent(chain[i - 1], IAssetRegistry.Relation.FINETUNED_FROM)
            );
        }
        _depositEth(chain[4], 100 ether);
        assertEq(pool.poolOf(chain[4], address(0)).totalReceived, 76 ether);
        assertEq(pool.poolOf(chain[3], address(0)).totalReceived, 15.2 ether);
        assertEq(pool.poolOf(chain[2], address(0)).totalReceived, 3.04 ether);
        assertEq(pool.poolOf(chain[1], address(0)).totalReceived, 0.76 ether); // depth 3 keeps everything
        assertEq(pool.poolOf(chain[0], address(0)).totalReceived, 0);
    }

    function test_deposit_royaltiesStopAtRecipientBudget() public {
        IAssetRegistry.Parent[] memory top = new IAssetRegistry.Parent[](8);
        uint256[4][8] memory grand;
        for (uint256 i = 0; i < 8; ++i) {
            IAssetRegistry.Parent[] memory ps = new IAssetRegistry.Parent[](4);
            for (uint256 j = 0; j < 4; ++j) {
                grand[i][j] = _registerDataset(bob);
                ps[j] = IAssetRegistry.Parent(grand[i][j], IAssetRegistry.Relation.TRAINED_ON);
            }
            top[i] = IAssetRegistry.Parent(_registerChild(IAssetRegistry.AssetKind.MODEL, ps), IAssetRegistry.Relation.TRAINED_ON);
        }
        uint256 root = _registerChild(IAssetRegistry.AssetKind.ASSISTANT, top);
        _depositEth(root, 100 ether);
        // 1 + 8 + 4 * 4 = 25 credits fit the budget of 24 recipients; parents 5..8 keep their royalty.
        uint256 each = 95 ether * ROYALTY_BPS / 10_000 / 8;
        assertEq(pool.poolOf(top[3].assetId, address(0)).totalReceived, each - (each * ROYALTY_BPS / 10_000 / 4) * 4);
        assertGt(pool.poolOf(grand[3][3], address(0)).totalReceived, 0);
        assertEq(pool.poolOf(top[4].assetId, address(0)).totalReceived, each);
        assertEq(pool.poolOf(grand[4][0], address(0)).totalReceived, 0);
    }

    function test_claimMany_paysAcrossAssets() public {
        uint256 other = _registerDataset(alice);
        _issue(bob, asset, 1);
        _issue(bob, other, 1);
        _depositEth(asset, 10 ether);
        _depositEth(other, 20 ether);
        uint256[] memory ids = new uint256[](2);
        ids[0] = asset;
        ids[1] = other;
        vm.prank(bob);
        assertEq(pool.claimMany(ids, address(0)), 28.5 ether);
        assertEq(bob.balance, 28.5 ether);
    }

    function test_claim_costIndependentOfHolderCount() public {
        _issue(bob, asset, 1);
        for (uint256 i = 0; i < 9; ++i) {
            _issue(address(uint160(0x1000 + i)), asset, 1);
        }
        uint256 big = _registerDataset(alice);
        _issue(bob, big, 1);
        for (uint256 i = 0; i < 199; ++i) {
            _issue(address(uint160(0x2000 + i)), big, 1);
        }
        _depositEth(asset, 10 ether);
        _depositEth(big, 10 ether);
        vm.deal(bob, 1); // an empty account costs 25k extra to pay the first time: keep it out of the comparison
        vm.startPrank(bob);
        uint256 g0 = gasleft();
        pool.claim(asset, address(0));
        uint256 small = g0 - gasleft();
        g0 = gasleft();
        pool.claim(big, address(0));
        uint256 large = g0 - gasleft();
        vm.stopPrank();
        assertApproxEqRel(large, small, 0.05e18);
    }

    function test_claim_revertsWithReentrancyGuardReentrantCall() public {
        ReentrantClaimer attacker = new ReentrantClaimer(pool);
        _issue(address(attacker), asset, 1);
        _issue(bob, asset, 1);
        _depositEth(asset, 10 ether);
        attacker.claim(asset);
        assertTrue(attacker.reentered());
        assertEq(
            bytes4(attacker.reentryError()), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
        );
        assertEq(address(attacker).balance, 4.75 ether);
        assertEq(address(pool).balance, 10 ether - 4.75 ether);
    }

    function test_withdrawFees_paysTreasury() public {
        _issue(bob, asset, 1);
        _depositEth(asset, 10 ether);
        vm.expectEmit(address(pool));
        emit FeesWithdrawn(address(0), treasury, 0.5 ether);
        assertEq(pool.withdrawFees(address(0)), 0.5 ether);
        assertEq(treasury.balance, 0.5 ether);
        assertEq(pool.feesAccrued(address(0)), 0);
        assertEq(pool.withdrawFees(address(0)), 0);
    }

    function test_onSharesChanging_revertsWithRevenuePoolUnauthorizedObserver() public {
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolUnauthorizedObserver.selector, bob));
        vm.prank(bob);
        pool.onSharesChanging(asset, bob);
    }

    function test_setters_revertWithOwnableUnauthorizedAccount() public {
        bytes memory err = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, bob);
        vm.startPrank(bob);
        vm.expectRevert(err);
        pool.setFee(0);
        vm.expectRevert(err);
        pool.setRoyalty(0);
        vm.expectRevert(err);
        pool.setFeeRecipient(bob);
        vm.expectRevert(err);
        pool.setCurrency(address(1), true);
        vm.stopPrank();
    }

    function test_setters_updateByGovernance() public {
        vm.startPrank(governance);
        pool.setFee(1000);
        pool.setRoyalty(5000);
        pool.setFeeRecipient(bob);
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolFeeTooHigh.selector, 1001, 1000));
        pool.setFee(1001);
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolRoyaltyTooHigh.selector, 5001, 5000));
        pool.setRoyalty(5001);
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolInvalidFeeRecipient.selector, address(0)));
        pool.setFeeRecipient(address(0));
        vm.stopPrank();
        assertEq(pool.feeBps(), 1000);
        assertEq(pool.royaltyBps(), 5000);
        assertEq(pool.feeRecipient(), bob);
    }

    function test_setCurrency_disabledStaysClaimable() public {
        _issue(bob, asset, 1);
        _depositUsd(asset, 100e6);
        vm.prank(governance);
        pool.setCurrency(address(usd), false);
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolCurrencyDisabled.selector, address(usd)));
        _depositUsd(asset, 1);
        vm.prank(bob);
        assertEq(pool.claim(asset, address(usd)), 95e6);
    }

    function test_setCurrency_revertsWithRevenuePoolTooManyCurrencies() public {
        vm.startPrank(governance);
        for (uint160 i = 1; i <= 6; ++i) {
            pool.setCurrency(address(i), true);
        }
        vm.expectRevert(abi.encodeWithSelector(RevenuePool.RevenuePoolTooManyCurrencies.selector, 8));
        pool.setCurrency(address(7), true);
        pool.setCurrency(address(6), false); // already listed: no new slot needed
        vm.stopPrank();
    }

    function testFuzz_deposit_conservesEveryUnit(uint96[3] memory amounts, uint64[3] memory shares, uint256 feeBps)
        public
    {
        feeBps = bound(feeBps, 0, 1000);
        vm.deal(buyer, type(uint128).max);
        vm.prank(governance);
        pool.setFee(feeBps);
        address[3] memory who = [bob, carol, alice];
        address[] memory holders = new address[](3);
        uint256 deposited;
        for (uint256 i = 0; i < 3; ++i) {
            holders[i] = who[i];
            _issue(who[i], asset, bound(shares[i], 1, receipts.MAX_SHARES_PER_ISSUE()));
            uint256 amount = bound(amounts[i], 1, type(uint96).max);
            _depositEth(asset, amount);
            deposited += amount;
            _assertConserved(asset, address(0), holders);
        }
        uint256 claimed;
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(who[i]);
            claimed += pool.claim(asset, address(0));
        }
        _assertConserved(asset, address(0), holders);
        RevenuePool.Pool memory p = pool.poolOf(asset, address(0));
        assertEq(p.totalClaimed, claimed);
        assertEq(uint256(p.totalReceived) + pool.feesAccrued(address(0)), deposited);
        assertLe(claimed, p.totalReceived);
        assertEq(address(pool).balance, pool.accounted(address(0)));
        assertEq(bob.balance + carol.balance + alice.balance, claimed);
    }

    function testFuzz_deposit_royaltySplitAddsUp(uint128 amount, uint256 royaltyBps, uint8 parentCount) public {
        amount = uint128(bound(amount, 1, type(uint128).max));
        royaltyBps = bound(royaltyBps, 0, 5000);
        parentCount = uint8(bound(parentCount, 1, 8));
        vm.prank(governance);
        pool.setRoyalty(royaltyBps);
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](parentCount);
        for (uint256 i = 0; i < parentCount; ++i) {
            parents[i] = IAssetRegistry.Parent(_registerDataset(bob), IAssetRegistry.Relation.TRAINED_ON);
        }
        uint256 model = _registerChild(IAssetRegistry.AssetKind.MODEL, parents);
        usd.mint(buyer, amount);
        _depositUsd(model, amount);
        uint256 total = pool.poolOf(model, address(usd)).totalReceived + pool.feesAccrued(address(usd));
        for (uint256 i = 0; i < parentCount; ++i) {
            total += pool.poolOf(parents[i].assetId, address(usd)).totalReceived;
        }
        assertEq(total, amount);
        assertEq(pool.feesAccrued(address(usd)), uint256(amount) * FEE_BPS / 10_000);
    }
}
