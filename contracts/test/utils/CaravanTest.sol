// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {AssetRegistry} from "../../src/AssetRegistry.sol";
import {Receipts} from "../../src/Receipts.sol";
import {IAssetRegistry} from "../../src/interfaces/IAssetRegistry.sol";

/// @dev Shared fixture: a registry administered by `admin`, an extra `operator`, and receipts.
abstract contract CaravanTest is Test {
    address internal admin = makeAddr("admin");
    address internal operator = makeAddr("operator");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    AssetRegistry internal registry;
    Receipts internal receipts;

    uint256 private _hashNonce;

    function setUp() public virtual {
        registry = new AssetRegistry(admin);
        bytes32 operatorRole = registry.OPERATOR_ROLE();
        vm.prank(admin);
        registry.grantRole(operatorRole, operator);
        receipts = new Receipts(address(registry));
    }

    function _noParents() internal pure returns (IAssetRegistry.Parent[] memory) {
        return new IAssetRegistry.Parent[](0);
    }

    function _nextHash() internal returns (bytes32) {
        return keccak256(abi.encode("content", ++_hashNonce));
    }

    function _registerDataset(address owner) internal returns (uint256) {
        vm.prank(operator);
        return registry.registerAsset(IAssetRegistry.AssetKind.DATASET, _nextHash(), "ipfs://d", owner, _noParents());
    }

    function _registerChild(IAssetRegistry.AssetKind kind, IAssetRegistry.Parent[] memory parents)
        internal
        returns (uint256)
    {
        vm.prank(operator);
        return registry.registerAsset(kind, _nextHash(), "ipfs://c", alice, parents);
    }

    function _oneParent(uint256 parentId, IAssetRegistry.Relation relation)
        internal
        pure
        returns (IAssetRegistry.Parent[] memory parents)
    {
        parents = new IAssetRegistry.Parent[](1);
        parents[0] = IAssetRegistry.Parent({assetId: parentId, relation: relation});
    }

    function _issue(address to, uint256 assetId, uint256 shares) internal returns (uint256) {
        vm.prank(operator);
        return receipts.issue(to, assetId, shares);
    }
}
