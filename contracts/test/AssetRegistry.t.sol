// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAssetRegistry} from "../src/interfaces/IAssetRegistry.sol";
import {CaravanTest} from "./utils/CaravanTest.sol";

contract AssetRegistryTest is CaravanTest {
    event AssetRegistered(
        uint256 indexed assetId, IAssetRegistry.AssetKind kind, bytes32 indexed contentHash, address indexed owner, string uri
    );
    event ParentLinked(uint256 indexed assetId, uint256 indexed parentId, IAssetRegistry.Relation relation);
    event AssetURIUpdated(uint256 indexed assetId, string uri);
    event AssetOwnershipTransferred(uint256 indexed assetId, address indexed previousOwner, address indexed newOwner);

    function test_constructor_grantsAdminAndOperatorRoles() public view {
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(registry.hasRole(registry.OPERATOR_ROLE(), admin));
        assertTrue(registry.isOperator(operator));
        assertTrue(registry.isAdmin(admin));
        assertFalse(registry.isAdmin(operator));
    }

    function test_registerAsset_storesAssetAndEmits() public {
        bytes32 hash = keccak256("dataset");
        vm.expectEmit(address(registry));
        emit AssetRegistered(1, IAssetRegistry.AssetKind.DATASET, hash, alice, "ipfs://x");
        vm.prank(operator);
        uint256 id = registry.registerAsset(IAssetRegistry.AssetKind.DATASET, hash, "ipfs://x", alice, _noParents());

        assertEq(id, 1);
        assertEq(registry.assetIdByHash(hash), 1);
        assertEq(registry.assetCount(), 1);
        assertTrue(registry.exists(1));
        IAssetRegistry.Asset memory asset = registry.assetOf(1);
        assertEq(uint8(asset.kind), uint8(IAssetRegistry.AssetKind.DATASET));
        assertEq(asset.contentHash, hash);
        assertEq(asset.owner, alice);
        assertEq(asset.uri, "ipfs://x");
        assertEq(asset.depth, 0);
        assertEq(asset.registeredAt, block.timestamp);
        assertEq(registry.ownerOfAsset(1), alice);
    }

    function test_registerAsset_idsIncrement() public {
        assertEq(_registerDataset(alice), 1);
        assertEq(_registerDataset(bob), 2);
        assertEq(_registerDataset(carol), 3);
    }

    function test_registerAsset_recordsLineageAndDepth() public {
        uint256 data1 = _registerDataset(bob);
        uint256 data2 = _registerDataset(carol);
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](2);
        parents[0] = IAssetRegistry.Parent(data1, IAssetRegistry.Relation.TRAINED_ON);
        parents[1] = IAssetRegistry.Parent(data2, IAssetRegistry.Relation.TRAINED_ON);

        vm.expectEmit(address(registry));
        emit ParentLinked(3, data1, IAssetRegistry.Relation.TRAINED_ON);
        vm.expectEmit(address(registry));
        emit ParentLinked(3, data2, IAssetRegistry.Relation.TRAINED_ON);
        uint256 model = _registerChild(IAssetRegistry.AssetKind.MODEL, parents);
        uint256 assistant =
            _registerChild(IAssetRegistry.AssetKind.ASSISTANT, _oneParent(model, IAssetRegistry.Relation.FINETUNED_FROM));

        IAssetRegistry.Parent[] memory stored = registry.parentsOf(model);
        assertEq(stored.length, 2);
        assertEq(stored[1].assetId, data2);
        assertEq(registry.assetOf(model).depth, 1);
        assertEq(registry.assetOf(assistant).depth, 2);
        assertEq(registry.parentsOf(data1).length, 0);
    }

    function test_registerAsset_revertsWithAccessControlUnauthorizedAccount() public {
        bytes32 role = registry.OPERATOR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        registry.registerAsset(IAssetRegistry.AssetKind.DATASET, keccak256("x"), "", alice, _noParents());
    }

    function test_registerAsset_revertsWithAssetRegistryZeroContentHash() public {
        vm.expectRevert(IAssetRegistry.AssetRegistryZeroContentHash.selector);
        vm.prank(operator);
        registry.registerAsset(IAssetRegistry.AssetKind.DATASET, bytes32(0), "", alice, _noParents());
    }

    function test_registerAsset_revertsWithAssetRegistryDuplicateContentHash() public {
        bytes32 hash = keccak256("same");
        vm.startPrank(operator);
        registry.registerAsset(IAssetRegistry.AssetKind.DATASET, hash, "", alice, _noParents());
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryDuplicateContentHash.selector, hash, 1));
        registry.registerAsset(IAssetRegistry.AssetKind.MODEL, hash, "", bob, _noParents());
        vm.stopPrank();
    }

    function test_registerAsset_revertsWithAssetRegistryInvalidOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryInvalidOwner.selector, address(0)));
        vm.prank(operator);
        registry.registerAsset(IAssetRegistry.AssetKind.DATASET, keccak256("x"), "", address(0), _noParents());
    }

    function test_registerAsset_revertsWithAssetRegistryUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryUnknownAsset.selector, 7));
        _registerChild(IAssetRegistry.AssetKind.MODEL, _oneParent(7, IAssetRegistry.Relation.TRAINED_ON));
    }

    function test_registerAsset_revertsWithAssetRegistryTooManyParents() public {
        uint256 max = registry.MAX_PARENTS();
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](max + 1);
        for (uint256 i = 0; i <= max; ++i) {
            parents[i] = IAssetRegistry.Parent(_registerDataset(bob), IAssetRegistry.Relation.TRAINED_ON);
        }
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryTooManyParents.selector, max + 1, max));
        _registerChild(IAssetRegistry.AssetKind.MODEL, parents);
    }

    function test_registerAsset_acceptsMaxParents() public {
        uint256 max = registry.MAX_PARENTS();
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](max);
        for (uint256 i = 0; i < max; ++i) {
            parents[i] = IAssetRegistry.Parent(_registerDataset(bob), IAssetRegistry.Relation.TRAINED_ON);
        }
        uint256 model = _registerChild(IAssetRegistry.AssetKind.MODEL, parents);
        assertEq(registry.parentsOf(model).length, max);
    }

    function test_registerAsset_revertsWithAssetRegistryDuplicateParent() public {
        uint256 data = _registerDataset(bob);
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](2);
        parents[0] = IAssetRegistry.Parent(data, IAssetRegistry.Relation.TRAINED_ON);
        parents[1] = IAssetRegistry.Parent(data, IAssetRegistry.Relation.TRAINED_ON);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryDuplicateParent.selector, data));
        _registerChild(IAssetRegistry.AssetKind.MODEL, parents);
    }

    function test_registerAsset_revertsWithAssetRegistryLineageTooDeep() public {
        uint256 max = registry.MAX_DEPTH();
        uint256 current = _registerChild(IAssetRegistry.AssetKind.MODEL, _noParents());
        for (uint256 i = 0; i < max; ++i) {
            current = _registerChild(
                IAssetRegistry.AssetKind.MODEL, _oneParent(current, IAssetRegistry.Relation.FINETUNED_FROM)
            );
        }
        assertEq(registry.assetOf(current).depth, max);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryLineageTooDeep.selector, max + 1, max));
        _registerChild(IAssetRegistry.AssetKind.MODEL, _oneParent(current, IAssetRegistry.Relation.FINETUNED_FROM));
    }

    function test_registerAsset_revertsWithAssetRegistryInvalidRelation() public {
        uint256 data = _registerDataset(bob);
        // A model cannot be fine-tuned from a dataset.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAssetRegistry.AssetRegistryInvalidRelation.selector,
                IAssetRegistry.AssetKind.MODEL,
                data,
                IAssetRegistry.Relation.FINETUNED_FROM
            )
        );
        _registerChild(IAssetRegistry.AssetKind.MODEL, _oneParent(data, IAssetRegistry.Relation.FINETUNED_FROM));
        // A dataset has no parents.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAssetRegistry.AssetRegistryInvalidRelation.selector,
                IAssetRegistry.AssetKind.DATASET,
                data,
                IAssetRegistry.Relation.TRAINED_ON
            )
        );
        _registerChild(IAssetRegistry.AssetKind.DATASET, _oneParent(data, IAssetRegistry.Relation.TRAINED_ON));
    }

    function test_assetIdByHash_returnsZeroWhenUnknown() public view {
        assertEq(registry.assetIdByHash(keccak256("nothing")), 0);
    }

    function test_assetOf_revertsWithAssetRegistryUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryUnknownAsset.selector, 1));
        registry.assetOf(1);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryUnknownAsset.selector, 0));
        registry.parentsOf(0);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryUnknownAsset.selector, 2));
        registry.ownerOfAsset(2);
    }

    function test_setAssetURI_byOwnerAndOperator() public {
        uint256 id = _registerDataset(alice);
        vm.expectEmit(address(registry));
        emit AssetURIUpdated(id, "ipfs://new");
        vm.prank(alice);
        registry.setAssetURI(id, "ipfs://new");
        assertEq(registry.assetOf(id).uri, "ipfs://new");
        vm.prank(operator);
        registry.setAssetURI(id, "ipfs://op");
        assertEq(registry.assetOf(id).uri, "ipfs://op");
    }

    function test_setAssetURI_revertsWithAssetRegistryUnauthorized() public {
        uint256 id = _registerDataset(alice);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryUnauthorized.selector, bob, id));
        vm.prank(bob);
        registry.setAssetURI(id, "ipfs://evil");
    }

    function test_transferAssetOwnership_movesControl() public {
        uint256 id = _registerDataset(alice);
        vm.expectEmit(address(registry));
        emit AssetOwnershipTransferred(id, alice, bob);
        vm.prank(alice);
        registry.transferAssetOwnership(id, bob);
        assertEq(registry.ownerOfAsset(id), bob);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryUnauthorized.selector, alice, id));
        vm.prank(alice);
        registry.transferAssetOwnership(id, alice);
    }

    function test_transferAssetOwnership_revertsWithAssetRegistryInvalidOwner() public {
        uint256 id = _registerDataset(alice);
        vm.expectRevert(abi.encodeWithSelector(IAssetRegistry.AssetRegistryInvalidOwner.selector, address(0)));
        vm.prank(alice);
        registry.transferAssetOwnership(id, address(0));
    }

    function testFuzz_registerAsset_hashLookupRoundTrips(bytes32 hash, uint8 kindSeed, string calldata uri) public {
        vm.assume(hash != bytes32(0));
        IAssetRegistry.AssetKind kind = IAssetRegistry.AssetKind(kindSeed % 3);
        vm.prank(operator);
        uint256 id = registry.registerAsset(kind, hash, uri, carol, _noParents());
        assertEq(registry.assetIdByHash(hash), id);
        IAssetRegistry.Asset memory asset = registry.assetOf(id);
        assertEq(uint8(asset.kind), uint8(kind));
        assertEq(asset.uri, uri);
        assertEq(asset.owner, carol);
    }

    function testFuzz_registerAsset_depthIsLongestPathPlusOne(uint8 chainLength, uint8 extraSeed) public {
        chainLength = uint8(bound(chainLength, 1, registry.MAX_DEPTH()));
        uint256 current = _registerChild(IAssetRegistry.AssetKind.MODEL, _noParents());
        for (uint256 i = 1; i < chainLength; ++i) {
            current = _registerChild(IAssetRegistry.AssetKind.MODEL, _oneParent(current, IAssetRegistry.Relation.TRAINED_ON));
        }
        uint256 shallow = _registerDataset(bob);
        IAssetRegistry.Parent[] memory parents = new IAssetRegistry.Parent[](2);
        bool swap = extraSeed % 2 == 0;
        parents[swap ? 0 : 1] = IAssetRegistry.Parent(current, IAssetRegistry.Relation.FINETUNED_FROM);
        parents[swap ? 1 : 0] = IAssetRegistry.Parent(shallow, IAssetRegistry.Relation.TRAINED_ON);
        uint256 child = _registerChild(IAssetRegistry.AssetKind.ASSISTANT, parents);
        assertEq(registry.assetOf(child).depth, chainLength);
    }
}
