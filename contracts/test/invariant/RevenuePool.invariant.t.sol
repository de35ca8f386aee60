// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {AssetRegistry} from "../../src/AssetRegistry.sol";
import {Receipts} from "../../src/Receipts.sol";
import {RevenuePool} from "../../src/RevenuePool.sol";
import {IAssetRegistry} from "../../src/interfaces/IAssetRegistry.sol";
import {MockERC20} from "../mocks/MockERC20.sol";

/// @dev Drives deposits, issuance, claims and fee changes over a small lineage in ETH and an ERC-20.
contract RevenuePoolHandler is Test {
    AssetRegistry public registry;
    Receipts public receipts;
    RevenuePool public pool;
    MockERC20 public usd;
    address public governance;

    address[] public actors;
    uint256[] public assets;
    address[2] public tokens;
    mapping(address token => uint256) public ghostDeposited;
    mapping(address token => uint256) public ghostPaidOut;

    constructor(AssetRegistry registry_, Receipts receipts_, RevenuePool pool_, MockERC20 usd_, address governance_) {
        registry = registry_;
        receipts = receipts_;
        pool = pool_;
        usd = usd_;
        governance = governance_;
        tokens = [address(0), address(usd_)];
        for (uint256 i = 0; i < 5; ++i) {
            actors.push(address(uint160(0xA000 + i)));
        }
        // d1, d2 (datasets) <- model (trained on both) <- assistant (fine-tuned from model)
        uint256 d1 = _register(IAssetRegistry.AssetKind.DATASET, new IAssetRegistry.Parent[](0));
        uint256 d2 = _register(IAssetRegistry.AssetKind.DATASET, new IAssetRegistry.Parent[](0));
        IAssetRegistry.Parent[] memory ps = new IAssetRegistry.Parent[](2);
        ps[0] = IAssetRegistry.Parent(d1, IAssetRegistry.Relation.TRAINED_ON);
        ps[1] = IAssetRegistry.Parent(d2, IAssetRegistry.Relation.TRAINED_ON);
        uint256 model = _register(IAssetRegistry.AssetKind.MODEL, ps);
        IAssetRegistry.Parent[] memory mp = new IAssetRegistry.Parent[](1);
        mp[0] = IAssetRegistry.Parent(model, IAssetRegistry.Relation.FINETUNED_FROM);
        _register(IAssetRegistry.AssetKind.ASSISTANT, mp);
    }

    function _register(IAssetRegistry.AssetKind kind, IAssetRegistry.Parent[] memory parents) private returns (uint256 id) {
        id = registry.registerAsset(kind, keccak256(abi.encode(assets.length + 1)), "", address(this), parents);
        assets.push(id);
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function assetCount() external view returns (uint256) {
        return assets.length;
    }

    function issue(uint256 actorSeed, uint256 assetSeed, uint256 shares) external {
        receipts.issue(actors[actorSeed % actors.length], assets[assetSeed % assets.length], bound(shares, 1, receipts.MAX_SHARES_PER_ISSUE()));
    }

    function deposit(uint256 assetSeed, uint256 tokenSeed, uint256 amount) external {
        address token = tokens[tokenSeed % 2];
        amount = bound(amount, 1, 1e30);
        uint256 assetId = assets[assetSeed % assets.length];
        if (token == address(0)) {
            vm.deal(address(this), amount);
            pool.deposit{value: amount}(assetId, token, amount);
        } else {
            usd.mint(address(this), amount);
            usd.approve(address(pool), amount);
            pool.deposit(assetId, token, amount);
        }
        ghostDeposited[token] += amount;
    }

    function claim(uint256 actorSeed, uint256 assetSeed, uint256 tokenSeed) external {
        address token = tokens[tokenSeed % 2];
        vm.prank(actors[actorSeed % actors.length]);
        ghostPaidOut[token] += pool.claim(assets[assetSeed % assets.length], token);
    }

    function withdrawFees(uint256 tokenSeed) external {
        address token = tokens[tokenSeed % 2];
        ghostPaidOut[token] += pool.withdrawFees(token);
    }

    function setFee(uint256 feeBps) external {
        feeBps = bound(feeBps, 0, pool.MAX_FEE_BPS());
        vm.prank(governance);
        pool.setFee(feeBps);
    }
}

contract RevenuePoolInvariantTest is Test {
    RevenuePoolHandler internal handler;
    RevenuePool internal pool;
    MockERC20 internal usd;

    function setUp() public {
        address governance = makeAddr("governance");
        AssetRegistry registry = new AssetRegistry(address(this));
        Receipts receipts = new Receipts(address(registry));
        pool = new RevenuePool(address(registry), address(receipts), governance, makeAddr("treasury"), 500, 2_000);
        receipts.setShareObserver(address(pool));
        usd = new MockERC20();
        vm.prank(governance);
        pool.setCurrency(address(usd), true);
        // The handler registers assets in its constructor: make it an operator before it exists.
        registry.grantRole(registry.OPERATOR_ROLE(), vm.computeCreateAddress(address(this), vm.getNonce(address(this))));
        handler = new RevenuePoolHandler(registry, receipts, pool, usd, governance);
        targetContract(address(handler));
    }

    /// @dev (a) Per pool: claimed + claimable + dust == deposited, exactly, in PRECISION-scaled units.
    function invariant_poolAccountingIsExact() public view {
        uint256 precision = pool.PRECISION();
        for (uint256 a = 0; a < handler.assetCount(); ++a) {
            uint256 assetId = handler.assets(a);
            for (uint256 t = 0; t < 2; ++t) {
                address token = handler.tokens(t);
                RevenuePool.Pool memory p = pool.poolOf(assetId, token);
                uint256 accrued;
                uint256 claimable;
                for (uint256 i = 0; i < handler.actorCount(); ++i) {
                    accrued += pool.accruedScaled(assetId, token, handler.actors(i));
                    claimable += pool.claimable(assetId, token, handler.actors(i));
                }
                assertEq(uint256(p.totalReceived) * precision, uint256(p.totalClaimed) * precision + accrued + p.carryScaled);
                uint256 dust = p.totalReceived - p.totalClaimed - claimable;
                // Dust is only what cannot be paid in whole units yet: the carry plus < 1 unit per holder.
                assertLe(dust, p.carryScaled / precision + handler.actorCount() + 1);
            }
        }
    }

    /// @dev Everything deposited is in the pool, paid out, or both; the pool holds what it owes.
    function invariant_solvent() public view {
        for (uint256 t = 0; t < 2; ++t) {
            address token = handler.tokens(t);
            uint256 balance = token == address(0) ? address(pool).balance : usd.balanceOf(address(pool));
            assertEq(handler.ghostDeposited(token), pool.accounted(token) + handler.ghostPaidOut(token));
            assertGe(balance, pool.accounted(token));
            uint256 received;
            for (uint256 a = 0; a < handler.assetCount(); ++a) {
                RevenuePool.Pool memory p = pool.poolOf(handler.assets(a), token);
                received += p.totalReceived - p.totalClaimed;
            }
            assertEq(received + pool.feesAccrued(token), pool.accounted(token));
        }
    }
}
