// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {AssetRegistry} from "../../src/AssetRegistry.sol";
import {Receipts} from "../../src/Receipts.sol";
import {IAssetRegistry} from "../../src/interfaces/IAssetRegistry.sol";

/// @dev Issues receipts and tries every way to move them; records the owner each receipt should have.
contract ReceiptsHandler is Test {
    Receipts public receipts;
    uint256 public assetId;
    uint256[] public keys;
    mapping(uint256 receiptId => address) public expectedHolder;
    uint256 public reboundCount;

    constructor(AssetRegistry registry, Receipts receipts_) {
        receipts = receipts_;
        assetId = registry.registerAsset(
            IAssetRegistry.AssetKind.DATASET, keccak256("asset"), "", address(this), new IAssetRegistry.Parent[](0)
        );
        for (uint256 i = 1; i <= 4; ++i) {
            keys.push(i * 0x1111);
        }
    }

    function _actor(uint256 seed) private view returns (address) {
        return vm.addr(keys[seed % keys.length]);
    }

    function _receipt(uint256 seed) private view returns (uint256) {
        uint256 count = receipts.receiptCount();
        return count == 0 ? 0 : (seed % count) + 1;
    }

    function issue(uint256 actorSeed, uint256 shares) external {
        address to = _actor(actorSeed);
        uint256 id = receipts.issue(to, assetId, bound(shares, 1, receipts.MAX_SHARES_PER_ISSUE()));
        expectedHolder[id] = to;
    }

    function transfer(uint256 receiptSeed, uint256 toSeed, bool safe) external {
        uint256 id = _receipt(receiptSeed);
        if (id == 0) return;
        address from = receipts.ownerOf(id);
        vm.prank(from);
        if (safe) {
            try receipts.safeTransferFrom(from, _actor(toSeed), id) {} catch {}
        } else {
            try receipts.transferFrom(from, _actor(toSeed), id) {} catch {}
        }
    }

    function approve(uint256 receiptSeed, uint256 toSeed) external {
        uint256 id = _receipt(receiptSeed);
        if (id == 0) return;
        vm.prank(receipts.ownerOf(id));
        try receipts.approve(_actor(toSeed), id) {} catch {}
    }

    /// @dev A rebind where `callerSeed` calls and `signerSeed` signs for target `toSeed`: succeeds only when the
    /// caller holds the receipt and the target signed.
    function rebind(uint256 receiptSeed, uint256 callerSeed, uint256 signerSeed, uint256 toSeed) external {
        uint256 id = _receipt(receiptSeed);
        if (id == 0) return;
        address caller = _actor(callerSeed);
        address to = _actor(toSeed);
        uint256 signerKey = keys[signerSeed % keys.length];
        bytes32 digest = receipts.rebindDigest(caller, to, receipts.nonces(to), block.timestamp);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        vm.prank(caller);
        try receipts.rebind(ids, to, block.timestamp, abi.encodePacked(r, s, v)) {
            // Only reachable when the holder called and the new address signed.
            assertEq(expectedHolder[id], caller);
            assertEq(vm.addr(signerKey), to);
            expectedHolder[id] = to;
            ++reboundCount;
        } catch {}
    }
}

contract ReceiptsInvariantTest is Test {
    ReceiptsHandler internal handler;
    Receipts internal receipts;

    function setUp() public {
        AssetRegistry registry = new AssetRegistry(address(this));
        receipts = new Receipts(address(registry));
        // The handler registers assets in its constructor: make it an operator before it exists.
        registry.grantRole(registry.OPERATOR_ROLE(), vm.computeCreateAddress(address(this), vm.getNonce(address(this))));
        handler = new ReceiptsHandler(registry, receipts);
        targetContract(address(handler));
    }

    /// @dev (b) No receipt ever changes holder except by its holder's own signed rebind.
    function invariant_holderChangesOnlyBySignedRebind() public view {
        uint256 count = receipts.receiptCount();
        uint256 total;
        for (uint256 id = 1; id <= count; ++id) {
            assertEq(receipts.ownerOf(id), handler.expectedHolder(id));
            assertTrue(receipts.locked(id));
            assertEq(receipts.getApproved(id), address(0));
            (, uint256 shares) = receipts.receiptInfo(id);
            total += shares;
        }
        assertEq(receipts.totalShares(handler.assetId()), total);
    }
}
